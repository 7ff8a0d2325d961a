"""A Java service on the same contracts and registry: the client in clients/java, built once
per session by Maven (tests/integration/java_support.py), run as real JVMs against the suite's
Kafka and registry.

- events posted over HTTP, through the validator and enricher, are printed by the Java
  consumer with exactly the field values Python's own serde decodes from the same records;
- an order written by the Java producer (same key and headers as the HTTP API) is validated,
  enriched and stored as a database row by the Python services;
- a compatible v2 of a contract, made here, is read by the Java v1 classes, and v1 data by
  Java classes generated from the v2.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eventflow.config import ApiKeySettings, ApiSettings
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._persistence import SqliteStore
from eventflow.contracts._data_contract import DataContract
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._consumer import committed_offsets, read_range
from eventflow.kafka._topics_file import TopicSpec
from eventflow.kafka.local._broker import free_port
from eventflow.producers.http._adapters import build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.registry._client import RegistryClient, SchemaReference
from eventflow.serde import AvroSerializer
from eventflow.workspace import load_workspace
from tests.integration.java_support import JavaClient, build_java_client, plain
from tests.integration.pipeline_support import (
    SCHEMAS,
    Events,
    Lane,
    ServiceProcess,
    make_lane,
    produce,
    register_contracts,
    wait_until,
)

# the first test also builds the client (a fresh machine resolves Maven Central into ~/.m2)
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

API_KEY = "it-java-key"
ORDER = "com.eventflow.events.OrderPlaced"


@pytest.fixture(scope="session")
def java_client() -> JavaClient:
    return build_java_client()


@pytest.fixture(scope="module")
def registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, registry: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lane]:
    """Validator, enricher and writer reading the shared events.raw.v1 from its current end."""
    workdir = tmp_path_factory.mktemp("java-lane")
    lane = make_lane(kafka_bootstrap, registry, workdir, shared_raw="events.raw.v1")
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        for service in services:
            service.wait_ready()
        yield lane
    finally:
        codes = {s.kind: s.stop() for s in services}
        assert codes == {"validator": 0, "enricher": 0, "writer": 0}, [s.output() for s in services]


def _consume(
    java_client: JavaClient, bootstrap: str, registry: str, topic: str, count: int, **kw: Any
) -> list[Any]:
    """The Java consumer's lines for the first ``count`` records of ``topic`` (new group)."""
    group = f"java-{uuid.uuid4().hex[:8]}"
    args = [
        "--bootstrap",
        bootstrap,
        "--registry",
        registry,
        "--topic",
        topic,
        "--group",
        group,
        "--max-events",
        str(count),
        "--idle-exit-s",
        "120",
    ]
    return java_client.json_lines("ConsumeEnriched", args, **kw)


