"""Confluent data contracts on a schema: ``metadata`` and ``ruleSet`` (pure).

A registered schema may carry ``metadata`` (``properties``, ``tags``, ``sensitive``) and a
``ruleSet`` (``migrationRules``, ``domainRules``, ``encodingRules``). This module holds their
canonical form (the JSON the registry stores, returns and hashes into a schema's identity),
their validation with Confluent's rules (:class:`DataContractError`; the registry answers
42210 for a rule set, 42201 for metadata), and Confluent's merge rules (a later map or rule of
the same name replaces an earlier one).

Canonical form follows Confluent's entities: properties and params sorted by key, tag sets and
``sensitive`` sorted, rule ``kind`` defaulting to TRANSFORM and ``mode`` to WRITEREAD, empty
strings, lists and maps left out, ``disabled`` always present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy.celparser import CELParseError

from eventflow.contracts._migration_rules import migration_changes
from eventflow.errors import ConfigError, ErrorCode

Json = dict[str, Any]
CONFLUENT_VERSION = "confluent:version"
RULE_KINDS = ("TRANSFORM", "CONDITION")
MIGRATION_MODES = ("UPGRADE", "DOWNGRADE", "UPDOWN")
DOMAIN_MODES = ("WRITE", "READ", "WRITEREAD")
RULE_LISTS = ("migrationRules", "domainRules", "encodingRules")
NAME_MAX_LENGTH = 256


class DataContractError(ConfigError):
    """Invalid metadata or rule set; ``part`` is ``"metadata"`` or ``"ruleSet"``."""

    code = ErrorCode.SCHEMA_INVALID

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


def invalid_rule_set(message: str) -> DataContractError:
    return DataContractError("ruleSet", message)


def _bad_metadata(where: str, message: str) -> DataContractError:
    return DataContractError("metadata", f"Invalid {where}: {message}")


def _string_map(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise _bad_metadata(where, "expected an object of string values")
    return dict(sorted(raw.items()))


def _string_set(raw: object, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise _bad_metadata(where, "expected a list of strings")
    return sorted(set(raw))


def canonical_metadata(raw: object, where: str = "metadata") -> Json | None:
    """``None`` stays ``None`` (absent: the registry may fill it); anything else canonical."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _bad_metadata(where, "expected an object")
    tags_raw = raw.get("tags")
    if tags_raw is not None and not isinstance(tags_raw, dict):
        raise _bad_metadata(f"{where}.tags", "expected an object of string lists")
    tags = {
        path: _string_set(values, f"{where}.tags.{path}")
        for path, values in sorted((tags_raw or {}).items())
    }
    out: Json = {}
    if tags:
        out["tags"] = tags
    properties = _string_map(raw.get("properties"), f"{where}.properties")
    if properties:
        out["properties"] = properties
    sensitive = _string_set(raw.get("sensitive"), f"{where}.sensitive")
    if sensitive:
        out["sensitive"] = sensitive
    return out


def _valid_name(name: object) -> str:
    if not isinstance(name, str):
        raise invalid_rule_set("Missing rule name")
    if not name:
        raise invalid_rule_set("Empty rule name")
    if len(name) > NAME_MAX_LENGTH:
        raise invalid_rule_set("Rule name too long")
    if not (name[0].isalpha() or name[0] == "_"):
        raise invalid_rule_set(f"Illegal initial character in rule name: {name}")
    if not all(c.isalnum() or c in "_-" for c in name[1:]):
        raise invalid_rule_set(f"Illegal character in rule name: {name}")
    return name


def _optional_text(rule: dict[str, Any], key: str, name: str) -> str | None:
    value = rule.get(key)
    if value is not None and not isinstance(value, str):
        raise invalid_rule_set(f"Rule '{name}': {key} must be a string")
    return value or None


