"""Fakes for the ingest API's ports: an in-memory sink and a JSON encoder."""

from __future__ import annotations

import threading
from collections import deque
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import orjson

from eventflow.config import ApiKeySettings, ApiSettings, Settings
from eventflow.kafka.producer import DeliveryGroup
from eventflow.producers.http.adapters import catalog_from_workspace
from eventflow.producers.http.app import create_app
from eventflow.producers.http.auth import hash_key
from eventflow.producers.http.catalog import EventCatalog
from eventflow.producers.http.components import ApiComponents
from eventflow.workspace import load_workspace

REPO = Path(__file__).resolve().parents[3]
SHOP_KEY = "shop-secret-key"
IDENTITY_KEY = "identity-secret-key"


def real_catalog(topic: str = "events.raw.v1") -> EventCatalog:
    return catalog_from_workspace(load_workspace(REPO / "schemas" / "avro"), topic)


class FakeMessage:
    """What a delivery callback gets from confluent-kafka: topic, partition, offset."""

    def __init__(self, topic: str, partition: int | None, offset: int | None) -> None:
        self._where = (topic, partition, offset)

    def topic(self) -> str:
        return self._where[0]

    def partition(self) -> int | None:
        return self._where[1]

    def offset(self) -> int | None:
        return self._where[2]


class FakeKafkaError:
    """A retriable local error, as librdkafka reports a message that timed out."""

    def retriable(self) -> bool:
        return True

    def code(self) -> int:
        return -192

    def str(self) -> str:
        return "Local: Message timed out"


class FakeSink:
    """Like the real producer: ``send_in`` queues, ``poll`` (the API's delivery thread)
    acknowledges with increasing offsets; while ``down`` the deliveries fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = []
        self.down = False
        self.answers = True
        self.polls = 0
        self._queued: deque[tuple[DeliveryGroup, int, FakeMessage, bool]] = deque()
        self._wakeup = threading.Event()

    def send_in(self, group, topic, value, *, key=None, headers=None) -> int:
        index: int = group._add()
        if self.down:
            message = FakeMessage(topic, None, None)
        else:
            self.sent.append((topic, key, value, list(headers or [])))
            message = FakeMessage(topic, len(self.sent) % 3, len(self.sent) - 1)
        self._queued.append((group, index, message, not self.down))
        self._wakeup.set()
        return index

    def poll(self, timeout_s: float = 0.0) -> int:
        self.polls += 1
        if not self._queued:
            self._wakeup.wait(timeout_s)
            self._wakeup.clear()
        served = 0
        while self._queued:
            group, index, message, ok = self._queued.popleft()
            error = None if ok else FakeKafkaError()
            group._resolve(index, cast(Any, error), cast(Any, message))
            served += 1
        return served

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


FAST_PATH = True  # test_http_routes runs every test with and without the ASGI fast path


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
    return create_app(settings, components=components, fast_path=FAST_PATH, **extra), sink


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
