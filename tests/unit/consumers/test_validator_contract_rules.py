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
from eventflow.registry._errors import RegistryUnreachable
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


def validate(value: dict[str, Any], registry: Registry) -> Any:
    rules = RegisteredRules(registry)
    validator = Validator({}, clock=lambda: NOW, contract_rules=rules)
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
    validator = Validator({}, clock=lambda: NOW, contract_rules=RegisteredRules(registry))
    envelope = {"envelope": {"event_type": "user.x", "event_id": "e"}}
    kept = validator.handle(InputEvent(record(0), 5, {**good, **envelope}))
    refused = validator.handle(InputEvent(record(0), 5, {**blank_zip, **envelope}))
    assert isinstance(kept, Forward)
    assert isinstance(refused, Reject) and refused.error_type == "rule:no_blank_strings"
