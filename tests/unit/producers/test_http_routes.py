"""The ingest API end to end on fakes: status codes, bodies, headers, metrics."""

from __future__ import annotations

import uuid

import orjson
import pytest
from fastapi.testclient import TestClient

from eventflow.config import ApiSettings, Settings
from eventflow.errors import EventFlowError
from eventflow.kafka.testing import FakeProducer
from eventflow.producers.http._app import create_app
from eventflow.producers.http._components import ApiComponents
from tests.unit.producers.fakes import (
    IDENTITY_KEY,
    SHOP_KEY,
    keys,
    make_app,
    order,
    real_catalog,
)

SHOP = {"X-API-Key": SHOP_KEY}


@pytest.fixture
def api():
    app, sink = make_app()
    with TestClient(app) as client:
        yield client, sink


def test_post_event_answers_202_with_position_after_the_sink_acknowledged(api):
    client, sink = api
    response = client.post("/v1/events", json=order("o-42"), headers=SHOP)
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"event_id", "topic", "partition", "offset"}
    assert body["topic"] == "events.raw.v1"
    assert uuid.UUID(body["event_id"])
    topic, key, value, headers = sink.sent[0]
    assert topic == "events.raw.v1"
    assert key == b"o-42"  # the manifest's partition key payload.order_id
    assert dict(headers)["event_type"] == b"order.placed"
    record = orjson.loads(value)["record"]
    envelope = record["envelope"]
    assert envelope["event_id"] == body["event_id"]
    assert envelope["source"] == "shop"  # the API key's name
    assert envelope["correlation_id"] == body["event_id"]
    assert envelope["occurred_at"] == envelope["received_at"]
    assert record["validation"] is None and record["enrichment"] is None
    assert record["payload"]["total"] == "19.98"


def test_client_ids_and_times_are_kept(api):
    client, sink = api
    event_id = str(uuid.uuid4())
    body = {
        **order(),
        "event_id": event_id,
        "occurred_at": "2026-03-01T12:00:00+01:00",
        "correlation_id": "flow-7",
        "causation_id": "evt-0",
    }
    response = client.post("/v1/events", json=body, headers=SHOP)
    assert response.status_code == 202, response.text
    assert response.json()["event_id"] == event_id
    envelope = orjson.loads(sink.sent[0][2])["record"]["envelope"]
    assert envelope["occurred_at"] == 1772362800000  # 11:00 UTC in epoch ms
    assert envelope["correlation_id"] == "flow-7" and envelope["causation_id"] == "evt-0"


def test_invalid_data_names_every_failing_field_by_path(api):
    client, sink = api
    bad = order(total="a lot", currency="XYZ", line_items=[{"sku": 5, "quantity": 1.5}])
    del bad["data"]["customer_id"]
    bad["data"]["colour"] = "red"
    response = client.post("/v1/events", json=bad, headers=SHOP)
    assert response.status_code == 422
    problem = response.json()
    assert problem["error"] == "api.invalid_event"
    paths = {f["path"] for f in problem["fields"]}
    assert paths == {
        "data.customer_id",
        "data.total",
        "data.currency",
        "data.line_items[0].sku",
        "data.line_items[0].quantity",
        "data.line_items[0].unit_price",
        "data.colour",
    }
    assert sink.sent == []


