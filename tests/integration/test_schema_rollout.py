"""Schema rollout against real Kafka and our registry server: once a newer version of a
subject is registered, producers built from the older version keep producing under that
version's id (Confluent's lookup semantics), the pipeline stores their rows, and a rollback
from v2 code to v1 code works."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from eventflow.cli import main
from eventflow.config import ApiKeySettings, ApiSettings
from eventflow.consumers._persistence import SqliteStore
from eventflow.events import OrderPlaced
from eventflow.kafka._consumer import read_one
from eventflow.producers.http._adapters import build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.registry._client import RegistryClient
from eventflow.serde import AvroDeserializer, AvroSerializer
from eventflow.serde._wire import HEADER_SIZE
from eventflow.workspace import load_workspace
from tests.fixtures.registry import RegistryProcess
from tests.integration.pipeline_support import (
    SCHEMAS,
    Events,
    Lane,
    ServiceProcess,
    make_lane,
    produce,
    wait_until,
)

pytestmark = pytest.mark.integration

ORDER_SUBJECT = "events.raw.v1-com.eventflow.events.OrderPlaced"
API_KEY = "it-rollout-key"


def v2_workspace(target: Path) -> Path:
    """The repository's contracts plus an optional ``coupon_code`` on the order payload."""
    shutil.copytree(SCHEMAS, target)
    path = target / "events" / "OrderPlaced.avsc"
    schema = json.loads(path.read_text())
    payload = next(f for f in schema["fields"] if f["name"] == "payload")
    payload["type"]["fields"].append(
        {"name": "coupon_code", "type": ["null", "string"], "default": None}
    )
    path.write_text(json.dumps(schema, indent=2))
    return target


def register(registry_url: str, schemas_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["schema", "register", "--registry", registry_url, "--dir", str(schemas_dir)]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def versions(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, dict[int, int]]]:
    """A private registry holding v1 then v2 of every contract: (url, v2 dir, {version: id})."""
    workdir = tmp_path_factory.mktemp("rollout")
    server = RegistryProcess(
        workdir / "registry", bootstrap=kafka_bootstrap, topic=f"_schemas-{uuid.uuid4().hex[:8]}"
    )
    try:
        register(server.url, SCHEMAS)
        v2_dir = v2_workspace(workdir / "v2")
        register(server.url, v2_dir)
        with RegistryClient(server.url) as client:
            assert client.list_versions(ORDER_SUBJECT) == [1, 2]
            ids = {n: client.get_version(ORDER_SUBJECT, n).schema_id for n in (1, 2)}
        assert ids[1] != ids[2]
        yield server.url, v2_dir, ids
    finally:
        server.stop()


def schema_id_of(data: bytes) -> int:
    return int.from_bytes(data[1:HEADER_SIZE], "big")


def test_v1_schema_files_and_classes_produce_under_v1_id_after_v2_is_registered(versions):
    registry_url, v2_dir, ids = versions
    _event_id, _key, from_file = Events.as_producer(registry_url).order(
        "rollout-file"
    )  # v1 .avsc files
    assert schema_id_of(from_file) == ids[1]
    client = RegistryClient(registry_url)
    value = AvroDeserializer(client).deserialize(from_file).value
    fresh = AvroSerializer(client)  # a process starting from v1 code after v2 was registered
    from_class = fresh.serialize(OrderPlaced.from_avro_dict(value), subject=ORDER_SUBJECT)
    assert schema_id_of(from_class) == ids[1]
    v2 = load_workspace(v2_dir).schema_for_event_type("order.placed")
    with_coupon = {**value, "payload": {**value["payload"], "coupon_code": "WINTER"}}
    from_v2 = fresh.serialize(with_coupon, subject=ORDER_SUBJECT, schema=v2)
    assert schema_id_of(from_v2) == ids[2]
    client.close()


@pytest.fixture
def pipeline(kafka_bootstrap, versions, tmp_path) -> Iterator[Lane]:
    registry_url = versions[0]
    lane = make_lane(kafka_bootstrap, registry_url, tmp_path, shared_raw="events.raw.v1")
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        for service in services:
            service.wait_ready()
        yield lane
    finally:
        codes = {s.kind: s.stop() for s in services}
        assert codes == {"validator": 0, "enricher": 0, "writer": 0}, [s.output() for s in services]


