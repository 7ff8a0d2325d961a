"""The ingest API's edges (issue 12): problem+json everywhere, 415, JSON syntax positions,
413 by encoded size, permanent vs transient Kafka refusals, derived event ids, and an outage
logged once."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
from confluent_kafka import KafkaError
from fastapi.testclient import TestClient

from eventflow.config import ApiSettings, Settings
from eventflow.kafka.testing import FakeProducer
from eventflow.producers.http._app import create_app
from eventflow.producers.http._components import ApiComponents
from eventflow.producers.http._service import derived_event_id
from tests.unit.producers.fakes import SHOP_KEY, JsonEncoder, keys, order, real_catalog

JSON = {"X-API-Key": SHOP_KEY, "Content-Type": "application/json"}
TOPIC = "events.raw.v1"


def app_with(sink: FakeProducer | None = None, record_limit: int | None = None) -> Any:
    sink = sink or FakeProducer(partitions=3)
    components = ApiComponents(
        catalog=real_catalog(),
        encoder=JsonEncoder(),
        sink=sink,
        probes=[("kafka", sink.healthy)],
        record_limit=record_limit,
    )
    return create_app(Settings(api=ApiSettings(keys=keys())), components=components), sink


def assert_problem(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["error"] == error
    assert body["type"] == f"urn:eventflow:problem:{error}"
    assert body["title"] and body["detail"] == body["message"]
    assert isinstance(body["fields"], list)
    return body


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_declared_as_json_gets_415_naming_the_header(content_type):
    app, sink = app_with()
    headers = {"X-API-Key": SHOP_KEY}
    if content_type:
        headers["Content-Type"] = content_type
    with TestClient(app) as client:
        for path in ("/v1/events", "/v1/events:batch"):
            body = orjson.dumps(order("o-1"))
            response = client.post(path, content=body, headers=headers)
            problem = assert_problem(response, 415, "api.unsupported_media_type")
            assert problem["fields"][0]["path"] == "Content-Type"
    assert sink.sent == []


def test_json_with_a_charset_or_a_json_suffix_is_accepted():
    app, _sink = app_with()
    with TestClient(app) as client:
        for media in ("application/json; charset=utf-8", "application/cloudevents+json"):
            response = client.post(
                "/v1/events",
                content=orjson.dumps(order("o-1")),
                headers={"X-API-Key": SHOP_KEY, "Content-Type": media},
            )
            assert response.status_code == 202, response.text


def test_every_refusal_is_a_problem_with_fields():
    app, sink = app_with()
    sink.down = True
    with TestClient(app) as client:
        assert_problem(client.post("/v1/events", json=order()), 401, "api.unauthorized")
        assert_problem(client.get("/nowhere"), 404, "http.404")
        unavailable = client.post("/v1/events", json=order(), headers=JSON)
        assert_problem(unavailable, 503, "api.unavailable")
        assert unavailable.headers["retry-after"]


def test_json_syntax_errors_point_at_the_real_line_and_column():
    app, _sink = app_with()
    with TestClient(app) as client:
        broken = client.post(
            "/v1/events", content=b'{"event_type": "x",\n  "data": {,}}', headers=JSON
        )
        problem = assert_problem(broken, 422, "api.invalid_event")
        assert "line 2 column 12" in problem["detail"], problem["detail"]
        bad_utf8 = client.post("/v1/events", content=b'{\n "a": "\xc3\xa9\xff"}', headers=JSON)
        problem = assert_problem(bad_utf8, 422, "api.invalid_event")
        assert "invalid UTF-8 at line 2 column 9 (byte 11)" in problem["detail"], problem["detail"]


def test_an_encoded_event_larger_than_kafka_takes_gets_413_naming_the_limit():
    app, sink = app_with(record_limit=2_000)
    with TestClient(app) as client:
        small = client.post("/v1/events", json=order("o-1"), headers=JSON)
        assert small.status_code == 202
        big = client.post("/v1/events", json=order("o-2", customer_id="c" * 3_000), headers=JSON)
        problem = assert_problem(big, 413, "api.too_large")
        assert "at most 2000 bytes per record" in problem["detail"]
        assert problem["fields"][0]["path"] == "data"
        assert "Retry-After" not in big.headers
        batch = client.post(
            "/v1/events:batch",
            json={"events": [order("o-3"), order("o-4", customer_id="c" * 3_000)]},
            headers=JSON,
        )
        assert batch.status_code == 207
        results = batch.json()["results"]
        assert [r["status"] for r in results] == [202, 413]
        assert results[1]["fields"][0]["path"] == "events[1].data"
    assert [key for _t, key, _v, _h in sink.sent] == [b"o-1", b"o-3"]


def test_kafka_refusing_for_good_is_never_answered_retry_later():
    sink = FakeProducer(partitions=3)
    sink.refuse_on_queue[(TOPIC, b"o-big")] = KafkaError.MSG_SIZE_TOO_LARGE
    sink.refuse[(TOPIC, b"o-denied")] = KafkaError.TOPIC_AUTHORIZATION_FAILED
    sink.refuse[(TOPIC, b"o-slow")] = KafkaError._MSG_TIMED_OUT
    app, _ = app_with(sink)
    with TestClient(app) as client:
        big = client.post("/v1/events", json=order("o-big"), headers=JSON)
        assert_problem(big, 413, "api.too_large")
        denied = client.post("/v1/events", json=order("o-denied"), headers=JSON)
        assert_problem(denied, 500, "api.kafka_refused")
        assert "retry-after" not in denied.headers
        slow = client.post("/v1/events", json=order("o-slow"), headers=JSON)
        assert_problem(slow, 503, "api.unavailable")
        assert slow.headers["retry-after"]


def test_without_an_event_id_the_idempotency_key_decides_it_across_restarts():
    first, _ = app_with()
    with TestClient(first) as client:
        one = client.post("/v1/events", json=order(), headers={**JSON, "Idempotency-Key": "k-1"})
        other = client.post("/v1/events", json=order(), headers={**JSON, "Idempotency-Key": "k-2"})
    restarted, _ = app_with()  # a new process: the in-memory store is empty
    with TestClient(restarted) as client:
        again = client.post("/v1/events", json=order(), headers={**JSON, "Idempotency-Key": "k-1"})
        plain = client.post("/v1/events", json=order(), headers=JSON)
    assert one.json()["event_id"] == again.json()["event_id"] == derived_event_id("shop", "k-1")
    assert other.json()["event_id"] != one.json()["event_id"]
    assert plain.json()["event_id"] not in {one.json()["event_id"], other.json()["event_id"]}
    assert derived_event_id("shop", "k-1") != derived_event_id("other-key", "k-1")


def test_a_kafka_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    app, sink = app_with()
    sink.down = True
    caplog.set_level(logging.INFO, logger="eventflow.producers.http")
    with TestClient(app) as client:
        for n in range(5):
            assert client.post("/v1/events", json=order(f"o-{n}"), headers=JSON).status_code == 503
        sink.down = False
        assert client.post("/v1/events", json=order("o-9"), headers=JSON).status_code == 202
        assert client.post("/v1/events", json=order("o-10"), headers=JSON).status_code == 202
    lines = [r for r in caplog.records if r.name == "eventflow.producers.http"]
    assert [r.levelname for r in lines] == ["ERROR", "INFO"], [r.getMessage() for r in lines]
    assert "Kafka is unavailable" in lines[0].getMessage()
    assert "5 request(s) were refused" in lines[1].getMessage()