def test_request_shape_errors_are_422_with_paths(api):
    client, _ = api
    response = client.post(
        "/v1/events",
        json={"event_type": "", "data": [], "event_id": "nope", "extra": 1},
        headers=SHOP,
    )
    assert response.status_code == 422
    paths = {f["path"] for f in response.json()["fields"]}
    assert paths == {"event_type", "data", "event_id", "extra"}


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]"])
def test_unparseable_bodies_are_422(api, body):
    client, _ = api
    response = client.post(
        "/v1/events", content=body, headers={**SHOP, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["fields"]


def test_unknown_event_type_is_422_naming_known_types(api):
    client, _ = api
    response = client.post(
        "/v1/events",
        json={"event_type": "order.shipped", "data": {}},
        headers={"X-API-Key": IDENTITY_KEY},
    )
    assert response.status_code == 422
    field = response.json()["fields"][0]
    assert field["path"] == "event_type" and "order.placed" in field["message"]


def test_missing_or_wrong_key_is_401_and_type_not_allowed_is_403(api):
    client, sink = api
    assert client.post("/v1/events", json=order()).status_code == 401
    assert (
        client.post("/v1/events", json=order(), headers={"X-API-Key": "guess"}).status_code == 401
    )
    user = {
        "event_type": "user.registered",
        "data": {"user_id": "u1", "email": "a@b", "display_name": "A", "locale": "de"},
    }
    forbidden = client.post("/v1/events", json=user, headers=SHOP)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == "api.forbidden"
    assert (
        client.post("/v1/events", json=user, headers={"X-API-Key": IDENTITY_KEY}).status_code == 202
    )
    assert len(sink.sent) == 1


def test_body_over_the_limit_is_413_before_anything_runs():
    app, sink = make_app(max_body_bytes=2048)
    with TestClient(app) as client:
        big = order(customer_id="x" * 4000)
        response = client.post("/v1/events", json=big, headers=SHOP)
        assert response.status_code == 413
        assert response.json()["error"] == "api.too_large"
        assert sink.sent == []
        assert (
            'eventflow_http_events_rejected_total{reason="api.too_large"} 1.0'
            in client.get("/metrics").text
        )


def test_batch_size_over_the_limit_is_413_and_empty_batch_is_422():
    app, sink = make_app(max_batch=3)
    with TestClient(app) as client:
        too_many = {"events": [order(f"o-{i}") for i in range(4)]}
        assert client.post("/v1/events:batch", json=too_many, headers=SHOP).status_code == 413
        assert client.post("/v1/events:batch", json={"events": []}, headers=SHOP).status_code == 422
        assert client.post("/v1/events:batch", json=[order()], headers=SHOP).status_code == 422
        assert sink.sent == []


def test_batch_all_good_is_202_and_partial_failure_is_207_per_record(api):
    client, sink = api
    ok = client.post("/v1/events:batch", json={"events": [order("a"), order("b")]}, headers=SHOP)
    assert ok.status_code == 202
    assert [r["status"] for r in ok.json()["results"]] == [202, 202]
    mixed = {
        "events": [
            order("c"),
            order("d", total="1.234"),
            {"event_type": "user.registered", "data": {}},
        ]
    }
    response = client.post("/v1/events:batch", json=mixed, headers=SHOP)
    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 1 and body["rejected"] == 2
    first, second, third = body["results"]
    assert first["status"] == 202 and first["offset"] >= 0
    assert second["status"] == 422 and second["fields"][0]["path"] == "events[1].data.total"
    assert third["status"] == 403
    assert [k for _, k, _, _ in sink.sent] == [b"a", b"b", b"c"]


def test_kafka_unavailable_is_503_with_retry_after_and_nothing_claimed():
    sink = FakeProducer(partitions=3)
    sink.down = True
    app, _ = make_app(sink, retry_after_s=7)
    with TestClient(app) as client:
        response = client.post("/v1/events", json=order(), headers=SHOP)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert response.json()["error"] == "api.unavailable"
        batch = client.post(
            "/v1/events:batch", json={"events": [order("x"), order("y")]}, headers=SHOP
        )
        assert batch.status_code == 503 and batch.headers["Retry-After"] == "7"
        sink.down = False  # recovery: the same request now succeeds
        assert client.post("/v1/events", json=order(), headers=SHOP).status_code == 202


def test_idempotency_key_replays_the_first_result_and_writes_once(api):
    client, sink = api
    headers = {**SHOP, "Idempotency-Key": "req-1"}
    first = client.post("/v1/events", json=order(), headers=headers)
    second = client.post("/v1/events", json=order(), headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert len(sink.sent) == 1
    conflict = client.post("/v1/events", json=order("other"), headers=headers)
    assert conflict.status_code == 409
    assert "eventflow_http_events_replayed_total 1.0" in client.get("/metrics").text


def test_client_event_id_is_an_idempotency_key(api):
    client, sink = api
    body = {**order(), "event_id": str(uuid.uuid4())}
    first = client.post("/v1/events", json=body, headers=SHOP)
    again = client.post("/v1/events", json=body, headers=SHOP)
    assert first.json() == again.json()
    assert len(sink.sent) == 1


def test_failed_request_is_not_remembered_so_its_retry_writes():
    sink = FakeProducer(partitions=3)
    app, _ = make_app(sink)
    headers = {**SHOP, "Idempotency-Key": "retry-me"}
    with TestClient(app) as client:
        sink.down = True
        assert client.post("/v1/events", json=order(), headers=headers).status_code == 503
        sink.down = False
        assert client.post("/v1/events", json=order(), headers=headers).status_code == 202
        assert client.post("/v1/events", json=order(), headers=headers).status_code == 202
    assert len(sink.sent) == 1


def test_batch_retry_with_idempotency_key_writes_each_record_once(api):
    client, sink = api
    headers = {**SHOP, "Idempotency-Key": "batch-1"}
    batch = {"events": [order("a"), order("b")]}
    first = client.post("/v1/events:batch", json=batch, headers=headers).json()
    again = client.post("/v1/events:batch", json=batch, headers=headers).json()
    assert first == again
    assert len(sink.sent) == 2


def test_idempotency_key_length_is_checked(api):
    client, _ = api
    response = client.post(
        "/v1/events", json=order(), headers={**SHOP, "Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "Idempotency-Key"


def test_rate_limit_is_per_key_with_retry_after():
    now = [100.0]
    app, sink = make_app(clock=lambda: now[0], rate_per_second=1.0, rate_burst=2)
    with TestClient(app) as client:
        codes = [
            client.post("/v1/events", json=order(), headers=SHOP).status_code for _ in range(3)
        ]
        assert codes == [202, 202, 429]
        limited = client.post("/v1/events", json=order(), headers=SHOP)
        assert limited.headers["Retry-After"] == "1"
        other = client.post(
            "/v1/events",
            json={"event_type": "payment.failed", "data": {}},
            headers={"X-API-Key": IDENTITY_KEY},
        )
        assert other.status_code == 422  # another key still has its own tokens
        now[0] += 1.0
        assert client.post("/v1/events", json=order(), headers=SHOP).status_code == 202
    assert len(sink.sent) == 3


def test_event_types_lists_what_the_key_may_send_with_examples_that_are_accepted(api):
    client, sink = api
    response = client.get("/v1/event-types", headers=SHOP)
    assert response.status_code == 200
    types = {t["event_type"]: t for t in response.json()}
    assert set(types) == {"order.placed", "payment.failed"}
    assert types["order.placed"]["subject"] == "events.raw.v1-com.eventflow.events.OrderPlaced"
    assert types["order.placed"]["partition_key"] == "payload.order_id"
    for info in types.values():
        assert client.post("/v1/events", json=info["example"], headers=SHOP).status_code == 202
    assert len(sink.sent) == 2
    assert client.get("/v1/event-types").status_code == 401


def test_health_readiness_and_metrics():
    sink = FakeProducer(partitions=3)
    app, _ = make_app(sink)
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        sink.answers = False
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"] == {"kafka": "unreachable", "registry": "ok"}
        client.post("/v1/events", json=order(), headers=SHOP)
        client.post("/v1/events", json=order(), headers={"X-API-Key": "wrong"})
        text = client.get("/metrics").text
    assert 'eventflow_http_events_produced_total{event_type="order.placed"} 1.0' in text
    assert 'eventflow_http_events_rejected_total{reason="api.unauthorized"} 1.0' in text
    assert (
        'eventflow_http_requests_total{method="POST",route="/v1/events",status="202"} 1.0' in text
    )
    assert 'eventflow_http_request_duration_seconds_bucket{le="0.025",route="/v1/events"}' in text


def test_openapi_documents_request_bodies_and_security(api):
    client, _ = api
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"EventIn", "BatchIn", "Accepted", "BatchResult", "Problem"} <= set(schemas)
    assert schemas["BatchIn"]["properties"]["events"]["maxItems"] == 500
    post = spec["paths"]["/v1/events"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/EventIn")
    assert {"202", "401", "403", "413", "422", "429", "503"} <= set(post["responses"])
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    assert post["security"] == [{"APIKeyHeader": []}]
    assert post["parameters"][0]["name"] == "Idempotency-Key"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_full_producer_queue_is_503_for_single_and_batch():
    app, _ = make_app(FakeProducer(queue_limit=0), retry_after_s=3)
    with TestClient(app) as client:
        single = client.post("/v1/events", json=order(), headers=SHOP)
        assert single.status_code == 503 and single.headers["Retry-After"] == "3"
        assert "queue is full" in single.json()["message"]
        batch = client.post(
            "/v1/events:batch", json={"events": [order("a"), order("b")]}, headers=SHOP
        )
        assert batch.status_code == 503


def test_unencodable_event_is_503_not_a_false_acceptance():
    class BrokenEncoder:
        def encode(self, spec, record):
            raise EventFlowError("subject events.raw.v1-x is not registered; register it first")

    sink = FakeProducer(partitions=3)
    settings = Settings(api=ApiSettings(keys=keys()))
    components = ApiComponents(catalog=real_catalog(), encoder=BrokenEncoder(), sink=sink)
    app = create_app(settings, components=components)
    with TestClient(app) as client:
        response = client.post("/v1/events", json=order(), headers=SHOP)
    assert response.status_code == 503
    assert "not registered" in response.json()["message"]
    assert sink.sent == []


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("total", '"1e30"'),
        ("total", "1e30"),
        ("total", '"1e999999999"'),
        ("total", "1e999999999"),
        ("total", '"' + "9" * 27 + '"'),
        ("total", "9" * 27),
        ("total", '"NaN"'),
        ("total", '"-Infinity"'),
        ("customer_id", '"\\ud800"'),
        ("line_items", '[{"sku": "a", "quantity": 1180591620717411303424, "unit_price": "1"}]'),
    ],
)
def test_value_level_bad_input_is_422_naming_the_field_never_5xx(api, field, raw):
    client, sink = api
    good = order()["data"]
    body = orjson.dumps({"event_type": "order.placed", "data": {**good, field: None}}).decode()
    body = body.replace(f'"{field}":null', f'"{field}":{raw}')
    response = client.post(
        "/v1/events", content=body, headers={**SHOP, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    paths = [f["path"] for f in response.json().get("fields", [])]
    # the body's JSON parser refuses some outright (naming the body), the rest name the field
    assert paths == ["body"] or paths[0].startswith(f"data.{field}"), paths
    if "1180591620717411303424" in raw:
        assert "1180591620717411303424" in response.text  # shown as written, not 1.18e+21
    assert sink.sent == []


def test_an_integer_beyond_64_bits_is_shown_as_written_in_a_batch_too(api):
    client, sink = api
    good = orjson.dumps(order()).decode()
    bad = good.replace('"quantity":2', '"quantity":1180591620717411303424')
    assert bad != good
    body = f'{{"events":[{good},{bad}]}}'
    response = client.post(
        "/v1/events:batch", content=body, headers={**SHOP, "Content-Type": "application/json"}
    )
    assert response.status_code == 207, response.text
    rejected = response.json()["results"][1]
    assert "1180591620717411303424" in orjson.dumps(rejected).decode()
    assert len(sink.sent) == 1