def canonical_rule(raw: object) -> Json:
    if not isinstance(raw, dict):
        raise invalid_rule_set("Each rule must be a JSON object")
    name = _valid_name(raw.get("name"))
    kind = raw.get("kind") or "TRANSFORM"
    mode = raw.get("mode") or "WRITEREAD"
    if kind not in RULE_KINDS:
        raise invalid_rule_set(f"Rule '{name}': unknown kind {kind!r}")
    if mode not in (*MIGRATION_MODES, *DOMAIN_MODES):
        raise invalid_rule_set(f"Rule '{name}': unknown mode {mode!r}")
    rule_type = _optional_text(raw, "type", name)
    if rule_type is None:
        raise invalid_rule_set("Missing rule type")
    out: Json = {"name": name}
    doc = _optional_text(raw, "doc", name)
    if doc:
        out["doc"] = doc
    out.update(kind=kind, mode=mode, type=rule_type)
    tags = _string_set(raw.get("tags"), f"rule {name} tags")
    if tags:
        out["tags"] = tags
    params = _string_map(raw.get("params"), f"rule {name} params")
    if params:
        out["params"] = params
    for key in ("expr", "onSuccess", "onFailure"):
        value = _optional_text(raw, key, name)
        if value is not None:
            if key != "expr" and "," in value and mode not in ("WRITEREAD", "UPDOWN"):
                raise invalid_rule_set("Multiple actions only valid with WRITEREAD and UPDOWN")
            out[key] = value
    disabled = raw.get("disabled", False)
    if not isinstance(disabled, bool):
        raise invalid_rule_set(f"Rule '{name}': disabled must be true or false")
    out["disabled"] = disabled
    return out


