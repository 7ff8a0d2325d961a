"""Fakes for the ingest API's ports: an in-memory sink and a JSON encoder."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from eventflow.config import ApiKeySettings, ApiSettings, Settings
from eventflow.kafka.testing import FakeProducer
from eventflow.producers.http._adapters import catalog_from_workspace
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.producers.http._catalog import EventCatalog
from eventflow.producers.http._components import ApiComponents
from eventflow.workspace import load_workspace

REPO = Path(__file__).resolve().parents[3]
SHOP_KEY = "shop-secret-key"
IDENTITY_KEY = "identity-secret-key"


def real_catalog(topic: str = "events.raw.v1") -> EventCatalog:
    return catalog_from_workspace(load_workspace(REPO / "schemas" / "avro"), topic)


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


def make_app(sink: FakeProducer | None = None, *, clock=None, **api_overrides):
    sink = sink or FakeProducer(partitions=3)
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