def api_client(lane: Lane, schemas_dir: Path) -> TestClient:
    """An API process built from the contracts in ``schemas_dir`` (v1 or v2 code)."""
    settings = lane.settings().model_copy(
        update={
            "api": ApiSettings(
                topic=lane.raw, keys=[ApiKeySettings(name="it", sha256=hash_key(API_KEY))]
            )
        }
    )
    components = build_components(
        settings, cluster=lane.cluster, registry_url=lane.registry_url, schemas_dir=schemas_dir
    )
    return TestClient(create_app(settings, components=components))


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
            **extra,
        },
    }


def post(lane: Lane, client: TestClient, body: dict[str, Any]) -> tuple[str, int]:
    """Post one event; (its id, the schema id in the header of the record Kafka holds)."""
    answer = client.post("/v1/events", json=body, headers={"X-API-Key": API_KEY})
    assert answer.status_code == 202, answer.text
    at = answer.json()
    record = read_one(lane.cluster, at["topic"], at["partition"], at["offset"])
    assert record is not None and record.value is not None
    return str(at["event_id"]), schema_id_of(record.value)


def test_api_v1_then_v2_then_rollback_to_v1_all_stored_under_their_ids(pipeline, versions):
    lane = pipeline
    _url, v2_dir, ids = versions
    accepted: list[tuple[str, int]] = []
    with api_client(lane, SCHEMAS) as v1_api:  # v1 code started after v2 was registered
        accepted.append(post(lane, v1_api, order_body("rollout-v1")))
    with api_client(lane, v2_dir) as v2_api:
        accepted.append(post(lane, v2_api, order_body("rollout-v2", coupon_code="WINTER")))
    with api_client(lane, SCHEMAS) as rolled_back:  # the rollback from v2 to v1 code
        accepted.append(post(lane, rolled_back, order_body("rollout-back")))
        refused = rolled_back.post(
            "/v1/events", json=order_body("x", coupon_code="W"), headers={"X-API-Key": API_KEY}
        )
        assert refused.status_code == 422, refused.text  # v1 code does not know the field
    assert [schema_id for _e, schema_id in accepted] == [ids[1], ids[2], ids[1]]
    direct_id, key, value = Events.as_producer(lane.registry_url).order("rollout-direct")
    produce(lane.bootstrap, lane.raw, [(key, value)])
    event_ids = [event_id for event_id, _s in accepted] + [direct_id]
    store = SqliteStore(lane.db_path)
    try:
        wait_until(lambda: store.count(event_ids) == 4, 180, "the 4 rows")
        payloads = [json.loads(row["payload"]) for row in map(store.get, event_ids) if row]
    finally:
        store.close()
    orders = [p["order_id"] for p in payloads]
    assert orders == ["rollout-v1", "rollout-v2", "rollout-back", "rollout-direct"]
    assert [p.get("coupon_code") for p in payloads] == [None, "WINTER", None, None]
    assert lane.dead_letters() == []


def test_api_with_an_unregistered_contract_is_not_ready_and_answers_a_permanent_500(
    pipeline, versions, tmp_path
):
    lane = pipeline
    v3_dir = v2_workspace(tmp_path / "v3")  # v2's field, plus one more nobody registered
    path = v3_dir / "events" / "OrderPlaced.avsc"
    schema = json.loads(path.read_text())
    payload = next(f for f in schema["fields"] if f["name"] == "payload")
    payload["type"]["fields"].append({"name": "gift", "type": "boolean", "default": False})
    path.write_text(json.dumps(schema))
    with api_client(lane, v3_dir) as api:
        ready = api.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["contracts"] != "ok"
        assert ready.json()["checks"]["registry"] == "ok"
        answer = api.post("/v1/events", json=order_body("v3"), headers={"X-API-Key": API_KEY})
        assert answer.status_code == 500, answer.text
        assert answer.json()["error"] == "api.contract_not_registered"
        assert ORDER_SUBJECT in answer.json()["message"]
        assert "Retry-After" not in answer.headers
    with api_client(lane, SCHEMAS) as api:
        assert api.get("/readyz").status_code == 200
