"""The validator service's handler (group ``validator-service``): business rules per event type.

Valid events go on with their ``validation`` field filled (warnings listed as findings);
an event failing an ERROR rule is dead-lettered with ``error_type`` ``rule:<rule id>``.
Event types without a rules file pass with ruleset ``none``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from eventflow import __version__
from eventflow.consumers.outcome import Forward, InputEvent, Outcome, Reject
from eventflow.consumers.validation.rules import RuleSet, RulesFileError, parse_rules

VALIDATOR_GROUP = "validator-service"
_CHANGED = frozenset({"validation"})  # the only field the validator sets


def load_rulesets(rules_dir: Path) -> dict[str, RuleSet]:
    """Every ``<event_type>.yaml`` in ``rules_dir``; the file name must match its event type."""
    if not rules_dir.is_dir():
        raise RulesFileError(f"{rules_dir}: the rules folder does not exist "
                             "(set EVENTFLOW_PIPELINE__RULES_DIR)")  # fmt: skip
    out: dict[str, RuleSet] = {}
    for path in sorted(rules_dir.glob("*.yaml")):
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RulesFileError(f"{path}: cannot read the rules file ({exc.strerror})") from exc
        ruleset = parse_rules(text, source=str(path))
        if ruleset.event_type != path.stem:
            raise RulesFileError(f"{path}:1: declares event_type {ruleset.event_type!r} but the "
                                 f"file is named for {path.stem!r}")  # fmt: skip
        out[ruleset.event_type] = ruleset
    return out


class Validator:
    def __init__(
        self,
        rulesets: Mapping[str, RuleSet],
        *,
        service: str = VALIDATOR_GROUP,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._rulesets = dict(rulesets)
        self._name = f"{service}/{__version__}"
        self._clock = clock

    def handle(self, event: InputEvent) -> Outcome:
        ruleset = self._rulesets.get(event.event_type)
        now = self._clock()
        findings = ruleset.evaluate(event.value, now) if ruleset is not None else []
        errors = [f for f in findings if f.severity == "ERROR"]
        if errors:
            first = errors[0]
            more = f" (+{len(errors) - 1} more: {', '.join(f.rule for f in errors[1:])})" \
                if len(errors) > 1 else ""  # fmt: skip
            return Reject(f"rule:{first.rule}", f"{first.message}{more}")
        value = dict(event.value)
        value["validation"] = {
            "valid": True,
            "validator": self._name,
            "ruleset": ruleset.ident if ruleset is not None else "none",
            "validated_at": now,
            "findings": [
                {
                    "rule": f.rule,
                    "field_path": f.field_path,
                    "severity": f.severity,
                    "message": f.message,
                }
                for f in findings
            ],
        }
        return Forward(value, _CHANGED)
