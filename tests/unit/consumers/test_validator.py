from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from eventflow.consumers._outcome import Forward, InputEvent, Reject
from eventflow.consumers._validator import Validator, load_rulesets
from eventflow.consumers.validation._rules import RulesFileError, parse_rules
from tests.unit.consumers.fakes import record

RULES_DIR = Path(__file__).resolve().parents[3] / "rules"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def order(**changes):
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


def validate(value):
    validator = Validator(load_rulesets(RULES_DIR), clock=lambda: NOW)
    return validator.handle(InputEvent(record(0), 7, value))


def test_valid_order_forwards_with_validation_filled():
    outcome = validate(order())
    assert isinstance(outcome, Forward)
    v = outcome.value["validation"]
    assert v["valid"] is True and v["findings"] == []
    assert v["ruleset"].startswith("order.placed.yaml@") and v["validated_at"] == NOW
    assert v["validator"].startswith("validator-service/")
    assert outcome.value["payload"] == order()["payload"]


@pytest.mark.parametrize(
    ("changes", "rule", "text"),
    [
        ({"line_items": []}, "order_has_line_items", "at least 1 items"),
        ({"total": Decimal("0.00")}, "order_total_positive", "payload.total must be at least 0.01"),
        ({"currency": "UNKNOWN"}, "order_currency_known", "must not be 'UNKNOWN'"),
        ({"total": Decimal("99.00")}, "order_total_matches_lines", "add up to 12.50"),
    ],
)
def test_invalid_orders_are_rejected_naming_the_rule(changes, rule, text):
    outcome = validate(order(**changes))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == f"rule:{rule}"
    assert text in outcome.message


def test_array_paths_name_the_offending_item():
    items = [
        {"sku": "A", "quantity": 1, "unit_price": Decimal("1")},
        {"sku": "B", "quantity": 0, "unit_price": Decimal("1")},
    ]
    outcome = validate(order(line_items=items, total=Decimal("1.00")))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == "rule:order_quantity_positive"
    assert "payload.line_items[1].quantity" in outcome.message


def test_several_failures_are_all_named():
    outcome = validate(order(currency="UNKNOWN", total=Decimal("0")))
    assert isinstance(outcome, Reject)
    assert outcome.error_type == "rule:order_total_positive"
    assert "order_currency_known" in outcome.message


def test_warning_keeps_the_event_and_is_listed():
    value = {
        "envelope": {"event_id": "e", "event_type": "user.registered"},
        "payload": {
            "user_id": "u",
            "email": "a@b.io",
            "display_name": "Ada",
            "locale": "english",
            "marketing_opt_in": False,
            "bio": None,
        },
        "validation": None,
        "enrichment": None,
    }
    outcome = validate(value)
    assert isinstance(outcome, Forward)
    [finding] = outcome.value["validation"]["findings"]
    assert finding == {
        "rule": "user_locale_format",
        "field_path": "payload.locale",
        "severity": "WARNING",
        "message": "payload.locale does not match '^[a-z]{2}(-[A-Z]{2})?$'",
    }


def test_null_optional_field_passes_but_required_does_not():
    rs = parse_rules(
        "event_type: t\nrules:\n  - {id: a, field: payload.x, max_length: 3}\n"
        "  - {id: b, field: payload.y, required: true}\n",
        source="t.yaml",
    )
    findings = rs.evaluate({"payload": {"x": None, "y": ""}})
    assert [f.rule for f in findings] == ["b"]


def test_event_type_without_rules_passes_with_ruleset_none():
    value = {"envelope": {"event_id": "e", "event_type": "something.new"}, "payload": {}}
    outcome = validate(value)
    assert isinstance(outcome, Forward) and outcome.value["validation"]["ruleset"] == "none"


def test_future_timestamp_is_rejected():
    value = order()
    value["envelope"]["occurred_at"] = datetime(2026, 11, 28, tzinfo=UTC)
    outcome = validate(value)
    assert isinstance(outcome, Reject) and outcome.error_type == "rule:order_not_in_future"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("event_type: t\nrules: [\n", "t.yaml:3: not valid YAML"),
        ("- a\n", "t.yaml:1: a rules file is a mapping"),
        ("event_type: t\nrulez: []\n", "t.yaml:2: unknown key `rulez`"),
        ("rules: []\n", "`event_type` is missing"),
        ("event_type: t\nrules: 5\n", "t.yaml:2: `rules` must be a list"),
        (
            "event_type: t\nrules:\n  - {field: payload.x, min: 1}\n",
            "t.yaml:3: rules[0]: `id` is missing",
        ),
        ("event_type: t\nrules:\n  - {id: a, field: payload.x}\n", "needs exactly one check"),
        ("event_type: t\nrules:\n  - {id: a, field: payload.x, min: 1, max: 2}\n", "has min, max"),
        ("event_type: t\nrules:\n  - {id: a, field: payload.x, mni: 1}\n", "unknown key `mni`"),
        (
            "event_type: t\nrules:\n  - {id: a, field: 'pay load', min: 1}\n",
            "`field` must be a dotted path",
        ),
        ("event_type: t\nrules:\n  - {id: a, field: p.x, min: lots}\n", "`min` must be a number"),
        ("event_type: t\nrules:\n  - {id: a, field: p.x, pattern: '('}\n", "not a valid regex"),
        ("event_type: t\nrules:\n  - {id: a, field: p.x, one_of: []}\n", "non-empty list"),
        (
            "event_type: t\nrules:\n  - {id: a, field: p.x, min: 1, severity: FATAL}\n",
            "ERROR or WARNING",
        ),
        (
            "event_type: t\nrules:\n  - {id: a, field: p.x, min: 1}\n  - {id: a, field: p.y, min: 1}\n",
            "t.yaml:4: rule id 'a' is used twice",
        ),
        ("event_type: t\nrules:\n  - {id: a, code: nope}\n", "'package.module:function'"),
        (
            "event_type: t\nrules:\n  - {id: a, code: 'no_such_mod_x:f'}\n",
            "cannot import 'no_such_mod_x'",
        ),
        (
            "event_type: t\nrules:\n  - {id: a, code: 'json:nothing'}\n",
            "json has no function 'nothing'",
        ),
    ],
)
def test_bad_rules_files_fail_with_file_and_line(text, error):
    with pytest.raises(RulesFileError) as info:
        parse_rules(text, source="t.yaml")
    assert error in str(info.value)


def test_rules_folder_checks(tmp_path):
    with pytest.raises(RulesFileError, match="the rules folder does not exist"):
        load_rulesets(tmp_path / "missing")
    (tmp_path / "a.b.yaml").write_text("event_type: c.d\nrules: []\n")
    with pytest.raises(RulesFileError, match=r"a\.b\.yaml:1: declares event_type 'c\.d'"):
        load_rulesets(tmp_path)


def test_shipped_rules_files_all_parse():
    assert sorted(load_rulesets(RULES_DIR)) == ["order.placed", "payment.failed", "user.registered"]
