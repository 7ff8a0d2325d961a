"""The repo's registered CEL rules, compiled, break exactly where Confluent's executor does.

Every rule of schemas/avro/events/*.rules.yaml compiles (none falls back), and on good and
bad events ``DomainRules.broken`` gives the same list (names, messages, onFailure) as the same
rules run through Confluent's executor (``compile_rules=False``, the previous code path).
"""

from __future__ import annotations

import copy
import datetime
import enum
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from eventflow.kafka import DomainRules
from tests.unit.serde.samples import order_placed, payment_failed, user_registered

EVENTS = Path(__file__).resolve().parents[3] / "schemas" / "avro" / "events"
FUTURE = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)


def plain(value: Any) -> Any:
    """The value as fastavro decodes it: enums as their symbol."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value.value if isinstance(value, enum.Enum) else value


def changed(event: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    out = copy.deepcopy(event)
    *parents, last = path.split(".")
    target: Any = out
    for name in parents:
        target = target[int(name)] if isinstance(target, list) else target[name]
    target[last] = new
    return out


ORDER = plain(order_placed().to_avro_dict())
USER = plain(user_registered().to_avro_dict())
PAYMENT = plain(payment_failed().to_avro_dict())
CASES: list[tuple[str, dict[str, Any], list[str] | None]] = [
    ("OrderPlaced", ORDER, []),
    ("OrderPlaced", changed(ORDER, "payload.line_items", []), ["order_has_line_items"]),
    (
        "OrderPlaced",
        changed(ORDER, "payload.line_items.0.quantity", 0),
        ["order_quantity_positive"],
    ),
    (
        "OrderPlaced",
        changed(ORDER, "payload.line_items.1.unit_price", Decimal("-0.01")),
        ["order_unit_price_not_negative"],
    ),
    ("OrderPlaced", changed(ORDER, "payload.total", Decimal("0.00")), ["order_total_positive"]),
    ("OrderPlaced", changed(ORDER, "payload.currency", "UNKNOWN"), ["order_currency_known"]),
    (
        "OrderPlaced",
        changed(ORDER, "payload.shipping_address.country", "de"),
        ["order_country_code"],
    ),
    ("OrderPlaced", changed(ORDER, "envelope.occurred_at", FUTURE), ["order_not_in_future"]),
    ("OrderPlaced", changed(ORDER, "envelope.occurred_at", 1_772_362_800_000), []),  # int millis
    ("OrderPlaced", changed(ORDER, "payload", {}), None),  # every payload rule errs: broken
    ("PaymentFailed", PAYMENT, []),
    (
        "PaymentFailed",
        changed(PAYMENT, "payload.amount", Decimal("0")),
        ["payment_amount_positive"],
    ),
    ("PaymentFailed", changed(PAYMENT, "payload.payment_id", "o-1001"), ["payment_ids_differ"]),
    ("PaymentFailed", changed(PAYMENT, "payload.reason", "UNKNOWN"), ["payment_reason_known"]),
    ("UserRegistered", USER, []),
    ("UserRegistered", changed(USER, "payload.email", "ada@example"), ["user_email_format"]),
    ("UserRegistered", changed(USER, "payload.display_name", ""), ["user_display_name_present"]),
    (
        "UserRegistered",
        changed(USER, "payload.display_name", "x" * 81),
        ["user_display_name_length"],
    ),
    ("UserRegistered", changed(USER, "payload.locale", "de_DE"), ["user_locale_format"]),
    ("UserRegistered", changed(USER, "payload.bio", None), []),
    ("UserRegistered", changed(USER, "payload.bio", "b" * 2001), ["user_bio_length"]),
]


def rules(name: str, *, compile_rules: bool = True) -> DomainRules:
    rule_set = yaml.safe_load((EVENTS / f"{name}.rules.yaml").read_text())
    schema = (EVENTS / f"{name}.avsc").read_text()
    return DomainRules(rule_set, schema, f"{name}-value", compile_rules=compile_rules)


@pytest.mark.parametrize("name", ["OrderPlaced", "PaymentFailed", "UserRegistered"])
def test_every_registered_rule_is_compiled(name: str) -> None:
    domain = rules(name)
    assert len(domain.names) >= 3
    assert domain.fallback_names == []
    assert rules(name, compile_rules=False).fallback_names == domain.names


@pytest.mark.parametrize(("name", "event", "expected"), CASES)
def test_compiled_rules_break_where_the_executor_does(
    name: str, event: dict[str, Any], expected: list[str] | None
) -> None:
    got = rules(name).broken(event)
    assert got == rules(name, compile_rules=False).broken(event)
    want = rules(name).names[:6] if expected is None else expected
    assert [b.name for b in got] == want
    if expected is None:  # the executor's own wording of the error
        assert all("could not be evaluated" in b.message for b in got)


def test_a_rule_outside_the_subset_falls_back_visibly(caplog: pytest.LogCaptureFixture) -> None:
    rule_set = {
        "domainRules": [
            {"name": "fast", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": "true"},
            {
                "name": "slow",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "message.xs.reduce(r, x, 0, r + x) > 2",
                "onFailure": "DLQ",
            },
        ]
    }
    with caplog.at_level(logging.INFO, logger="eventflow.kafka.cel_rules"):
        domain = DomainRules(rule_set, '{"type":"record","name":"R","fields":[]}', "s")
    assert domain.fallback_names == ["slow"]
    assert any("slow" in r.getMessage() and "executor" in r.getMessage() for r in caplog.records)
    assert domain.broken({"xs": [1, 2]}) == []  # still evaluated, by Confluent's executor
    [broken] = domain.broken({"xs": [1]})
    assert (broken.name, broken.on_failure) == ("slow", "DLQ")
