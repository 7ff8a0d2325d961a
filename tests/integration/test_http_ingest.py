"""The ingest API against the real Kafka broker and the real schema registry.

Events posted over HTTP are read back from ``events.raw.v1`` and decoded with
confluent-kafka's own ``AvroDeserializer`` (the reference peer), which resolves the writer
schema and its references from the registry.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from fastapi.testclient import TestClient

from eventflow.config import ApiKeySettings, ApiSettings, Settings
from eventflow.kafka._client_config import KafkaCluster
from eventflow.producers.http._adapters import build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.registry._client import RegistryClient
from eventflow.registry._sync import sync_workspace
from eventflow.workspace import load_workspace

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas" / "avro"
TOPIC = "events.raw.v1"
SHOP_KEY = "it-shop-key"
ADMIN_KEY = "it-admin-key"


def register_contracts(registry_url: str) -> None:
    """`eventflow schema register`: every manifest subject, shared types first, by reference."""
    with RegistryClient(registry_url) as client:
        results = sync_workspace(load_workspace(SCHEMAS), client, dry_run=False)
    refused = [r.subject for r in results if r.action in {"incompatible", "blocked"}]
    assert not refused, f"registration refused for {refused}"


@pytest.fixture(scope="session")
def registered_registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


def api_settings(**overrides: Any) -> Settings:
    keys = [
        ApiKeySettings(name="it-shop", sha256=hash_key(SHOP_KEY), event_types=["order.placed"]),
        ApiKeySettings(name="it-admin", sha256=hash_key(ADMIN_KEY), event_types=["*"]),
    ]
    return Settings(api=ApiSettings(keys=keys, **overrides))


def real_app(bootstrap: str, registry_url: str, **overrides: Any):
    settings = api_settings(**overrides)
    components = build_components(
        settings, cluster=KafkaCluster(bootstrap), registry_url=registry_url, schemas_dir=SCHEMAS
    )
    return create_app(settings, components=components)


@pytest.fixture(scope="module")
def client(kafka_bootstrap: str, registered_registry: str) -> Iterator[TestClient]:
    with TestClient(real_app(kafka_bootstrap, registered_registry)) as test_client:
        yield test_client


def order_body(order_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_type": "order.placed",
        "data": {
            "order_id": order_id,
            "customer_id": "c-1",
            "line_items": [{"sku": "SKU-9", "quantity": 3, "unit_price": "4.10"}],
            "total": "12.30",
            "currency": "CHF",
            "shipping_address": {
                "recipient": "Grace",
                "street": "Lake 2",
                "city": "Zug",
                "postal_code": "6300",
                "country": "CH",
            },
        },
        **extra,
    }


def read_back(bootstrap: str, registry_url: str, positions: list[dict[str, Any]]) -> dict[str, Any]:
    """Fetch each acknowledged (partition, offset) and decode it with confluent's deserializer."""
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"it-http-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    wanted = {(p["partition"], p["offset"]): p["event_id"] for p in positions}
    starts: dict[int, int] = {}
    for part, off in wanted:
        starts[part] = min(off, starts.get(part, off))
    consumer.assign([TopicPartition(TOPIC, part, off) for part, off in starts.items()])
    found: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    try:
        while len(found) < len(wanted) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            if (msg.partition(), msg.offset()) not in wanted:
                continue
            value = deserializer(msg.value(), SerializationContext(TOPIC, MessageField.VALUE))
            found[wanted[(msg.partition(), msg.offset())]] = {
                "key": msg.key(),
                "value": value,
                "headers": dict(msg.headers() or []),
            }
    finally:
        consumer.close()
    return found


