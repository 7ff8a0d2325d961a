"""Fakes for the ingest API's ports: an in-memory sink and a JSON encoder."""

from __future__ import annotations

from concurrent.futures import Future
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from eventflow.config import ApiKeySettings, ApiSettings, Settings
from eventflow.kafka.producer import DeliveryFailed, DeliveryReport
from eventflow.producers.http.adapters import catalog_from_workspace
from eventflow.producers.http.app import ApiComponents, create_app
from eventflow.producers.http.auth import hash_key
from eventflow.producers.http.catalog import EventCatalog
from eventflow.workspace import load_workspace

REPO = Path(__file__).resolve().parents[3]
SHOP_KEY = "shop-secret-key"
IDENTITY_KEY = "identity-secret-key"


def real_catalog(topic: str = "events.raw.v1") -> EventCatalog:
    return catalog_from_workspace(load_workspace(REPO / "schemas" / "avro"), topic)


class FakeSink:
    """Acknowledges every send with increasing offsets; while ``down`` deliveries fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = []
        self.down = False
        self.answers = True

    def send(self, topic, value, *, key=None, headers=None, partition=None):
        future: Future[DeliveryReport] = Future()
        if self.down:
            future.set_exception(
                DeliveryFailed(f"write to {topic} failed: Local: Message timed out", retriable=True)
            )
            return future
        self.sent.append((topic, key, value, list(headers or [])))
        future.set_result(DeliveryReport(topic, len(self.sent) % 3, len(self.sent) - 1))
        return future

    def healthy(self, timeout_s: float = 2.0) -> bool:
        return self.answers


class JsonEncoder:
    """Encodes the record as JSON (decimals as text) instead of Avro: enough for unit tests."""

    def encode(self, spec, record) -> bytes:
        return orjson.dumps({"subject": spec.subject, "record": record}, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | bytes):
        return str(value)
    raise TypeError(type(value))


def keys() -> list[ApiKeySettings]:
    return [
        ApiKeySettings(
            name="shop", sha256=hash_key(SHOP_KEY), event_types=["order.placed", "payment.failed"]
        ),
        ApiKeySettings(name="identity", sha256=hash_key(IDENTITY_KEY), event_types=["*"]),
    ]


def make_app(sink: FakeSink | None = None, *, clock=None, **api_overrides):
    sink = sink or FakeSink()
    settings = Settings(api=ApiSettings(keys=keys(), **api_overrides))
    components = ApiComponents(
        catalog=real_catalog(),
        encoder=JsonEncoder(),
        sink=sink,
        probes=[("kafka", sink.healthy), ("registry", lambda: True)],
    )
    extra = {"monotonic": clock} if clock is not None else {}
    return create_app(settings, components=components, **extra), sink


def order(order_id: str = "o-1", **overrides: Any) -> dict[str, Any]:
    data = {
        "order_id": order_id,
        "customer_id": "c-9",
        "line_items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "9.99"}],
        "total": "19.98",
        "currency": "EUR",
        "shipping_address": {
            "recipient": "Ada",
            "street": "Main 1",
            "city": "Bern",
            "postal_code": "3000",
            "country": "CH",
        },
    }
    data.update(overrides)
    return {"event_type": "order.placed", "data": data}
