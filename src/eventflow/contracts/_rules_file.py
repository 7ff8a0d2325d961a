"""An event type's rules file (``events/<Type>.rules.yaml``), parsed with a line per problem.

The file is Confluent's rule set JSON written as YAML (``domainRules``, ``migrationRules``,
``encodingRules``, ``enableAt``: registered with the schema) plus one EventFlow-only list,
``eventflowCodeRules``: the rules CEL cannot express, written in Python and run by
EventFlow's validator only (ADR 0010). Code rules are never registered: Confluent's clients
fail every record on a rule type they have no executor for.

Stricter than the registry API on purpose: an unknown key in the file (``domainRule:``,
``exp:``) is an error naming the file and line, not a rule silently left out. Pure: text in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from eventflow.contracts._data_contract import (
    CodeRule,
    DataContractError,
    Json,
    canonical_rule,
    canonical_rule_set,
    check_cel,
    invalid_rule_set,
)
from eventflow.contracts._migration_rules import RuleExpressionError, check_jsonata_rule, field_line

CODE_RULES_KEY = "eventflowCodeRules"
RULE_SET_KEYS = ("domainRules", "migrationRules", "encodingRules", "enableAt")
RULE_KEYS = frozenset(
    {"name", "doc", "kind", "mode", "type", "tags", "params", "expr", "onSuccess", "onFailure"}
    | {"disabled"}
)
CODE_RULE_KEYS = ("name", "doc", "function", "params", "onFailure")
CODE_RULE_ACTIONS = ("ERROR", "DLQ", "NONE")
_FUNCTION = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class RulesFile:
    rule_set: Json | None  # Confluent's, canonical (what is registered)
    code_rules: tuple[CodeRule, ...] = ()


def parse_rules_file(text: str, source: str) -> RulesFile:
    """``text`` of the rules file ``source``; raises DataContractError with ``source:line``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise invalid_rule_set(f"{source}:{line}: not valid YAML: {exc.problem}") from exc
    if root is None:
        return RulesFile(None)
    if not isinstance(root, yaml.MappingNode):
        raise invalid_rule_set(
            f"{source}:{_line(root)}: a rules file is a mapping with domainRules, "
            f"migrationRules and/or {CODE_RULES_KEY}"
        )
    doc = yaml.safe_load(text)
    nodes = {_scalar(k): v for k, v in root.value}
    for key_node, _value in root.value:
        key = _scalar(key_node)
        if key not in (*RULE_SET_KEYS, CODE_RULES_KEY):
            allowed = ", ".join((*RULE_SET_KEYS, CODE_RULES_KEY))
            raise invalid_rule_set(f"{source}:{_line(key_node)}: unknown key `{key}` ({allowed})")
    for key in ("domainRules", "migrationRules", "encodingRules"):
        for node, raw in _entries(nodes.get(key), doc.get(key), key, source):
            where = f"{source}:{_line(node)}"
            _known_keys(raw, RULE_KEYS, where)
            try:
                rule = canonical_rule(raw)
                if rule["type"] in ("CEL", "CEL_FIELD"):
                    check_cel(rule)
                check_jsonata_rule(rule, key)
            except DataContractError as exc:
                raise invalid_rule_set(f"{where}: {exc}") from None
            except RuleExpressionError as exc:
                raise invalid_rule_set(f"{source}:{field_line(node, exc)}: {exc}") from None
    rule_set_doc = {k: v for k, v in doc.items() if k in RULE_SET_KEYS}
    try:
        rule_set = canonical_rule_set(rule_set_doc) if rule_set_doc else None
    except DataContractError as exc:  # across rules: e.g. a name used twice
        raise invalid_rule_set(f"{source}:1: {exc}") from None
    names = {
        r["name"] for rules in (rule_set or {}).values() if isinstance(rules, list) for r in rules
    }
    code_rules: list[CodeRule] = []
    for node, raw in _entries(
        nodes.get(CODE_RULES_KEY), doc.get(CODE_RULES_KEY), CODE_RULES_KEY, source
    ):
        code_rule = _code_rule(raw, f"{source}:{_line(node)}")
        if code_rule.name in names:
            raise invalid_rule_set(
                f"{code_rule.where}: rule name {code_rule.name!r} is used twice (rule names "
                "are one namespace: dead letters name them as rule:<name>)"
            )
        names.add(code_rule.name)
        code_rules.append(code_rule)
    return RulesFile(rule_set, tuple(code_rules))


def _entries(
    node: yaml.Node | None, raw: Any, key: str, source: str
) -> list[tuple[yaml.Node, Any]]:
    if node is None or raw is None:
        return []
    if not isinstance(node, yaml.SequenceNode) or not isinstance(raw, list):
        raise invalid_rule_set(f"{source}:{_line(node)}: `{key}` must be a list of rules")
    return list(zip(node.value, raw, strict=True))


def _known_keys(raw: Any, allowed: frozenset[str] | tuple[str, ...], where: str) -> None:
    if not isinstance(raw, dict):
        raise invalid_rule_set(f"{where}: a rule is a mapping")
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise invalid_rule_set(
            f"{where}: unknown key `{unknown[0]}` in rule {raw.get('name')!r} "
            f"(keys: {', '.join(sorted(allowed))})"
        )


def _code_rule(raw: Any, where: str) -> CodeRule:
    _known_keys(raw, CODE_RULE_KEYS, where)
    try:
        name = canonical_rule({"name": raw.get("name"), "type": "PYTHON"})["name"]
    except DataContractError as exc:
        raise invalid_rule_set(f"{where}: {exc}") from None
    function = raw.get("function")
    if not isinstance(function, str) or not _FUNCTION.match(function):
        raise invalid_rule_set(
            f"{where}: code rule {name!r}: `function` must be 'package.module:function', "
            f"got {function!r}"
        )
    params = raw.get("params") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    ):
        raise invalid_rule_set(f"{where}: code rule {name!r}: `params` maps names to strings")
    on_failure = str(raw.get("onFailure") or "ERROR").upper()
    if on_failure not in CODE_RULE_ACTIONS:
        raise invalid_rule_set(
            f"{where}: code rule {name!r}: onFailure must be one of "
            f"{', '.join(CODE_RULE_ACTIONS)}, got {raw.get('onFailure')!r}"
        )
    doc = raw.get("doc")
    if doc is not None and not isinstance(doc, str):
        raise invalid_rule_set(f"{where}: code rule {name!r}: doc must be a string")
    return CodeRule(name, function, dict(sorted(params.items())), on_failure, doc or None, where)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""
