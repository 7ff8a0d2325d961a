"""The validator evaluates the CEL domain rules registered with the writer schema (ADR 0010)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from eventflow.consumers._outcome import Forward, InputEvent, Reject, RetriableFailure
from eventflow.consumers._validator import RegisteredRules, Validator
from eventflow.kafka._cel_rules import DomainRules
from eventflow.registry._client import RegisteredSchema, SchemaReference
from eventflow.registry._errors import RegistryError, RegistryUnreachable
from tests.unit.consumers.fakes import record
from tests.unit.consumers.test_validator import NOW, order

CONTRACTS = Path(__file__).resolve().parents[3] / "schemas" / "avro" / "events"
ORDER_RULES: dict[str, Any] = yaml.safe_load((CONTRACTS / "OrderPlaced.rules.yaml").read_text())
SCHEMA = '{"type":"record","name":"OrderPlaced","fields":[]}'
ADDRESS = (
    '{"type":"record","name":"Address","namespace":"t","fields":'
    '[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}'
)
USER = (
    '{"type":"record","name":"User","namespace":"t","fields":[{"name":"name","type":"string"},'
    '{"name":"age","type":"int"},{"name":"home","type":"t.Address"}]}'
)


class Registry:
    """Answers get_schema like RegistryClient; counts calls; can be down."""

    def __init__(
        self,
        rule_set: dict[str, Any] | None,
        *,
        down: bool = False,
        schema: str = SCHEMA,
        with_refs: bool = False,
    ) -> None:
        self.rule_set, self.down, self.calls = rule_set, down, 0
        self.schema, self.with_refs = schema, with_refs

    def get_schema(self, schema_id: int) -> RegisteredSchema:
        self.calls += 1
        if self.down:
            raise RegistryUnreachable(0, "connection refused")
        refs = (SchemaReference("t.Address", "t.Address", 1),) if self.with_refs else ()
        return RegisteredSchema(schema_id, None, None, self.schema, refs, rule_set=self.rule_set)

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchema:
        assert (subject, version) == ("t.Address", 1)
        return RegisteredSchema(3, subject, 1, ADDRESS)

    def list_versions(self, subject: str) -> list[int]:
        raise RegistryError(40401, f"Subject '{subject}' not found.")


def validate(value: dict[str, Any], registry: Registry) -> Any:
    rules = RegisteredRules(registry)
    validator = Validator(clock=lambda: NOW, contract_rules=rules)
    return validator.handle(InputEvent(record(0), 7, value))


def test_an_order_keeping_every_registered_rule_goes_on() -> None:
    outcome = validate(order(), Registry(ORDER_RULES))
    assert isinstance(outcome, Forward)
    assert outcome.value["validation"]["ruleset"] == "schema 7 rules"
    assert outcome.value["validation"]["findings"] == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"line_items": []}, "order_has_line_items"),
        ({"total": Decimal("0.00")}, "order_total_positive"),
        ({"currency": "UNKNOWN"}, "order_currency_known"),
        (
            {"line_items": [{"sku": "A", "quantity": 0, "unit_price": Decimal("1")}]},
            "order_quantity_positive",
        ),
    ],
)
def test_a_broken_error_rule_dead_letters_naming_the_rule(
    changes: dict[str, Any], rule: str
) -> None:
    outcome = validate(order(**changes), Registry(ORDER_RULES))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == f"rule:{rule}"


def test_a_broken_none_rule_is_only_a_warning_and_a_failing_expression_refuses() -> None:
    rule_set = {
        "domainRules": [
            {
                "name": "soft",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "message.payload.total > decimal('100')",
                "onFailure": "NONE",
            },
            {
                "name": "broken_expr",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "message.payload.no_such_field == 1",
                "onFailure": "DLQ",
            },
            {
                "name": "off",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "false",
                "disabled": True,
            },
            {
                "name": "read_only",
                "kind": "CONDITION",
                "mode": "READ",
                "type": "CEL",
                "expr": "false",
            },
        ]
    }
    soft_only = {"domainRules": rule_set["domainRules"][:1]}
    outcome = validate(order(), Registry(soft_only))
    assert isinstance(outcome, Forward)
    [finding] = outcome.value["validation"]["findings"]
    assert (finding["rule"], finding["severity"]) == ("soft", "WARNING")
    refused = validate(order(), Registry(rule_set))
    assert isinstance(refused, Reject) and refused.error_type == "rule:broken_expr"
    assert "could not be evaluated" in refused.message


def test_rules_are_fetched_once_per_schema_id_and_a_down_registry_is_retriable() -> None:
    registry = Registry(ORDER_RULES)
    rules = RegisteredRules(registry)
    assert isinstance(rules(7), DomainRules) and rules(7) is rules(7)
    assert registry.calls == 1
    assert RegisteredRules(Registry(None))(8) is None  # no rules registered: nothing to check
    with pytest.raises(RetriableFailure):
        RegisteredRules(Registry(ORDER_RULES, down=True))(9)


def test_cel_field_rules_run_on_every_primitive_field_through_references() -> None:
    no_blank = {
        "domainRules": [
            {
                "name": "no_blank_strings",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL_FIELD",
                "expr": "typeName != 'STRING' || size(value) > 0",
                "onFailure": "ERROR",
            },
        ]
    }
    good = {"name": "Ada", "age": 36, "home": {"city": "Bern", "zip": "3000"}}
    blank_zip = {"name": "Ada", "age": 36, "home": {"city": "Bern", "zip": ""}}
    registry = Registry(no_blank, schema=USER, with_refs=True)
    validator = Validator(clock=lambda: NOW, contract_rules=RegisteredRules(registry))
    envelope = {"envelope": {"event_type": "user.x", "event_id": "e"}}
    kept = validator.handle(InputEvent(record(0), 5, {**good, **envelope}))
    refused = validator.handle(InputEvent(record(0), 5, {**blank_zip, **envelope}))
    assert isinstance(kept, Forward)
    assert isinstance(refused, Reject) and refused.error_type == "rule:no_blank_strings"


class Versions(Registry):
    """A subject with versions: v1 (id 7, the writer's rules), v2 (id 8, another schema),
    v3 (id 9, the writer's schema with corrected rules)."""

    def __init__(self, first: dict[str, Any], fixed: dict[str, Any]) -> None:
        super().__init__(first)
        other = SCHEMA.replace("OrderPlaced", "Other")
        self.versions = {
            1: RegisteredSchema(7, "raw-OrderPlaced", 1, SCHEMA, rule_set=first),
            2: RegisteredSchema(8, "raw-OrderPlaced", 2, other, rule_set=first),
            3: RegisteredSchema(9, "raw-OrderPlaced", 3, SCHEMA, rule_set=fixed),
        }

    def list_versions(self, subject: str) -> list[int]:
        if subject != "raw-OrderPlaced":
            raise RegistryError(40401, f"Subject '{subject}' not found.")
        return sorted(self.versions)

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchema:
        return self.versions[int(version)]


def test_the_rules_in_force_are_the_newest_version_of_the_topic_subject_holding_the_schema() -> (
    None
):
    strict = {
        "domainRules": [
            {
                "name": "order_total_minimum",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "message.payload.total >= decimal('1000')",
            }
        ]
    }
    registry = Versions(strict, ORDER_RULES)
    fixed = Validator(clock=lambda: NOW, contract_rules=RegisteredRules(registry, topic="raw"))
    as_written = Validator(clock=lambda: NOW, contract_rules=RegisteredRules(registry))
    other_topic = RegisteredRules(registry, topic="elsewhere")
    event = InputEvent(record(0), 7, order())
    assert isinstance(fixed.handle(event), Forward)  # v3's rules, not the writer id's
    refused = as_written.handle(event)
    assert isinstance(refused, Reject) and refused.error_type == "rule:order_total_minimum"
    rules = other_topic(7)  # no such subject there: the writer id's own rules
    assert rules is not None and list(rules.names) == ["order_total_minimum"]
