"""One realistic instance of every starter event type (shared by serde tests)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from eventflow.events import (
    Currency,
    EnricherOutput,
    Enrichment,
    Envelope,
    FindingSeverity,
    OrderLineItem,
    OrderPlaced,
    OrderPlacedPayload,
    PaymentFailed,
    PaymentFailedPayload,
    PaymentFailureReason,
    ShippingAddress,
    UserRegistered,
    UserRegisteredPayload,
    ValidationFinding,
    ValidationResult,
)
from eventflow.serde import AvroRecord

AT = dt.datetime(2026, 11, 27, 10, 30, 15, 250000, tzinfo=dt.UTC)


def envelope(event_type: str) -> Envelope:
    event_id = uuid.uuid4()
    return Envelope(
        event_id=event_id,
        event_type=event_type,
        source="shop-frontend",
        occurred_at=AT,
        received_at=AT + dt.timedelta(milliseconds=42),
        correlation_id=str(event_id),
    )


def order_placed() -> OrderPlaced:
    return OrderPlaced(
        envelope=envelope("order.placed"),
        payload=OrderPlacedPayload(
            order_id="o-1001",
            customer_id="c-7",
            line_items=[
                OrderLineItem(sku="SKU-1", quantity=2, unit_price=Decimal("19.99")),
                OrderLineItem(sku="SKU-2", quantity=1, unit_price=Decimal("5.00")),
            ],
            total=Decimal("44.98"),
            currency=Currency.EUR,
            shipping_address=ShippingAddress(
                recipient="Ada Lovelace",
                street="Hauptstraße 1",
                city="Berlin",
                postal_code="10115",
                country="DE",
            ),
        ),
        validation=ValidationResult(
            valid=True,
            validator="validator",
            ruleset="v3",
            validated_at=AT,
            findings=[
                ValidationFinding(
                    rule="total-matches-lines",
                    field_path="payload.total",
                    severity=FindingSeverity.WARNING,
                    message="rounded",
                )
            ],
        ),
        enrichment=Enrichment(
            enriched_at=AT,
            outputs=[
                EnricherOutput(
                    enricher="geo",
                    version="1.0",
                    target_field="payload.shipping_address.city",
                    attributes={"region": "BE"},
                    scores={"confidence": 0.97},
                )
            ],
        ),
    )


def user_registered() -> UserRegistered:
    return UserRegistered(
        envelope=envelope("user.registered"),
        payload=UserRegisteredPayload(
            user_id="u-1",
            email="ada@example.org",
            display_name="Ada",
            locale="de-DE",
            marketing_opt_in=True,
            bio="Mathematikerin",
        ),
    )


def payment_failed() -> PaymentFailed:
    return PaymentFailed(
        envelope=envelope("payment.failed"),
        payload=PaymentFailedPayload(
            payment_id="p-9",
            order_id="o-1001",
            amount=Decimal("44.98"),
            currency=Currency.CHF,
            reason=PaymentFailureReason.CARD_DECLINED,
            message="declined by issuer",
        ),
    )


SAMPLES: dict[str, AvroRecord] = {
    "order.placed": order_placed(),
    "user.registered": user_registered(),
    "payment.failed": payment_failed(),
}
