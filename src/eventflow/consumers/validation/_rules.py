"""Declarative business rules per event type (pure: parse text, evaluate dicts).

A rules file ``rules/<event_type>.yaml``::

    event_type: order.placed
    rules:
      - id: order_total_positive          # names the rule in dead letters
        field: payload.total              # dotted path; `[]` walks every item of an array
        min: 0.01                         # exactly one check per rule (see CHECKS)
        severity: ERROR                   # ERROR (default) dead-letters, WARNING only reports
        message: the order total must be positive   # optional, replaces the generated one
      - id: order_total_matches_lines     # a rule in code: "module:function" + args
        code: eventflow.consumers.validation.code_rules:sum_matches
        args: {items: payload.line_items, quantity: quantity, price: unit_price,
               total: payload.total}

A null or absent field passes every check except ``required``. Errors name the file and line.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from eventflow.errors import ConfigError, ErrorCode

CHECKS = (
    "required",
    "min",
    "max",
    "min_length",
    "max_length",
    "min_items",
    "max_items",
    "pattern",
    "one_of",
    "not_in",
    "not_in_future",
    "code",
)
_RULE_KEYS = {"id", "field", "severity", "message", "args", *CHECKS}
_SEVERITIES = ("ERROR", "WARNING")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\])?)*$")
_MISSING = object()

CodeRule = Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]


class RulesFileError(ConfigError):
    code = ErrorCode.PIPELINE_RULES_INVALID


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    field_path: str
    severity: str
    message: str


@dataclass(frozen=True)
class Rule:
    """One rule; its path and check are compiled once, when the rule is made."""

    rule_id: str
    field_path: str
    check: str
    argument: Any
    severity: str = "ERROR"
    message: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    code_rule: CodeRule | None = None
    _path: FieldPath = field(init=False, repr=False, compare=False)
    _test: _Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_path", compile_path(self.field_path))
        if self.code_rule is None:
            object.__setattr__(self, "_test", _compile_check(self.check, self.argument))

    def evaluate(self, value: Mapping[str, Any], now: datetime) -> Iterator[Finding]:
        out: list[Finding] = []
        self.evaluate_into(value, now, out)
        return iter(out)

    def evaluate_into(self, value: Mapping[str, Any], now: datetime, out: list[Finding]) -> None:
        """Append this rule's findings for ``value`` to ``out``."""
        if self.code_rule is not None:
            problem = self.code_rule(value, self.args)
            if problem:
                out.append(
                    Finding(self.rule_id, self.field_path, self.severity, self.message or problem)
                )
            return
        test = self._test
        path = self._path
        if path.simple:
            problem = test(path.first(value), now)
            if problem:
                out.append(
                    Finding(
                        self.rule_id,
                        path.text,
                        self.severity,
                        self.message or f"{path.text} {problem}",
                    )
                )
            return
        for indices, item in path.items(value):
            problem = test(item, now)
            if problem:
                concrete = path.concrete(indices)
                out.append(
                    Finding(
                        self.rule_id,
                        concrete,
                        self.severity,
                        self.message or f"{concrete} {problem}",
                    )
                )


@dataclass(frozen=True)
class RuleSet:
    event_type: str
    source: str
    digest: str
    rules: tuple[Rule, ...]

    @property
    def ident(self) -> str:
        return f"{self.source}@{self.digest}"

    def evaluate(self, value: Mapping[str, Any], now: datetime | None = None) -> list[Finding]:
        when = now or datetime.now(UTC)
        out: list[Finding] = []
        for rule in self.rules:
            rule.evaluate_into(value, when, out)
        return out