def canonical_rule_set(raw: object) -> Json | None:
    """Validate as Confluent's ``RuleSet.validate`` does; ``None`` stays ``None``."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_rule_set("ruleSet must be a JSON object")
    seen: set[str] = set()
    out: Json = {}
    for key in RULE_LISTS:
        rules_raw = raw.get(key)
        if rules_raw is None:
            continue
        if not isinstance(rules_raw, list):
            raise invalid_rule_set(f"{key} must be a list of rules")
        rules = [canonical_rule(r) for r in rules_raw]
        for rule in rules:
            if rule["name"] in seen:
                raise invalid_rule_set(f"Found rule with duplicate name '{rule['name']}'")
            seen.add(rule["name"])
            if key == "migrationRules" and rule["mode"] not in MIGRATION_MODES:
                raise invalid_rule_set("Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN")
            if key != "migrationRules" and rule["mode"] not in DOMAIN_MODES:
                kind = "Domain" if key == "domainRules" else "Encoding"
                raise invalid_rule_set(f"{kind} rules can only be WRITE, READ, WRITEREAD")
        if rules:
            out[key] = rules
    enable_at = raw.get("enableAt")
    if isinstance(enable_at, str) and enable_at:
        out["enableAt"] = enable_at
    return out


# -- merging (Confluent's Metadata.mergeMetadata / RuleSet.mergeRuleSets) ---------------------


def merge_metadata(old: Json | None, new: Json | None) -> Json | None:
    """Maps: the later entry of a key wins; sets: union; an empty side yields the other."""
    if old is None:
        return new
    if new is None:
        return old
    out: Json = {}
    for key in ("tags", "properties"):
        merged = {**old.get(key, {}), **new.get(key, {})} if new.get(key) else old.get(key)
        if merged:
            out[key] = dict(sorted(merged.items()))
    sensitive = sorted(set(old.get("sensitive", ())) | set(new.get("sensitive", ())))
    if sensitive:
        out["sensitive"] = sensitive
    return out


def merge_rule_sets(old: Json | None, new: Json | None) -> Json | None:
    """Per list: old rules named like a new one drop out, then the new rules follow."""
    if old is None:
        return new
    if new is None:
        return old
    out: Json = {}
    for key in RULE_LISTS:
        old_rules, new_rules = old.get(key) or [], new.get(key) or []
        names = {r["name"] for r in new_rules}
        merged = [r for r in old_rules if r["name"] not in names] + list(new_rules)
        if merged:
            out[key] = merged
    enable_at = new.get("enableAt") or old.get("enableAt")
    if enable_at:
        out["enableAt"] = enable_at
    return out


def with_confluent_version(metadata: Json | None, version: int) -> Json:
    properties = {**(metadata or {}).get("properties", {}), CONFLUENT_VERSION: str(version)}
    return {**(metadata or {}), "properties": dict(sorted(properties.items()))}


def property_of(metadata: Json | None, name: str) -> str | None:
    value = (metadata or {}).get("properties", {}).get(name)
    return value if isinstance(value, str) else None


# -- an event type's contract as declared in git ----------------------------------------------

MAJOR_VERSION = "major_version"  # the compatibility group property (ADR 0010)


@dataclass(frozen=True)
class CodeRule:
    """A rule in Python (a rules file's ``eventflowCodeRules``, ADR 0010): ``function``
    (``package.module:name``) is called as ``function(message, params) -> problem | None`` on
    the decoded event; a problem with ``on_failure`` ERROR or DLQ dead-letters the event as
    ``rule:<name>``, NONE only reports it. Never registered."""

    name: str
    function: str
    params: dict[str, str] = field(default_factory=dict)
    on_failure: str = "ERROR"
    doc: str | None = None
    where: str = field(default="", compare=False)  # "file:line", for errors found later

    @property
    def refuses(self) -> bool:
        return self.on_failure != "NONE"

    def as_json(self) -> Json:
        out: Json = {"name": self.name}
        if self.doc:
            out["doc"] = self.doc
        out.update(function=self.function, params=self.params, onFailure=self.on_failure)
        return out


@dataclass(frozen=True)
class DataContract:
    """What an event type declares besides its schema: metadata and (optionally) rules.

    ``metadata`` and ``rule_set`` are registered with the schema; ``code_rules`` (the rules
    file's ``eventflowCodeRules``, ADR 0010) are EventFlow's validator's only, never sent."""

    metadata: Json
    rule_set: Json | None = None
    code_rules: tuple[CodeRule, ...] = ()

    @property
    def major_version(self) -> str | None:
        return property_of(self.metadata, MAJOR_VERSION)

    def domain_rules(self) -> list[Json]:
        return list((self.rule_set or {}).get("domainRules", []))


def declared_contract(
    owner: str,
    major_version: int,
    rule_set: Json | None = None,
    code_rules: tuple[CodeRule, ...] = (),
) -> DataContract:
    """The contract of a manifest event type: ``owner`` and ``major_version`` as metadata
    properties, and its rules file as ``parse_rules_file`` read it (every CEL expression
    compiled there: a typo would otherwise refuse every event at run time)."""
    metadata = {"properties": {MAJOR_VERSION: str(major_version), "owner": owner}}
    return DataContract(metadata, rule_set, code_rules)


def check_cel(rule: Json) -> None:
    """Raise DataContractError when a CEL or CEL_FIELD rule's ``expr`` does not compile."""
    expr = rule.get("expr")
    if not expr:
        raise invalid_rule_set(f"Rule '{rule['name']}': a {rule['type']} rule needs an expr")
    guard, _, body = expr.partition(";") if ";" in expr else ("", "", expr)  # as Confluent
    for part in (guard, body):
        if part.strip():
            try:
                celpy.Environment().compile(part)
            except CELParseError as exc:
                first = str(exc).strip().splitlines()
                detail = first[0] if first else "syntax error"
                raise invalid_rule_set(
                    f"Rule '{rule['name']}': expr is not valid CEL: {part.strip()!r} ({detail})"
                ) from None


def contract_changes(old: DataContract | None, new: DataContract) -> list[str]:
    """What changed in an event type's contract, one line each (metadata, then rules)."""
    before = old or DataContract({})
    out: list[str] = []
    old_props = before.metadata.get("properties", {})
    new_props = new.metadata.get("properties", {})
    for key in sorted(set(old_props) | set(new_props)):
        if old_props.get(key) != new_props.get(key):
            out.append(f"metadata {key}: {old_props.get(key)} -> {new_props.get(key)}")
    old_rules = {r["name"]: r for r in before.domain_rules()}
    new_rules = {r["name"]: r for r in new.domain_rules()}
    for name in sorted(set(old_rules) | set(new_rules)):
        was, now = old_rules.get(name), new_rules.get(name)
        if was is None:
            out.append(f"rule {name} added: {now['expr'] if now else ''}")
        elif now is None:
            out.append(f"rule {name} removed")
        elif was != now:
            keys = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
            detail = ", ".join(f"{k} {was.get(k)!r} -> {now.get(k)!r}" for k in keys)
            out.append(f"rule {name} changed: {detail}")
    old_code = {r.name: r.as_json() for r in before.code_rules}
    new_code = {r.name: r.as_json() for r in new.code_rules}
    for name in sorted(set(old_code) | set(new_code)):
        was, now = old_code.get(name), new_code.get(name)
        if was is None:
            out.append(f"code rule {name} added: {now['function'] if now else ''}")
        elif now is None:
            out.append(f"code rule {name} removed")
        elif was != now:
            keys = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
            detail = ", ".join(f"{k} {was.get(k)!r} -> {now.get(k)!r}" for k in keys)
            out.append(f"code rule {name} changed: {detail}")
    out.extend(migration_changes(before.rule_set, new.rule_set))
    return out
