"""The validator with the declared rules of every event type (ADR 0010): the CEL domain rules
of each ``schemas/avro/events/*.rules.yaml`` (as registered with the schema) and their code
rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from eventflow.consumers._outcome import Forward, InputEvent, Reject
from eventflow.consumers._validator import CodeRuleError, Validator, load_code_rules
from eventflow.contracts import CodeRule, DataContract
from eventflow.kafka._cel_rules import DomainRules
from eventflow.workspace import load_workspace
from tests.unit.consumers.fakes import record

REPO = Path(__file__).resolve().parents[3]
CONTRACTS = load_workspace(REPO / "schemas" / "avro").contracts
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
IDS = {"order.placed": 1, "user.registered": 2, "payment.failed": 3}
SCHEMA = '{"type":"record","name":"E","fields":[]}'


@cache
def declared_rules(schema_id: int) -> DomainRules | None:
    """The registered rules of each event type's schema id: its rules file's rule set."""
    event_type = {v: k for k, v in IDS.items()}.get(schema_id)
    if event_type is None:
        return None
    return DomainRules(CONTRACTS[event_type].rule_set, SCHEMA, f"schema id {schema_id}")


def declared_validator() -> Validator:
    return Validator(
        contract_rules=declared_rules, code_rules=load_code_rules(CONTRACTS), clock=lambda: NOW
    )


def order(**changes: Any) -> dict[str, Any]:
    payload = {
        "order_id": "o-1",
        "customer_id": "c-1",
        "line_items": [
            {"sku": "A", "quantity": 2, "unit_price": Decimal("5.00")},
            {"sku": "B", "quantity": 1, "unit_price": Decimal("2.50")},
        ],
        "total": Decimal("12.50"),
        "currency": "EUR",
        "shipping_address": {
            "recipient": "R",
            "street": "S 1",
            "city": "C",
            "postal_code": "1",
            "country": "DE",
        },
    }
    payload.update(changes)
    return {
        "envelope": {"event_id": "e-1", "event_type": "order.placed", "occurred_at": NOW},
        "payload": payload,
        "validation": None,
        "enrichment": None,
    }


def user(**changes: Any) -> dict[str, Any]:
    payload = {
        "user_id": "u",
        "email": "a@b.io",
        "display_name": "Ada",
        "locale": "en-GB",
        "marketing_opt_in": False,
        "bio": None,
    }
    payload.update(changes)
    return {
        "envelope": {"event_id": "e", "event_type": "user.registered", "occurred_at": NOW},
        "payload": payload,
        "validation": None,
        "enrichment": None,
    }


def validate(value: dict[str, Any]) -> Any:
    schema_id = IDS.get(value["envelope"]["event_type"], 99)
    return declared_validator().handle(InputEvent(record(0), schema_id, value))


def test_valid_order_forwards_with_validation_filled() -> None:
    outcome = validate(order())
    assert isinstance(outcome, Forward)
    v = outcome.value["validation"]
    assert v["valid"] is True and v["findings"] == []
    assert v["ruleset"] == "schema 1 rules + order.placed code rules" and v["validated_at"] == NOW
    assert v["validator"].startswith("validator-service/")
    assert outcome.value["payload"] == order()["payload"]


@pytest.mark.parametrize(
    ("changes", "rule", "text"),
    [
        ({"line_items": [], "total": Decimal("0.00")}, "order_has_line_items", "at least one"),
        (
            {"line_items": [{"sku": "A", "quantity": 0, "unit_price": Decimal("1")}]},
            "order_quantity_positive",
            "quantity of at least 1",
        ),
        (
            {"line_items": [{"sku": "A", "quantity": 1, "unit_price": Decimal("-1")}]},
            "order_unit_price_not_negative",
            "negative unit price",
        ),
        ({"currency": "UNKNOWN"}, "order_currency_known", "not UNKNOWN"),
        ({"total": Decimal("99.00")}, "order_total_matches_lines", "add up to 12.50"),
    ],
)
def test_invalid_orders_are_rejected_naming_the_rule(
    changes: dict[str, Any], rule: str, text: str
) -> None:
    outcome = validate(order(**changes))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == f"rule:{rule}"
    assert text in outcome.message


def test_several_failures_are_all_named_cel_rules_before_code_rules() -> None:
    outcome = validate(order(currency="UNKNOWN", total=Decimal("0")))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == "rule:order_total_positive"
    assert "(+2 more: order_currency_known, order_total_matches_lines)" in outcome.message


def test_a_none_rule_keeps_the_event_and_is_listed_as_a_warning() -> None:
    outcome = validate(user(locale="english"))
    assert isinstance(outcome, Forward)
    [finding] = outcome.value["validation"]["findings"]
    assert finding == {
        "rule": "user_locale_format",
        "field_path": "",
        "severity": "WARNING",
        "message": "the locale looks like en or en-GB (reported, not refused)",
    }


@pytest.mark.parametrize("as_millis", [False, True])
@pytest.mark.parametrize(("ahead_s", "refused"), [(-3600, False), (240, False), (600, True)])
def test_order_not_in_future_allows_300_s_of_skew_for_timestamps_and_epoch_millis(
    as_millis: bool, ahead_s: int, refused: bool
) -> None:
    """A timestamp-millis field reaches CEL as a timestamp when decoded (a datetime) and as an
    int when a producer hands Confluent's serializer epoch milliseconds: the rule takes both.
    ``now`` is the real clock (Confluent's executor binds it), so the times are relative."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=ahead_s)
    value = order()
    value["envelope"]["occurred_at"] = int(when.timestamp() * 1000) if as_millis else when
    outcome = validate(value)
    if refused:
        assert isinstance(outcome, Reject) and outcome.error_type == "rule:order_not_in_future"
    else:
        assert isinstance(outcome, Forward), outcome


def test_event_type_without_rules_passes_with_ruleset_none() -> None:
    value = {"envelope": {"event_id": "e", "event_type": "something.new"}, "payload": {}}
    outcome = validate(value)
    assert isinstance(outcome, Forward) and outcome.value["validation"]["ruleset"] == "none"


def test_every_declared_code_rule_imports() -> None:
    loaded = load_code_rules(CONTRACTS)
    assert {t: [r.rule.name for r in rules] for t, rules in loaded.items()} == {
        "order.placed": ["order_total_matches_lines"]
    }


def _contract(function: str) -> dict[str, DataContract]:
    rule = CodeRule("r", function, {}, "ERROR", None, "events/X.rules.yaml:7")
    return {"x.y": DataContract({}, None, (rule,))}


@pytest.mark.parametrize(
    ("function", "error"),
    [
        ("no_such_module_x:f", "events/X.rules.yaml:7: code rule 'r': cannot import"),
        ("json:nothing", "events/X.rules.yaml:7: code rule 'r': json has no function 'nothing'"),
    ],
)
def test_a_code_rule_naming_a_missing_function_is_an_error_with_file_and_line(
    function: str, error: str
) -> None:
    with pytest.raises(CodeRuleError) as info:
        load_code_rules(_contract(function))
    assert error in str(info.value)


def test_a_code_rule_that_raises_is_broken_not_a_crash() -> None:
    rule = CodeRule("sum", "eventflow.consumers.code_rules:sum_matches", {}, "ERROR")
    rules = load_code_rules({"order.placed": DataContract({}, None, (rule,))})
    validator = Validator(contract_rules=lambda _id: None, code_rules=rules, clock=lambda: NOW)
    outcome = validator.handle(InputEvent(record(0), 1, order()))
    assert isinstance(outcome, Reject) and outcome.error_type == "rule:sum"
    assert "rule sum could not be evaluated: KeyError('items')" in outcome.message
