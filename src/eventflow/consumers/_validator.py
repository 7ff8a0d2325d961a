"""The validator service's handler (group ``validator-service``): business rules per event type.

Two sources of rules, checked in this order (ADR 0010):

* the **domain rules registered with the event's writer schema** (Confluent data contract,
  CEL, evaluated by confluent-kafka's executor): a broken rule whose ``onFailure`` is ERROR or
  DLQ dead-letters the event with ``error_type`` ``rule:<rule name>``; ``NONE`` is a warning;
* the rules file of the event type (``rules/<event_type>.yaml``), for what CEL cannot say.

Valid events go on with their ``validation`` field filled (warnings listed as findings).
Event types without rules pass with ruleset ``none``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from eventflow import __version__
from eventflow.consumers._outcome import Forward, InputEvent, Outcome, Reject, RetriableFailure
from eventflow.consumers.validation._rules import Finding, RuleSet, RulesFileError, parse_rules
from eventflow.kafka import DomainRules
from eventflow.registry import RegisteredSchema, RegistryError

VALIDATOR_GROUP = "validator-service"
_CHANGED = frozenset({"validation"})  # the only field the validator sets


def load_rulesets(rules_dir: Path) -> dict[str, RuleSet]:
    """Every ``<event_type>.yaml`` in ``rules_dir``; the file name must match its event type."""
    if not rules_dir.is_dir():
        raise RulesFileError(
            f"{rules_dir}: the rules folder does not exist (set EVENTFLOW_PIPELINE__RULES_DIR)"
        )
    out: dict[str, RuleSet] = {}
    for path in sorted(rules_dir.glob("*.yaml")):
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RulesFileError(f"{path}: cannot read the rules file ({exc.strerror})") from exc
        ruleset = parse_rules(text, source=str(path))
        if ruleset.event_type != path.stem:
            raise RulesFileError(
                f"{path}:1: declares event_type {ruleset.event_type!r} but the "
                f"file is named for {path.stem!r}"
            )
        out[ruleset.event_type] = ruleset
    return out


class Validator:
    def __init__(
        self,
        rulesets: Mapping[str, RuleSet],
        *,
        service: str = VALIDATOR_GROUP,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        contract_rules: Callable[[int], DomainRules | None] = lambda _schema_id: None,
    ) -> None:
        self._rulesets = dict(rulesets)
        self._name = f"{service}/{__version__}"
        self._clock = clock
        self._contract_rules = contract_rules

    def handle(self, event: InputEvent) -> Outcome:
        ruleset = self._rulesets.get(event.event_type)
        now = self._clock()
        registered = self._contract_rules(event.schema_id)
        findings = [
            Finding(b.name, "", "ERROR" if b.refuses else "WARNING", b.message)
            for b in (registered.broken(event.value) if registered is not None else [])
        ]
        if ruleset is not None:
            findings += ruleset.evaluate(event.value, now)
        errors = [f for f in findings if f.severity == "ERROR"]
        if errors:
            first = errors[0]
            more = (
                f" (+{len(errors) - 1} more: {', '.join(f.rule for f in errors[1:])})"
                if len(errors) > 1
                else ""
            )
            return Reject(f"rule:{first.rule}", f"{first.message}{more}")
        value = dict(event.value)
        value["validation"] = {
            "valid": True,
            "validator": self._name,
            "ruleset": _ruleset_name(ruleset, registered, event.schema_id),
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


def _ruleset_name(ruleset: RuleSet | None, registered: DomainRules | None, schema_id: int) -> str:
    names = [f"schema {schema_id} rules"] if registered is not None and registered.names else []
    if ruleset is not None:
        names.append(ruleset.ident)
    return " + ".join(names) or "none"


class SchemasById(Protocol):
    def get_schema(self, schema_id: int) -> RegisteredSchema: ...

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchema: ...


class RegisteredRules:
    """The domain rules registered with each writer schema id (fetched once per id; the codec
    has usually fetched the schema already, so this is a cache hit)."""

    def __init__(self, registry: SchemasById) -> None:
        self._registry = registry
        self._by_id: dict[int, DomainRules | None] = {}

    def __call__(self, schema_id: int) -> DomainRules | None:
        if schema_id not in self._by_id:
            try:
                found = self._registry.get_schema(schema_id)
            except RegistryError as exc:  # down or 5xx: wait and retry, never dead-letter
                raise RetriableFailure(f"schema registry: {exc}") from exc
            references = self._references(found) if _has_field_rules(found.rule_set) else {}
            rules = DomainRules(found.rule_set, found.schema, f"schema id {schema_id}", references)
            self._by_id[schema_id] = rules if rules.names else None
        return self._by_id[schema_id]

    def _references(self, schema: RegisteredSchema) -> dict[str, str]:
        """Every named type ``schema`` refers to, transitively: full name -> schema text."""
        out: dict[str, str] = {}
        for ref in schema.references:
            try:
                held = self._registry.get_version(ref.subject, ref.version)
            except RegistryError as exc:
                raise RetriableFailure(f"schema registry: {exc}") from exc
            out.update(self._references(held))
            out[ref.name] = held.schema
        return out


def _has_field_rules(rule_set: dict[str, object] | None) -> bool:
    rules = (rule_set or {}).get("domainRules")
    return isinstance(rules, list) and any(
        isinstance(r, dict) and r.get("type") == "CEL_FIELD" for r in rules
    )