def test_posted_events_are_in_kafka_and_decode_with_confluents_deserializer(
    client, kafka_bootstrap, registered_registry
):
    run = uuid.uuid4().hex[:8]
    shop = {"X-API-Key": SHOP_KEY}
    single = client.post(
        "/v1/events",
        json=order_body(f"{run}-1", correlation_id="flow-1", occurred_at="2026-02-03T04:05:06Z"),
        headers=shop,
    )
    assert single.status_code == 202, single.text
    user = {
        "event_type": "user.registered",
        "data": {
            "user_id": f"{run}-u",
            "email": "u@example.org",
            "display_name": "U",
            "locale": "de-CH",
            "bio": "Hallo zusammen",
        },
    }
    batch = client.post(
        "/v1/events:batch",
        headers={"X-API-Key": ADMIN_KEY},
        json={"events": [order_body(f"{run}-2"), user]},
    )
    assert batch.status_code == 202, batch.text
    positions = [single.json(), *batch.json()["results"]]
    records = read_back(kafka_bootstrap, registered_registry, positions)
    assert set(records) == {p["event_id"] for p in positions}

    first = records[single.json()["event_id"]]
    assert first["key"] == f"{run}-1".encode()
    envelope = first["value"]["envelope"]
    assert str(envelope["event_id"]) == single.json()["event_id"]
    assert envelope["event_type"] == "order.placed"
    assert envelope["source"] == "it-shop"
    assert envelope["correlation_id"] == "flow-1"
    assert envelope["occurred_at"].isoformat() == "2026-02-03T04:05:06+00:00"
    assert envelope["received_at"] >= envelope["occurred_at"]
    payload = first["value"]["payload"]
    assert payload["total"] == Decimal("12.30") and payload["currency"] == "CHF"
    assert payload["line_items"] == [{"sku": "SKU-9", "quantity": 3, "unit_price": Decimal("4.10")}]
    assert first["value"]["validation"] is None and first["value"]["enrichment"] is None
    assert first["headers"]["event_type"] == b"order.placed"

    registered = records[batch.json()["results"][1]["event_id"]]
    assert registered["key"] == f"{run}-u".encode()
    assert registered["value"]["payload"]["bio"] == "Hallo zusammen"
    assert registered["value"]["payload"]["marketing_opt_in"] is False  # schema default
    assert registered["value"]["envelope"]["source"] == "it-admin"


def test_idempotent_retry_writes_the_event_once(client, kafka_bootstrap, registered_registry):
    event_id = str(uuid.uuid4())
    body = order_body(f"idem-{event_id[:8]}", event_id=event_id)
    shop = {"X-API-Key": SHOP_KEY}
    answers = [client.post("/v1/events", json=body, headers=shop) for _ in range(3)]
    assert {a.status_code for a in answers} == {202}
    assert len({(a.json()["partition"], a.json()["offset"]) for a in answers}) == 1
    # nothing else was written for that key after the first offset
    first = answers[0].json()
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"it-{event_id}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(TOPIC, first["partition"], first["offset"])])
    seen_ids: list[Any] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            if seen_ids:
                break
            continue
        if not msg.error():
            seen_ids.append(dict(msg.headers() or [])["event_id"])
    consumer.close()
    assert seen_ids.count(event_id.encode()) == 1


def test_error_paths_against_the_real_stack(client):
    shop = {"X-API-Key": SHOP_KEY}
    assert client.post("/v1/events", json=order_body("x")).status_code == 401
    assert (
        client.post("/v1/events", json=order_body("x"), headers={"X-API-Key": "no"}).status_code
        == 401
    )
    user = {"event_type": "user.registered", "data": {}}
    assert client.post("/v1/events", json=user, headers=shop).status_code == 403
    bad = order_body("x")
    bad["data"]["line_items"][0]["quantity"] = "three"
    response = client.post("/v1/events", json=bad, headers=shop)
    assert response.status_code == 422
    assert [f["path"] for f in response.json()["fields"]] == ["data.line_items[0].quantity"]
    mixed = client.post(
        "/v1/events:batch", headers=shop, json={"events": [order_body("ok-1"), bad, user]}
    )
    assert mixed.status_code == 207
    assert [r["status"] for r in mixed.json()["results"]] == [202, 422, 403]


