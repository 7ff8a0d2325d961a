"""The OpenAPI document describes the fast path's write operations exactly.

Every answer the fast path gives has a status the document lists for that operation, the
listed content type and a body of the listed schema (schemathesis' conformance checks); and
every listed status is one the fast path really gives (so the document lists no more).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from confluent_kafka import KafkaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from eventflow.kafka.testing import FakeProducer
from tests.unit.producers.fakes import IDENTITY_KEY, SHOP_KEY, make_app, order

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SHOP = {"X-API-Key": SHOP_KEY}
IDENTITY = {"X-API-Key": IDENTITY_KEY}
USER = {"event_type": "user.registered", "data": {}}


DENIED = KafkaError.TOPIC_AUTHORIZATION_FAILED  # Kafka refuses for good
Request = tuple[dict[str, str], Any] | tuple[dict[str, str], Any, str]


def _answers(path: str, requests: list[Request], **api: Any) -> set[int]:
    """Send each (headers, body[, "kafka down"]) to ``path``; validate each answer; return
    the statuses."""
    sink = FakeProducer(partitions=3)
    app, _ = make_app(sink, **api)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    [operation] = [
        result.ok()  # type: ignore[union-attr]
        for result in schema.get_all_operations()
        if result.ok().path == path and result.ok().method.upper() == "POST"  # type: ignore[union-attr]
    ]
    statuses: set[int] = set()
    for headers, body, *trouble in requests:
        sink.down = trouble == ["kafka down"]
        sink.refuse = {("events.raw.v1", b"denied"): DENIED} if trouble == ["kafka refuses"] else {}
        media = "text/plain" if trouble == ["not json"] else "application/json"
        case = operation.Case(body=body, headers=headers, media_type=media)
        response = case.call_and_validate(checks=CHECKS)
        statuses.add(response.status_code)
    return statuses


def _documented(path: str) -> set[int]:
    app, _ = make_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    responses = schema.raw_schema["paths"][path]["post"]["responses"]
    return {int(status) for status in responses}


def test_post_event_answers_are_documented_and_every_documented_answer_happens() -> None:
    key = {**SHOP, "Idempotency-Key": "k-1"}
    requests: list[Request] = [
        (SHOP, order()),  # 202
        ({}, order()),  # 401
        (SHOP, USER),  # 403: the shop key may not send user.registered
        (key, order("first")),
        (key, order("second")),  # 409: same key, different request
        (SHOP, order("big", customer_id="x" * 2000)),  # 413
        (SHOP, {"event_type": "order.placed"}),  # 422
        (SHOP, order(), "kafka down"),  # 503
        (SHOP, "not json", "not json"),  # 415
        (SHOP, order("denied"), "kafka refuses"),  # 500: refused for good, never "retry later"
    ]
    statuses = _answers("/v1/events", requests, max_body_bytes=1024)
    statuses |= _answers(
        "/v1/events", [(SHOP, order()), (SHOP, order())], rate_per_second=0.001, rate_burst=1
    )
    assert statuses == _documented("/v1/events")


def test_post_batch_answers_are_documented_and_every_documented_answer_happens() -> None:
    key = {**SHOP, "Idempotency-Key": "b-1"}
    requests: list[Request] = [
        (SHOP, {"events": [order("a")]}),  # 202
        (SHOP, {"events": [order("a"), USER]}),  # 207: one refused
        ({}, {"events": [order()]}),  # 401
        (key, {"events": [order("a")]}),
        (key, {"events": [order("b")]}),  # 207: 409 for the record
        (SHOP, {"events": [order(str(i)) for i in range(3)]}),  # 413: max_batch 2
        (SHOP, {"events": []}),  # 422
        (SHOP, {"events": [order("c")]}, "kafka down"),  # 503
        (SHOP, "not json", "not json"),  # 415
    ]
    statuses = _answers("/v1/events:batch", requests, max_batch=2)
    statuses |= _answers(
        "/v1/events:batch",
        [(SHOP, {"events": [order()]})] * 2,
        rate_per_second=0.001,
        rate_burst=1,
    )
    assert statuses == _documented("/v1/events:batch")


@pytest.mark.parametrize("path", ["/v1/events", "/v1/events:batch"])
def test_the_write_operations_are_documented_once_as_post(path: str) -> None:
    app, _ = make_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    item = schema.raw_schema["paths"][path]
    assert set(item) == {"post"}
    assert item["post"]["requestBody"]["required"] is True