class FieldPath:
    """A dotted path (``payload.line_items[].quantity``) split once, walked per event."""

    __slots__ = ("names", "parts", "simple", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.simple = "[]" not in text
        split = text.split(".") if text else []
        self.names = tuple(split)
        self.parts = tuple((p[:-2], True) if p.endswith("[]") else (p, False) for p in split)

    def first(self, value: Any) -> Any:
        """The value a path without ``[]`` reaches (None when a step is missing)."""
        try:  # decoded values: only dicts take str keys, anything else raises
            for name in self.names:
                value = value[name]
            return value
        except (KeyError, TypeError, IndexError):
            return None

    def items(self, value: Any) -> list[tuple[tuple[int, ...], Any]]:
        """Every (array indices, value) the path reaches; a missing field gives None."""
        frontier: list[tuple[tuple[int, ...], Any]] = [((), value)]
        for name, many in self.parts:
            reached: list[tuple[tuple[int, ...], Any]] = []
            for indices, node in frontier:
                child = node.get(name) if isinstance(node, dict) else None
                if not many:
                    reached.append((indices, child))
                elif isinstance(child, list):
                    reached.extend(((*indices, i), item) for i, item in enumerate(child))
            frontier = reached
        return frontier

    def concrete(self, indices: tuple[int, ...]) -> str:
        """The path with each ``[]`` replaced by its index: ``payload.line_items[1].quantity``."""
        rest = iter(indices)
        return ".".join(f"{name}[{next(rest)}]" if many else name for name, many in self.parts)

    def walk(self, value: Any) -> list[tuple[str, Any]]:
        """Every (concrete path, value) the path reaches; a missing field gives None."""
        if self.simple:
            return [(self.text, self.first(value))]
        return [(self.concrete(indices), item) for indices, item in self.items(value)]


_PATHS: dict[str, FieldPath] = {}


def compile_path(path: str) -> FieldPath:
    """The compiled form of ``path`` (cached: rules and enrichment steps share them)."""
    compiled = _PATHS.get(path)
    if compiled is None:
        compiled = _PATHS[path] = FieldPath(path)
    return compiled


def resolve(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every (concrete path, value) the dotted path reaches; a missing field yields None."""
    return iter(compile_path(path).walk(value))


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    try:
        return Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None


_Test = Callable[[Any, datetime], str | None]


def _compile_check(kind: str, arg: Any) -> _Test:
    """The check ``kind`` with its argument bound: item, now -> problem or None."""
    if kind == "required":

        def required(item: Any, _now: datetime) -> str | None:
            if arg and (item is None or item in ("", [])):
                return "is required"
            return None

        return required
    if kind in ("min", "max"):
        bound = Decimal(str(arg))
        at_least = kind == "min"

        def bounded(item: Any, _now: datetime) -> str | None:
            if item is None:
                return None
            kind_of = type(item)
            # Decimal and int compare exactly with a Decimal bound; anything else goes
            # through str() as the rules file's own numbers do
            number = item if kind_of is Decimal or kind_of is int else _number(item)
            if number is None:
                return f"must be a number, got {item!r}"
            if at_least and number < bound:
                return f"must be at least {arg}, got {number}"
            if not at_least and number > bound:
                return f"must be at most {arg}, got {number}"
            return None

        return bounded
    if kind in ("min_length", "max_length", "min_items", "max_items"):
        noun = "characters" if kind.endswith("length") else "items"
        smallest = kind.startswith("min")

        def sized(item: Any, _now: datetime) -> str | None:
            if item is None:
                return None
            size = len(item) if isinstance(item, str | list | dict) else 0
            if smallest and size < arg:
                return f"must have at least {arg} {noun}, has {size}"
            if not smallest and size > arg:
                return f"must have at most {arg} {noun}, has {size}"
            return None

        return sized
    if kind == "pattern":
        search = arg.search

        def matches(item: Any, _now: datetime) -> str | None:
            if item is None or search(item if type(item) is str else str(item)):
                return None
            return f"does not match {arg.pattern!r}"

        return matches
    if kind == "one_of":
        choices = ", ".join(map(str, arg))

        def one_of(item: Any, _now: datetime) -> str | None:
            return (
                None if item is None or item in arg else f"must be one of {choices}, got {item!r}"
            )

        return one_of
    if kind == "not_in":

        def not_in(item: Any, _now: datetime) -> str | None:
            return f"must not be {item!r}" if item is not None and item in arg else None

        return not_in
    if kind == "not_in_future":
        skew = timedelta(seconds=float(arg))

        def not_in_future(item: Any, now: datetime) -> str | None:
            if item is None:
                return None
            when = item if isinstance(item, datetime) else datetime.fromtimestamp(item / 1000, UTC)
            if when > now + skew:
                return f"is in the future ({when.isoformat()})"
            return None

        return not_in_future
    raise AssertionError(f"unknown check {kind}")  # parse_rules only lets known checks through


# ---- parsing ------------------------------------------------------------------------------


def parse_rules(text: str, *, source: str) -> RuleSet:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise RulesFileError(f"{source}:{line}: not valid YAML: {exc.problem}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise RulesFileError(f"{source}:1: a rules file is a mapping with `event_type` and `rules`")
    data = yaml.safe_load(text)
    lines = {_scalar(k): v.start_mark.line + 1 for k, v in root.value}
    unknown = set(data) - {"event_type", "rules"}
    if unknown:
        key = sorted(unknown)[0]
        raise RulesFileError(
            f"{source}:{lines[key]}: unknown key `{key}` (allowed: event_type, rules)"
        )
    event_type = data.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise RulesFileError(f"{source}:1: `event_type` is missing or not a string")
    rules_node = dict((_scalar(k), v) for k, v in root.value).get("rules")
    if not isinstance(rules_node, yaml.SequenceNode):
        line = rules_node.start_mark.line + 1 if rules_node is not None else 1
        raise RulesFileError(f"{source}:{line}: `rules` must be a list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, (node, entry) in enumerate(zip(rules_node.value, data["rules"], strict=True)):
        rule = _rule(entry, f"{source}:{node.start_mark.line + 1}: rules[{index}]")
        if rule.rule_id in seen:
            raise RulesFileError(
                f"{source}:{node.start_mark.line + 1}: rule id {rule.rule_id!r} is used twice"
            )
        seen.add(rule.rule_id)
        rules.append(rule)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return RuleSet(event_type, source.rsplit("/", 1)[-1], digest, tuple(rules))


def _scalar(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _rule(entry: Any, where: str) -> Rule:
    if not isinstance(entry, dict):
        raise RulesFileError(f"{where} must be a mapping")
    unknown = sorted(set(entry) - _RULE_KEYS)
    if unknown:
        raise RulesFileError(f"{where}: unknown key `{unknown[0]}` (checks: {', '.join(CHECKS)})")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RulesFileError(f"{where}: `id` is missing")
    checks = [k for k in CHECKS if k in entry]
    if len(checks) != 1:
        raise RulesFileError(
            f"{where} ({rule_id}): needs exactly one check of "
            f"{', '.join(CHECKS)}; has {', '.join(checks) or 'none'}"
        )
    kind = checks[0]
    severity = str(entry.get("severity", "ERROR")).upper()
    if severity not in _SEVERITIES:
        raise RulesFileError(f"{where} ({rule_id}): severity must be ERROR or WARNING")
    path = entry.get("field", "")
    if kind != "code" and (not isinstance(path, str) or not _PATH.match(path)):
        raise RulesFileError(
            f"{where} ({rule_id}): `field` must be a dotted path like payload.total, got {path!r}"
        )
    args = entry.get("args") or {}
    if not isinstance(args, dict):
        raise RulesFileError(f"{where} ({rule_id}): `args` must be a mapping")
    message = entry.get("message")
    argument = _argument(kind, entry[kind], f"{where} ({rule_id})")
    code_rule = _import_code_rule(argument, f"{where} ({rule_id})") if kind == "code" else None
    return Rule(
        rule_id,
        str(path or ""),
        kind,
        argument,
        severity,
        None if message is None else str(message),
        args,
        code_rule,
    )


def _argument(kind: str, raw: Any, where: str) -> Any:
    if kind == "required":
        if not isinstance(raw, bool):
            raise RulesFileError(f"{where}: `required` must be true or false")
        return raw
    if kind in ("min", "max"):
        if _number(raw) is None:
            raise RulesFileError(f"{where}: `{kind}` must be a number, got {raw!r}")
        return raw
    if kind in ("min_length", "max_length", "min_items", "max_items"):
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise RulesFileError(f"{where}: `{kind}` must be a whole number >= 0, got {raw!r}")
        return raw
    if kind == "pattern":
        try:
            return re.compile(str(raw))
        except re.error as exc:
            raise RulesFileError(f"{where}: `pattern` is not a valid regex: {exc}") from exc
    if kind in ("one_of", "not_in"):
        if not isinstance(raw, list) or not raw:
            raise RulesFileError(f"{where}: `{kind}` must be a non-empty list")
        return tuple(raw)
    if kind == "not_in_future":
        if _number(raw) is None or float(raw) < 0:
            raise RulesFileError(
                f"{where}: `not_in_future` is the allowed clock skew in seconds, got {raw!r}"
            )
        return raw
    if not isinstance(raw, str) or ":" not in raw:
        raise RulesFileError(f"{where}: `code` must be 'package.module:function', got {raw!r}")
    return raw


def _import_code_rule(target: str, where: str) -> CodeRule:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RulesFileError(f"{where}: cannot import {module_name!r} ({exc})") from exc
    func = getattr(module, attr, _MISSING)
    if not callable(func):
        raise RulesFileError(f"{where}: {module_name} has no function {attr!r}")
    return func