def test_readiness_sees_kafka_and_registry(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"kafka": "ok", "registry": "ok", "contracts": "ok"}


def test_unregistered_subject_is_a_permanent_500_not_a_false_acceptance(
    kafka_bootstrap, registry_url, registered_registry, tmp_path
):
    # A contracts folder with an event type whose subjects were never registered.
    workspace_dir = tmp_path / "avro"
    for source in SCHEMAS.rglob("*"):
        target = workspace_dir / source.relative_to(SCHEMAS)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            text = source.read_text()
            if source.name.startswith("OrderPlaced.") or source.name == "manifest.yaml":
                text = text.replace("OrderPlaced", "OrderPlacedUnregistered")
            if source.name.startswith("OrderPlaced."):  # the schema and its rules file
                target = target.with_name(
                    source.name.replace("OrderPlaced", "OrderPlacedUnregistered")
                )
            target.write_text(text)
    settings = api_settings()
    components = build_components(
        settings,
        cluster=KafkaCluster(kafka_bootstrap),
        registry_url=registry_url,
        schemas_dir=workspace_dir,
    )
    with TestClient(create_app(settings, components=components)) as test_client:
        response = test_client.post(
            "/v1/events", json=order_body("u-1"), headers={"X-API-Key": SHOP_KEY}
        )
        ready = test_client.get("/readyz")
    assert response.status_code == 500, response.text
    assert response.json()["error"] == "api.contract_not_registered"
    assert "eventflow schema register" in response.json()["message"]
    assert "Retry-After" not in response.headers  # permanent until an operator registers it
    assert ready.status_code == 503 and ready.json()["checks"]["contracts"] == "unreachable"


def test_limits_and_conflicts_against_the_real_stack(kafka_bootstrap, registered_registry):
    app = real_app(
        kafka_bootstrap,
        registered_registry,
        max_body_bytes=4096,
        max_batch=2,
        rate_per_second=0.5,
        rate_burst=4,
    )
    shop = {"X-API-Key": SHOP_KEY}
    with TestClient(app) as test_client:
        too_big = order_body("big")
        too_big["data"]["customer_id"] = "x" * 5000
        assert test_client.post("/v1/events", json=too_big, headers=shop).status_code == 413
        batch = {"events": [order_body("b1"), order_body("b2"), order_body("b3")]}
        assert test_client.post("/v1/events:batch", json=batch, headers=shop).status_code == 413
        key = {**shop, "Idempotency-Key": f"conflict-{uuid.uuid4().hex}"}
        assert test_client.post("/v1/events", json=order_body("c1"), headers=key).status_code == 202
        assert test_client.post("/v1/events", json=order_body("c2"), headers=key).status_code == 409
        codes = [
            test_client.post("/v1/events", json=order_body("r"), headers=shop).status_code
            for _ in range(3)
        ]
        assert codes[-1] == 429
        limited = test_client.post("/v1/events", json=order_body("r"), headers=shop)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        metrics = test_client.get("/metrics").text
    for reason in ("api.too_large", "api.idempotency_conflict", "api.rate_limited"):
        assert f'eventflow_http_events_rejected_total{{reason="{reason}"}}' in metrics


def test_readiness_reports_an_unreachable_registry(kafka_bootstrap, registered_registry):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings = api_settings()
    components = build_components(
        settings,
        cluster=KafkaCluster(kafka_bootstrap),
        registry_url=f"http://127.0.0.1:{closed_port}",
        schemas_dir=SCHEMAS,
    )
    with TestClient(create_app(settings, components=components)) as test_client:
        response = test_client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {
            "kafka": "ok",
            "registry": "unreachable",
            "contracts": "unreachable",
        }
        posted = test_client.post(
            "/v1/events", json=order_body("nr"), headers={"X-API-Key": SHOP_KEY}
        )
        assert posted.status_code == 503  # the schema id cannot be looked up: nothing accepted
