"""The validator service's handler (group ``validator-service``): the rules of each event type.

One file per event type declares its rules (``schemas/avro/events/<Type>.rules.yaml``,
ADR 0010), checked in this order:

* the **CEL domain rules registered with the schema** (Confluent data contract, evaluated by
  confluent-kafka's executor), the rules in force for the event's writer schema (see
  :class:`RegisteredRules`);
* the file's **code rules** (``eventflowCodeRules``: Python, for what CEL cannot say; not
  registered), from the contracts the validator was started with.

A broken rule whose ``onFailure`` is ERROR or DLQ dead-letters the event with ``error_type``
``rule:<rule name>``; NONE is a warning. Valid events go on with their ``validation`` field
filled (warnings listed as findings). Event types without rules pass with ruleset ``none``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from eventflow import __version__
from eventflow.consumers._outcome import Forward, InputEvent, Outcome, Reject, RetriableFailure
from eventflow.contracts import CodeRule, DataContract
from eventflow.errors import ConfigError, ErrorCode
from eventflow.kafka import DomainRules
from eventflow.registry import RegisteredSchema, RegistryError

VALIDATOR_GROUP = "validator-service"
_CHANGED = frozenset({"validation"})  # the only field the validator sets

CodeRuleFunction = Callable[[Mapping[str, Any], Mapping[str, str]], str | None]


class CodeRuleError(ConfigError):
    code = ErrorCode.PIPELINE_RULES_INVALID


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # ERROR (dead-letters) or WARNING
    message: str


@dataclass(frozen=True)
class BoundCodeRule:
    """A code rule with its function imported."""

    rule: CodeRule
    function: CodeRuleFunction

    def check(self, message: Mapping[str, Any]) -> Finding | None:
        try:
            problem = self.function(message, self.rule.params)
        except Exception as exc:  # a rule that cannot evaluate is broken, as a CEL rule is
            problem = f"rule {self.rule.name} could not be evaluated: {exc!r}"
        if not problem:
            return None
        return Finding(self.rule.name, "ERROR" if self.rule.refuses else "WARNING", problem)


def load_code_rules(contracts: Mapping[str, DataContract]) -> dict[str, tuple[BoundCodeRule, ...]]:
    """Every event type's code rules, functions imported; a rule naming a module or function
    that does not exist is an error naming the rules file and line."""
    return {
        event_type: tuple(BoundCodeRule(rule, _import(rule)) for rule in contract.code_rules)
        for event_type, contract in contracts.items()
        if contract.code_rules
    }


def _import(rule: CodeRule) -> CodeRuleFunction:
    module_name, _, attr = rule.function.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CodeRuleError(
            f"{rule.where}: code rule {rule.name!r}: cannot import {module_name!r} ({exc})"
        ) from exc
    function = getattr(module, attr, None)
    if not callable(function):
        raise CodeRuleError(
            f"{rule.where}: code rule {rule.name!r}: {module_name} has no function {attr!r}"
        )
    return function  # type: ignore[no-any-return]


class Validator:
    def __init__(
        self,
        *,
        contract_rules: Callable[[int], DomainRules | None],
        code_rules: Mapping[str, Sequence[BoundCodeRule]] | None = None,
        service: str = VALIDATOR_GROUP,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._contract_rules = contract_rules
        self._code_rules = dict(code_rules or {})
        self._name = f"{service}/{__version__}"
        self._clock = clock

    def findings(self, event: InputEvent) -> list[Finding]:
        """Every rule ``event`` breaks (registered CEL rules first, then code rules)."""
        registered = self._contract_rules(event.schema_id)
        found = [
            Finding(b.name, "ERROR" if b.refuses else "WARNING", b.message)
            for b in (registered.broken(event.value) if registered is not None else [])
        ]
        for rule in self._code_rules.get(event.event_type, ()):
            finding = rule.check(event.value)
            if finding is not None:
                found.append(finding)
        return found

    def handle(self, event: InputEvent) -> Outcome:
        now = self._clock()
        findings = self.findings(event)
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
            "ruleset": self._ruleset_name(event),
            "validated_at": now,
            "findings": [
                {"rule": f.rule, "field_path": "", "severity": f.severity, "message": f.message}
                for f in findings
            ],
        }
        return Forward(value, _CHANGED)

    def _ruleset_name(self, event: InputEvent) -> str:
        registered = self._contract_rules(event.schema_id)  # cached by schema id
        names = [f"schema {event.schema_id} rules"] if registered is not None else []
        if event.event_type in self._code_rules:
            names.append(f"{event.event_type} code rules")
        return " + ".join(names) or "none"


class SchemasById(Protocol):
    def get_schema(self, schema_id: int) -> RegisteredSchema: ...

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchema: ...

    def list_versions(self, subject: str) -> list[int]: ...


class RegisteredRules:
    """The domain rules in force for each writer schema id (fetched once per id and process).

    With ``topic`` (the validator's input topic), the rules in force are those of the newest
    version of the event's subject there (``<topic>-<record full name>``, the manifest's
    TopicRecordNameStrategy) that holds the writer's schema: registering the same schema with
    corrected rules fixes them for events already written, so their dead letters can be
    replayed after the fix. Without ``topic``, or when that subject does not hold the schema,
    the rules registered with the writer schema id itself.
    """

    def __init__(self, registry: SchemasById, *, topic: str | None = None) -> None:
        self._registry = registry
        self._topic = topic
        self._by_id: dict[int, DomainRules | None] = {}

    def __call__(self, schema_id: int) -> DomainRules | None:
        if schema_id not in self._by_id:
            try:
                found = self._in_force(self._registry.get_schema(schema_id))
                references = self._references(found) if _has_field_rules(found.rule_set) else {}
            except RegistryError as exc:  # down or 5xx: wait and retry, never dead-letter
                raise RetriableFailure(f"schema registry: {exc}") from exc
            rules = DomainRules(found.rule_set, found.schema, f"schema id {schema_id}", references)
            self._by_id[schema_id] = rules if rules.names else None
        return self._by_id[schema_id]

    def _in_force(self, writer: RegisteredSchema) -> RegisteredSchema:
        subject = self._subject(writer.schema)
        if subject is None:
            return writer
        try:
            numbers = self._registry.list_versions(subject)
        except RegistryError as exc:
            if exc.http_status == 404:
                return writer
            raise
        for number in sorted(numbers, reverse=True):
            try:
                held = self._registry.get_version(subject, number)
            except RegistryError as exc:
                if exc.http_status == 404:  # deleted between the listing and this read
                    continue
                raise
            if held.schema == writer.schema and held.references == writer.references:
                return held
        return writer

    def _subject(self, schema_text: str) -> str | None:
        if self._topic is None:
            return None
        try:
            schema = orjson.loads(schema_text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(schema, dict) or not isinstance(schema.get("name"), str):
            return None
        name, namespace = schema["name"], schema.get("namespace")
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        return f"{self._topic}-{full}"

    def _references(self, schema: RegisteredSchema) -> dict[str, str]:
        """Every named type ``schema`` refers to, transitively: full name -> schema text."""
        out: dict[str, str] = {}
        for ref in schema.references:
            held = self._registry.get_version(ref.subject, ref.version)
            out.update(self._references(held))
            out[ref.name] = held.schema
        return out


def _has_field_rules(rule_set: dict[str, object] | None) -> bool:
    rules = (rule_set or {}).get("domainRules")
    return isinstance(rules, list) and any(
        isinstance(r, dict) and r.get("type") == "CEL_FIELD" for r in rules
    )
