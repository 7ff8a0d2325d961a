"""The ASGI fast path answers the write endpoints itself; everything else reaches FastAPI."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from fastapi.testclient import TestClient

from eventflow.producers.http import _routes as routes
from tests.unit.producers.fakes import SHOP_KEY, make_app, order

SHOP = {"X-API-Key": SHOP_KEY}


def test_the_fast_path_is_the_only_path_of_the_writes():
    app, sink = make_app()
    paths = {getattr(route, "path", None) for route in routes.router.routes}
    assert "/v1/event-types" in paths
    assert not paths & {"/v1/events", "/v1/events:batch"}, "FastAPI must not declare the writes"
    with TestClient(app) as client:
        assert client.post("/v1/events", json=order("a"), headers=SHOP).status_code == 202
        batch = client.post("/v1/events:batch", json={"events": [order("b")]}, headers=SHOP)
        assert batch.status_code == 202
        wrong_method = client.get("/v1/events", headers=SHOP)
        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
        assert client.get("/healthz").json() == {"status": "ok"}
        metrics = client.get("/metrics").text
    assert [key for _, key, _, _ in sink.sent] == [b"a", b"b"]
    for line in (
        'eventflow_http_requests_total{method="POST",route="/v1/events",status="202"} 1.0',
        'eventflow_http_requests_total{method="POST",route="/v1/events:batch",status="202"} 1.0',
        'eventflow_http_requests_total{method="GET",route="/v1/events",status="405"} 1.0',
    ):
        assert line in metrics


def test_repeated_headers_use_the_first_value_like_starlette():
    app, sink = make_app()
    with TestClient(app) as client:
        response = client.post(
            "/v1/events",
            content=b'{"event_type": "order.placed", "data": {}}',
            headers=[
                ("X-API-Key", "wrong"),
                ("X-API-Key", SHOP_KEY),
                ("Content-Type", "application/json"),
            ],
        )
    assert response.status_code == 401
    assert sink.sent == []


def chunks(data: bytes, size: int = 100) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_body_streamed_in_chunks_is_read_whole_and_limited():
    app, sink = make_app(max_body_bytes=4096)
    with TestClient(app) as client:
        json_shop = {**SHOP, "Content-Type": "application/json"}
        ok = client.post(
            "/v1/events", content=chunks(orjson.dumps(order("streamed"))), headers=json_shop
        )
        assert ok.status_code == 202, ok.text
        big = orjson.dumps(order("big", customer_id="x" * 5000))
        too_big = client.post("/v1/events", content=chunks(big), headers=json_shop)
        assert too_big.status_code == 413
        assert too_big.json()["error"] == "api.too_large"
    assert [key for _, key, _, _ in sink.sent] == [b"streamed"]
