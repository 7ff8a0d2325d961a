"""Migration rules of a data contract (Confluent's ``migrationRules``, JSONata), pure.

A migration rule belongs to the first version of a new compatibility group (a new
``major_version``, ADR 0010): an UPGRADE rule turns a record of the version before it into
this version's shape, a DOWNGRADE rule turns a record of this version back. Confluent's
deserializers apply them when the reader asks for another group than the writer used
(``use.latest.with.metadata``). Here: the checks run when a contract is read from git, and
the one-line reports of what changed.

The expressions are parsed with ``jsonata-python``, the library confluent-kafka-python's
``JsonataExecutor`` evaluates them with, so an expression accepted here is one the executor
compiles. A parse error names the rule and the offset in the expression; the loader turns
that into ``file:line``.
"""

from __future__ import annotations

from typing import Any

import jsonata
import yaml

_Json = dict[str, Any]
JSONATA = "JSONATA"
UPGRADE_MODES = ("UPGRADE", "UPDOWN")
DOWNGRADE_MODES = ("DOWNGRADE", "UPDOWN")


class RuleExpressionError(ValueError):
    """A rule that cannot run; ``field`` and ``offset`` (in the expression) say where."""

    def __init__(
        self, rule: str, message: str, *, field: str | None = None, offset: int | None = None
    ) -> None:
        super().__init__(message)
        self.rule, self.field, self.offset = rule, field, offset


def migration_rules(rule_set: _Json | None) -> list[_Json]:
    return list((rule_set or {}).get("migrationRules", []))


def check_jsonata_rule(rule: _Json, key: str) -> None:
    """A JSONATA rule (migration or not) has an expression that parses; a migration rule is a
    TRANSFORM (Confluent applies only transforms when it migrates a record). ``key``: the
    list the rule is in (``migrationRules``, ``domainRules``, ...)."""
    if rule["type"] == JSONATA:
        _check_jsonata(rule)
    if key == "migrationRules" and rule["kind"] != "TRANSFORM":
        raise RuleExpressionError(
            rule["name"],
            f"Rule '{rule['name']}': a migration rule must be a TRANSFORM (it returns "
            f"the record in the other version's shape), not {rule['kind']}",
            field="kind",
        )


def field_line(rule_node: yaml.Node, exc: RuleExpressionError) -> int:
    """1-based line of the problem ``exc`` in the YAML mapping of its rule: the line of the
    field (of the character at ``exc.offset`` inside a literal block, ``expr: |``)."""
    line = int(rule_node.start_mark.line) + 1
    if not isinstance(rule_node, yaml.MappingNode) or exc.field is None:
        return line
    for key, value in rule_node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == exc.field:
            line = int(value.start_mark.line) + 1
            if isinstance(value, yaml.ScalarNode) and value.style == "|":
                before = str(value.value)[: exc.offset or 0]
                return line + 1 + before.count("\n")  # the text starts below the indicator
            return line
    return line


def _check_jsonata(rule: _Json) -> None:
    expr = rule.get("expr")
    if not expr:
        raise RuleExpressionError(
            rule["name"], f"Rule '{rule['name']}': a JSONATA rule needs an expr"
        )
    try:
        jsonata.Jsonata(expr)
    except Exception as exc:  # jsonata raises JException and, on some inputs, plain errors
        offset = _offset(exc, len(expr))
        code = getattr(exc, "error", None)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f" at character {offset + 1}" if offset is not None else ""
        raise RuleExpressionError(
            rule["name"],
            f"Rule '{rule['name']}': expr is not valid JSONata{where}: {detail}"
            + (f" ({code})" if isinstance(code, str) else ""),
            field="expr",
            offset=offset,
        ) from None


def _offset(exc: Exception, length: int) -> int | None:
    location: Any = getattr(exc, "location", None)
    if not isinstance(location, int) or location < 0:
        return None
    return min(location, max(length - 1, 0))


def migration_changes(old: _Json | None, new: _Json | None) -> list[str]:
    """One line per migration rule added, removed or changed between two rule sets."""
    before = {r["name"]: r for r in migration_rules(old)}
    after = {r["name"]: r for r in migration_rules(new)}
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was is None and now is not None:
            out.append(
                f"migration rule {name} added ({now['mode']} {now['type']}): {now.get('expr', '')}"
            )
        elif now is None:
            out.append(f"migration rule {name} removed")
        elif was is not None and was != now:
            keys = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
            detail = ", ".join(f"{k} {was.get(k)!r} -> {now.get(k)!r}" for k in keys)
            out.append(f"migration rule {name} changed: {detail}")
    return out


def migration_summary(rule_set: _Json | None) -> str:
    """What a new major version's migration rules let consumers of the old group do."""
    rules = [r for r in migration_rules(rule_set) if not r.get("disabled")]
    up = [r["name"] for r in rules if r["mode"] in UPGRADE_MODES]
    down = [r["name"] for r in rules if r["mode"] in DOWNGRADE_MODES]
    parts = [
        f"UPGRADE {', '.join(up)} (readers of the new major read old records)"
        if up
        else "no UPGRADE rule (readers of the new major cannot read old records as new ones)",
        f"DOWNGRADE {', '.join(down)} (readers pinned to the old major read new records)"
        if down
        else "no DOWNGRADE rule (consumers pinned to the old major cannot read new records: "
        "they must upgrade before any producer switches)",
    ]
    return "migration rules: " + "; ".join(parts)