def _python_view(lane: Lane, topic: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Every record of ``topic`` as Python's serde decodes it, in the Java consumer's form."""
    codec = RegistryCodec(RegistryClient(lane.registry_url))
    out = {}
    for record in read_range(KafkaCluster(lane.bootstrap), topic):
        assert record.value is not None
        schema_id, value = codec.decode(record.value)
        out[(record.partition, record.offset)] = {
            "schema_id": schema_id,
            "value": plain(value),
            "key": None if record.key is None else record.key.decode(),
            "headers": {k: None if v is None else v.decode() for k, v in record.headers},
        }
    return out


ORDER_BODY = {
    "event_type": "order.placed",
    "occurred_at": "2026-03-01T12:00:00.123+01:00",
    "correlation_id": "checkout-java-77",
    "causation_id": "0b3f5d2e-41c6-4a8e-9d0f-6c1a2b3c4d5e",
    "data": {
        "order_id": "o-java-http",
        "customer_id": "c-42",
        "line_items": [
            {"sku": "SKU-A", "quantity": 3, "unit_price": "0.10"},
            {"sku": "SKU-B", "quantity": 1, "unit_price": "1234567890.99"},
        ],
        "total": "1234567891.29",
        "currency": "CHF",
        "shipping_address": {
            "recipient": "Ada Lovelace",
            "street": "Bahnhofstrasse 1",
            "city": "Zürich",
            "postal_code": "8001",
            "country": "CH",
        },
    },
}
USER_BODY = {
    "event_type": "user.registered",
    "data": {
        "user_id": "u-java-http",
        "email": "ada@example.org",
        "display_name": "Ada",
        "locale": "de-CH",
        "marketing_opt_in": True,
        "bio": "Ich koche gern und wandere am Wochenende in den Bergen.",
    },
}
PAYMENT_BODY = {
    "event_type": "payment.failed",
    "data": {
        "payment_id": "p-java-http",
        "order_id": "o-java-http",
        "amount": "1000000000.05",
        "currency": "JPY",
        "reason": "CARD_DECLINED",
        "message": "declined by issuer",
    },
}


def test_java_consumer_prints_http_events_with_the_same_field_values(
    java_client: JavaClient, pipeline: Lane
) -> None:
    lane = pipeline
    api = ApiSettings(
        topic=lane.raw, keys=[ApiKeySettings(name="it-java", sha256=hash_key(API_KEY))]
    )
    settings = lane.settings().model_copy(update={"api": api})
    components = build_components(
        settings,
        cluster=KafkaCluster(lane.bootstrap),
        registry_url=lane.registry_url,
        schemas_dir=SCHEMAS,
    )
    ids = {}
    with TestClient(create_app(settings, components=components)) as client:
        for body in (ORDER_BODY, USER_BODY, PAYMENT_BODY):
            answer = client.post("/v1/events", json=body, headers={"X-API-Key": API_KEY})
            assert answer.status_code == 202, answer.text
            ids[body["event_type"]] = answer.json()["event_id"]
    store = SqliteStore(lane.db_path)
    try:
        wait_until(lambda: store.count(list(ids.values())) == 3, 180, "3 rows from the writer")
    finally:
        store.close()
    python = _python_view(lane, lane.enriched)
    lines = _consume(java_client, lane.bootstrap, lane.registry_url, lane.enriched, len(python))
    assert len(lines) == len(python)
    by_id = {line["value"]["envelope"]["event_id"]: line for line in lines}
    for event_type, event_id in ids.items():
        line = by_id[event_id]
        reference = python[(line["partition"], line["offset"])]
        # Java's decode of the same bytes equals Python's, field by field, and so do key/headers
        assert line["schema_id"] == reference["schema_id"]
        assert line["value"] == reference["value"], event_type
        assert line["key"] == reference["key"] and line["headers"] == reference["headers"]
        assert line["headers"] == {"event_type": event_type, "event_id": event_id}
    order = by_id[ids["order.placed"]]
    assert order["record"] == ORDER and order["key"] == "o-java-http"
    value = order["value"]
    assert value["payload"] == ORDER_BODY["data"]  # decimals exact, enum, arrays, nested records
    envelope = value["envelope"]
    assert envelope["occurred_at"] == "2026-03-01T11:00:00.123Z"
    assert envelope["source"] == "it-java" and envelope["correlation_id"] == "checkout-java-77"
    assert envelope["causation_id"] == ORDER_BODY["causation_id"]
    assert value["validation"]["valid"] is True and value["validation"]["findings"] == []
    assert value["enrichment"] is not None
    user = by_id[ids["user.registered"]]["value"]
    assert user["payload"] == USER_BODY["data"]
    outputs = user["enrichment"]["outputs"]
    assert outputs and all(isinstance(o["scores"], dict) for o in outputs)
    assert {o["enricher"]: o["attributes"] for o in outputs}["language"]["language"] == "de"
    payment = by_id[ids["payment.failed"]]["value"]
    assert payment["payload"] == PAYMENT_BODY["data"]


def test_java_producer_order_becomes_a_database_row(
    java_client: JavaClient, pipeline: Lane
) -> None:
    lane = pipeline
    order_id = f"java-{lane.run}"
    args = [
        "--bootstrap",
        lane.bootstrap,
        "--registry",
        lane.registry_url,
        "--order-id",
        order_id,
        "--quantity",
        "3",
        "--unit-price",
        "4.15",
        "--currency",
        "GBP",
    ]
    [sent] = java_client.json_lines("ProduceOrder", args)
    assert sent["topic"] == "events.raw.v1" and sent["order_id"] == order_id
    # on the raw topic: the key and headers the HTTP API writes; Python's serde reads the value
    cluster = KafkaCluster(lane.bootstrap)
    [raw] = list(
        read_range(
            cluster,
            "events.raw.v1",
            start={sent["partition"]: sent["offset"]},
            only={sent["partition"]},
        )
    )
    assert raw.offset == sent["offset"]
    assert raw.key == order_id.encode()
    assert raw.headers == (("event_type", b"order.placed"), ("event_id", sent["event_id"].encode()))
    assert raw.value is not None
    schema_id, decoded = RegistryCodec(RegistryClient(lane.registry_url)).decode(raw.value)
    assert schema_id == sent["schema_id"]
    with RegistryClient(lane.registry_url) as registry:
        assert schema_id == registry.get_version(f"events.raw.v1-{ORDER}").schema_id
    assert plain(decoded["payload"])["total"] == "12.45"
    store = SqliteStore(lane.db_path)
    try:
        wait_until(lambda: store.get(sent["event_id"]) is not None, 180, "the Java order's row")
        row = store.get(sent["event_id"])
    finally:
        store.close()
    assert row is not None
    assert row["event_type"] == "order.placed" and row["source"] == "java-producer"
    assert row["origin_topic"] == lane.enriched
    payload = json.loads(row["payload"])
    assert payload["order_id"] == order_id and payload["currency"] == "GBP"
    assert payload["line_items"] == [{"sku": "SKU-JAVA-1", "quantity": 3, "unit_price": "4.15"}]
    assert json.loads(row["validation"])["valid"] is True
    assert json.loads(row["enrichment"]) is not None


def _v2_contracts(target: Any) -> None:
    """schemas/avro with one compatible change: the order payload gains a field with a default."""
    shutil.copytree(SCHEMAS, target)
    path = target / "events" / "OrderPlaced.avsc"
    schema = json.loads(path.read_text())
    payload = next(f for f in schema["fields"] if f["name"] == "payload")["type"]
    payload["fields"].append(
        {"name": "gift_note", "type": "string", "default": "none", "doc": "Note for a gift."}
    )
    path.write_text(json.dumps(schema, indent=2))


def test_v2_contract_is_read_by_java_v1_classes_and_v1_data_by_java_v2_classes(
    java_client: JavaClient, kafka_bootstrap: str, registry: str, tmp_path: Any
) -> None:
    v2_dir = tmp_path / "contracts-v2"
    _v2_contracts(v2_dir)
    topic = f"it-java-v2-{uuid.uuid4().hex[:8]}"
    TopicAdmin(KafkaCluster(kafka_bootstrap)).apply([TopicSpec(topic, 1, 1, {})])
    subject = f"{topic}-{ORDER}"
    entry = next(
        e
        for e in load_workspace(SCHEMAS).registration_order()
        if e.subject == f"events.raw.v1-{ORDER}"
    )
    with RegistryClient(registry) as client:
        refs = [
            SchemaReference(name=r, subject=r, version=client.list_versions(r)[-1])
            for r in entry.references
        ]
        # each version with its own metadata (as after a rule change): a lookup without
        # metadata matches only the latest's, so the v1 producer finds v1 among all versions
        v1_id = client.register(
            subject,
            (SCHEMAS / "events/OrderPlaced.avsc").read_text(),
            refs,
            contract=DataContract({"properties": {"note": "first"}}),
        )
        v2_id = client.register(
            subject,
            (v2_dir / "events/OrderPlaced.avsc").read_text(),
            refs,
            contract=DataContract({"properties": {"note": "gift notes"}}),
        )
    assert v1_id != v2_id
    v2_classes = tmp_path / "v2-classes"
    java_client.run("CompileContracts", ["--schemas", str(v2_dir), "--out", str(v2_classes)])
    common = ["--bootstrap", kafka_bootstrap, "--registry", registry, "--topic", topic]
    [v1_sent] = java_client.json_lines("ProduceOrder", [*common, "--order-id", "by-java-v1"])
    [v2_sent] = java_client.json_lines(
        "ProduceOrder",
        [*common, "--order-id", "by-java-v2", "--contracts", str(v2_dir)],
        extra=[v2_classes],
    )
    assert (v1_sent["schema_id"], v2_sent["schema_id"]) == (v1_id, v2_id)
    # a v2 event with the new field set, written by the reference peer (Python's serde)
    events = Events(registry, rules=False)
    value = {
        "envelope": events.envelope("order.placed"),
        "payload": {
            "order_id": "by-python-v2",
            "customer_id": "c-1",
            "line_items": [{"sku": "S", "quantity": 1, "unit_price": Decimal("2.50")}],
            "total": Decimal("2.50"),
            "currency": "USD",
            "gift_note": "wrap it in blue",
            "shipping_address": {
                "recipient": "Ada",
                "street": "1 Main St",
                "city": "Bern",
                "postal_code": "3000",
                "country": "CH",
            },
        },
        "validation": None,
        "enrichment": None,
    }
    v2_schema = load_workspace(v2_dir).schema_for_event_type("order.placed")
    data = AvroSerializer(RegistryClient(registry)).serialize(
        value, subject=subject, schema=v2_schema
    )
    produce(kafka_bootstrap, topic, [(b"by-python-v2", data)])

    v1_lines = _consume(java_client, kafka_bootstrap, registry, topic, 3)
    v2_lines = _consume(java_client, kafka_bootstrap, registry, topic, 3, extra=[v2_classes])
    v1_view = {line["key"]: line for line in v1_lines}
    v2_view = {line["key"]: line for line in v2_lines}
    assert set(v1_view) == set(v2_view) == {"by-java-v1", "by-java-v2", "by-python-v2"}
    for key, old in v1_view.items():
        new = v2_view[key]
        assert old["schema_id"] == new["schema_id"]  # the writer's id, whoever reads
        assert "gift_note" not in old["value"]["payload"]  # v1 classes skip the new field
        gift = new["value"]["payload"].pop("gift_note")
        assert old["value"] == new["value"]  # everything else identical
        expected = {"by-java-v1": "none", "by-java-v2": "none", "by-python-v2": "wrap it in blue"}
        assert gift == expected[key]
    assert v1_view["by-java-v1"]["schema_id"] == v1_id  # v1 data, read with the v2 default
    assert v2_view["by-python-v2"]["schema_id"] == v2_id


def test_java_consumer_skips_undecodable_records_naming_each_and_the_producer_never_registers(
    java_client: JavaClient, kafka_bootstrap: str, registry: str
) -> None:
    topic = f"it-java-bad-{uuid.uuid4().hex[:8]}"
    TopicAdmin(KafkaCluster(kafka_bootstrap)).apply([TopicSpec(topic, 1, 1, {})])
    stranger = '{"type":"record","name":"Stranger","namespace":"it.java","fields":[{"name":"x","type":"int"}]}'
    with RegistryClient(registry) as client:
        stranger_id = client.register(f"{topic}-it.java.Stranger", stranger, [])
    event_id, key, value = Events(registry, rules=False).order("after-the-bad-ones")
    poison = [
        (b"not avro", "magic byte"),
        (b"\x00\x00", "too short"),
        (b"\x00" + (2_000_000_000).to_bytes(4, "big") + b"\x02", "schema id 2000000000"),
        (b"\x00" + stranger_id.to_bytes(4, "big") + b"\x02", "no generated class"),
        (value + b"\x00", "bytes left"),
    ]
    produce(kafka_bootstrap, topic, [*((b"bad", v) for v, _why in poison), (key, value)])
    args = [
        "--bootstrap",
        kafka_bootstrap,
        "--registry",
        registry,
        "--topic",
        topic,
        "--group",
        f"{topic}-reader",
        "--max-events",
        "1",
        "--idle-exit-s",
        "120",
    ]
    proc = java_client.run("ConsumeEnriched", args, expect=3)  # 3: something was skipped
    problems = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert [(p["topic"], p["partition"], p["offset"]) for p in problems] == [
        (topic, 0, offset) for offset in range(len(poison))
    ]
    for problem, (_value, why) in zip(problems, poison, strict=True):
        assert problem["outcome"] == "skipped" and why in problem["error"], problem
    [line] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert line["offset"] == len(poison) and line["value"]["envelope"]["event_id"] == event_id
    # a subject without the contract: the producer fails, naming it, and registers nothing
    unregistered = f"it-java-none-{uuid.uuid4().hex[:8]}"
    args = ["--bootstrap", kafka_bootstrap, "--registry", registry, "--topic", unregistered]
    refused = java_client.run("ProduceOrder", args, expect=1)
    assert f"subject {unregistered}-{ORDER} has no version" in refused.stderr
    assert "eventflow schema register" in refused.stderr
    with RegistryClient(registry) as client:
        assert f"{unregistered}-{ORDER}" not in client.list_subjects()


def test_java_consumer_waits_for_an_unreachable_registry_and_loses_nothing(
    java_client: JavaClient, kafka_bootstrap: str, registry: str, tmp_path: Any
) -> None:
    topic = f"it-java-outage-{uuid.uuid4().hex[:8]}"
    TopicAdmin(KafkaCluster(kafka_bootstrap)).apply([TopicSpec(topic, 1, 1, {})])
    event_id, key, value = Events(registry, rules=False).order("during-an-outage")
    produce(kafka_bootstrap, topic, [(key, value)])
    group = f"{topic}-reader"
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused
    args = ["--bootstrap", kafka_bootstrap, "--topic", topic, "--group", group, "--max-events", "1"]
    stderr = tmp_path / "stderr"
    process = java_client.start(
        "ConsumeEnriched", [*args, "--registry", nowhere], stdout=tmp_path / "out", stderr=stderr
    )
    try:
        wait_until(lambda: stderr.read_text().count('"outcome":"retrying"') >= 2, 120, "retries")
    finally:
        process.terminate()
        process.wait(60)
    assert (tmp_path / "out").read_text() == ""  # nothing printed, nothing skipped
    assert '"outcome":"skipped"' not in stderr.read_text()
    assert committed_offsets(KafkaCluster(kafka_bootstrap), group, topic) == {}  # nothing committed
    # the registry is back: the same group reads the record it could not decode before
    [line] = java_client.json_lines("ConsumeEnriched", [*args, "--registry", registry])
    assert line["offset"] == 0 and line["value"]["envelope"]["event_id"] == event_id
    assert committed_offsets(KafkaCluster(kafka_bootstrap), group, topic) == {0: 1}
