"""The peers of bench/http_ingest.py, each run in a process of its own.

* ``load PORT MODE DURATION CONCURRENCY BATCH``: the load generator (keep-alive HTTP/1.1
  connections on asyncio streams; latency per request after a 1 s warm-up), printing its
  result as one JSON line;
* ``trivial PORT``: the ceiling, a trivial ASGI endpoint on the same server stack as
  ``eventflow serve api``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

API_KEY = "bench-key"


def order_data(order_id: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": "c-1",
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


# -- load generator -----------------------------------------------------------------------------
async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


def _request(path: str, body: bytes, port: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _load(
    port: int, mode: str, duration: float, concurrency: int, batch: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    run = uuid.uuid4().hex[:6]
    warmup_end = time.perf_counter() + 1.0
    deadline = warmup_end + duration
    counter = 0

    def body() -> bytes:
        nonlocal counter
        counter += 1
        if mode == "single":
            return json.dumps(
                {"event_type": "order.placed", "data": order_data(f"{run}-{counter}")}
            ).encode()
        events = [
            {"event_type": "order.placed", "data": order_data(f"{run}-{counter}-{i}")}
            for i in range(batch)
        ]
        return json.dumps({"events": events}).encode()

    path = "/v1/events" if mode == "single" else "/v1/events:batch"
    prepared = [_request(path, body(), port) for _ in range(64 if mode == "single" else 8)]

    async def worker(index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = index
        while True:
            request = (
                prepared[i % len(prepared)] if mode == "batch" else _request(path, body(), port)
            )
            i += 1
            started = time.perf_counter()
            if started >= deadline:
                break
            status = await _exchange(reader, writer, request)
            if started >= warmup_end:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    latencies.sort()
    count = len(latencies)
    return {
        "mode": mode,
        "requests": count,
        "statuses": statuses,
        "duration_s": duration,
        "req_per_s": count / duration,
        "events_per_s": count * (1 if mode == "single" else batch) / duration,
        "p50_ms": latencies[count // 2] * 1000 if count else None,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000 if count else None,
    }


def load_main(argv: list[str]) -> None:
    port, mode, duration, concurrency, batch = argv
    result = asyncio.run(_load(int(port), mode, float(duration), int(concurrency), int(batch)))
    print(json.dumps(result))


# -- ceiling -----------------------------------------------------------------------------------
def trivial_main(port: int) -> None:
    """The ceiling: a trivial ASGI endpoint on the same server stack as `serve api`
    (uvicorn, uvloop, httptools, no access log) that reads the body and answers a 202 of the
    API's size without doing anything."""
    import uvicorn

    body = json.dumps(
        {"event_id": str(uuid.uuid4()), "topic": "events.raw.v1", "partition": 1, "offset": 123456}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        status = 202 if scope["method"] == "POST" else 200
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["load"]:
        load_main(sys.argv[2:])
    elif sys.argv[1:2] == ["trivial"]:
        trivial_main(int(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
