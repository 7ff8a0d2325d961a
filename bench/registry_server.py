"""Schema registry benchmark: reads/s by id, registrations/s, rebuild time from ``_schemas``.

One run measures, each next to a baseline measured in the same run:
  * GET /schemas/ids/{id} requests/s on ONE server worker, load from a SECOND process over
    loopback (N keep-alive connections, raw HTTP/1.1). Baseline: a trivial ASGI endpoint
    returning a body of the same size on the same server stack (uvicorn, same options); also
    the same lookup as a FastAPI route (why the registry's front is plain ASGI).
  * registrations/s: distinct schemas POSTed one after another (every answer waits until the
    record is durable in Kafka, acks=all, and applied). Baseline: raw appends to the same kind
    of log topic, each awaited the same way (produce + delivery + read back).
  * rebuild: time for a fresh instance to replay a ``_schemas`` topic holding N schemas.
    Baseline: the raw consume of the same topic without applying anything.

Without --bootstrap the bench starts a LocalBroker in a temporary folder.
Usage: .venv/bin/python bench/registry_server.py [--duration 5] [--connections 16]
       [--schemas 10000] [--registrations 200] [--bootstrap HOST:PORT] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka.local._broker import free_port

REPO = Path(__file__).resolve().parents[1]


def schema_text(i: int) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": f"Bench{i}",
            "namespace": "bench.reg",
            "fields": [
                {"name": "id", "type": "string"},
                {"name": f"value_{i}", "type": "long", "default": 0},
            ],
        }
    )


# -- load generator (runs in its own process) ---------------------------------------------------
async def _client(
    host: str, port: int, paths: list[bytes], stop_at: float, counts: list[int], offset: int
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    requests = [b"GET " + p + b" HTTP/1.1\r\nHost: bench\r\n\r\n" for p in paths]
    i = offset
    while time.perf_counter() < stop_at:
        writer.write(requests[i % len(requests)])
        i += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        counts[0 if head[9:12] == b"200" else 1] += 1
    writer.close()


def load_main(url: str, paths: list[str], connections: int, duration: float) -> None:
    host, port = url.removeprefix("http://").split(":")
    counts = [0, 0]

    async def run() -> float:
        start = time.perf_counter()
        stop_at = start + duration
        await asyncio.gather(
            *[
                _client(host, int(port), [p.encode() for p in paths], stop_at, counts, n)
                for n in range(connections)
            ]
        )
        return time.perf_counter() - start

    try:
        import uvloop

        elapsed = uvloop.run(run())
    except ImportError:
        elapsed = asyncio.run(run())
    print(json.dumps({"ok": counts[0], "errors": counts[1], "seconds": elapsed}))


def measure_load(url: str, paths: list[str], connections: int, duration: float) -> float:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            url,
            "--connections",
            str(connections),
            "--duration",
            str(duration),
            *paths,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} non-200 answers from {url}")
    return float(result["ok"] / result["seconds"])


# -- baseline server (runs in its own process) --------------------------------------------------
def baseline_main(port: int, body_size: int) -> None:
    import uvicorn

    body = json.dumps({"schema": "x" * max(0, body_size - 14)}).encode()
    headers = [
        (b"content-type", b"application/vnd.schemaregistry.v1+json"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False
    )


def fastapi_main(port: int, body_size: int) -> None:
    """The same lookup as a FastAPI route: what the hot path would cost on FastAPI."""
    import uvicorn
    from fastapi import FastAPI, Response

    app = FastAPI()
    schemas = {i: json.dumps({"schema": "x" * max(0, body_size - 14)}) for i in range(1, 1000)}

    @app.get("/schemas/ids/{schema_id}")
    def by_id(schema_id: int) -> Response:
        return Response(schemas[schema_id], media_type="application/vnd.schemaregistry.v1+json")

    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False
    )


def wait_answers(url: str, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url + path, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start(args: list[str], url: str, path: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_answers(url, path)
    return proc


def start_registry(bootstrap: str) -> tuple[subprocess.Popen[bytes], str]:
    """Our registry on a free port, its log in a fresh `_schemas` topic; (process, url)."""
    topic = f"_schemas_bench_{uuid.uuid4().hex[:8]}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        sys.executable,
        "-m",
        "eventflow.registry",
        "--port",
        str(port),
        "--topic",
        topic,
        "--bootstrap",
        bootstrap,
    ]
    return start(args, url, "/subjects"), url


# -- the measurements ----------------------------------------------------------------------------
def bench_reads(bootstrap: str, opts: argparse.Namespace) -> dict[str, float]:
    ours, url = start_registry(bootstrap)
    try:
        ids = [
            httpx.post(
                f"{url}/subjects/read-{i}-value/versions",
                json={"schema": schema_text(i)},
                timeout=30,
            ).json()["id"]
            for i in range(20)
        ]
        paths = [f"/schemas/ids/{i}" for i in ids]
        body_size = len(httpx.get(url + paths[0]).content)
        ours_rps = measure_load(url, paths, opts.connections, opts.duration)
    finally:
        ours.terminate()
        ours.wait(15)
    bport = free_port()
    burl = f"http://127.0.0.1:{bport}"
    base = start(
        [sys.executable, __file__, "--baseline-server", str(bport), "--body-size", str(body_size)],
        burl,
        "/",
    )
    try:
        base_rps = measure_load(burl, paths, opts.connections, opts.duration)
    finally:
        base.terminate()
        base.wait(15)
    fport = free_port()
    furl = f"http://127.0.0.1:{fport}"
    fast = start(
        [sys.executable, __file__, "--fastapi-server", str(fport), "--body-size", str(body_size)],
        furl,
        "/docs",
    )
    try:
        fastapi_rps = measure_load(furl, paths, opts.connections, opts.duration)
    finally:
        fast.terminate()
        fast.wait(15)
    return {
        "reads_per_s": ours_rps,
        "baseline_reads_per_s": base_rps,
        "fastapi_reads_per_s": fastapi_rps,
    }


def bench_registrations(bootstrap: str, opts: argparse.Namespace) -> dict[str, float]:
    from eventflow.kafka._schemas_log import KafkaSchemaLog
    from eventflow.registry._store import RegistryStore

    raw_topic = f"_schemas_bench_raw_{uuid.uuid4().hex[:8]}"
    store = RegistryStore(KafkaSchemaLog(KafkaCluster(bootstrap), raw_topic))
    store.start()
    started = time.perf_counter()
    for i in range(opts.registrations):
        with store.writing():
            store.append(f'{{"keytype":"NOOP","n":{i}}}'.encode(), b"{}")
    raw_rate = opts.registrations / (time.perf_counter() - started)
    store.close()

    ours, url = start_registry(bootstrap)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            started = time.perf_counter()
            for i in range(opts.registrations):
                r = http.post(f"/subjects/reg-{i}-value/versions", json={"schema": schema_text(i)})
                r.raise_for_status()
            rate = opts.registrations / (time.perf_counter() - started)
    finally:
        ours.terminate()
        ours.wait(15)
    return {"registrations_per_s": rate, "baseline_log_appends_per_s": raw_rate}


def bench_rebuild(bootstrap: str, opts: argparse.Namespace) -> dict[str, float]:
    from eventflow.kafka._schemas_log import KafkaSchemaLog
    from eventflow.registry._records import SchemaClaim, encode_claim, schema_key
    from eventflow.registry._store import RegistryStore

    topic = f"_schemas_bench_rebuild_{uuid.uuid4().hex[:8]}"
    log = KafkaSchemaLog(KafkaCluster(bootstrap), topic)
    records = []
    for i in range(opts.schemas):
        claim = SchemaClaim(f"rebuild-{i}-value", 1, i + 1, schema_text(i), "AVRO", ())
        records.append((schema_key(claim.subject, 1), encode_claim(claim)))
    log.append_many(records)
    log.close()

    raw = KafkaSchemaLog(KafkaCluster(bootstrap), topic)
    started = time.perf_counter()
    end, seen = raw.end_position(), 0
    while seen < end:
        seen += len(raw.read(1.0))
    raw_s = time.perf_counter() - started
    raw.close()

    replay_log = KafkaSchemaLog(
        KafkaCluster(bootstrap), topic
    )  # opened outside the timing, like the baseline
    started = time.perf_counter()
    store = RegistryStore(replay_log)
    store.start()
    rebuild_s = time.perf_counter() - started
    with store.view() as state:
        assert len(state.schemas) == opts.schemas, len(state.schemas)
    store.close()
    return {"rebuild_s": rebuild_s, "baseline_raw_consume_s": raw_s, "schemas": opts.schemas}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--schemas", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--bootstrap", default=os.environ.get("EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--load", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-server", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--fastapi-server", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--body-size", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.load:
        load_main(opts.load, opts.paths, opts.connections, opts.duration)
        return
    if opts.fastapi_server:
        fastapi_main(opts.fastapi_server, opts.body_size)
        return
    if opts.baseline_server:
        baseline_main(opts.baseline_server, opts.body_size)
        return

    broker = None
    bootstrap = opts.bootstrap
    if not bootstrap:
        from eventflow.kafka.local import LocalBroker

        broker = LocalBroker(
            Path(tempfile.mkdtemp(prefix="bench-registry-")),
            port=0,
            controller_port=0,
            heap="768m",
            start_timeout_s=120,
        )
        bootstrap = broker.start()
    try:
        results: dict[str, float] = {}
        results |= bench_reads(bootstrap, opts)
        results |= bench_registrations(bootstrap, opts)
        results |= bench_rebuild(bootstrap, opts)
    finally:
        if broker is not None:
            broker.stop()
    r = results
    print(
        f"GET /schemas/ids/{{id}}: {r['reads_per_s']:,.0f} req/s on 1 worker "
        f"({opts.connections} connections) | baseline trivial ASGI endpoint "
        f"{r['baseline_reads_per_s']:,.0f} req/s | ratio "
        f"{r['reads_per_s'] / r['baseline_reads_per_s']:.2f} | goal >= 5,000"
    )
    print(
        f"  the same lookup as a FastAPI route: {r['fastapi_reads_per_s']:,.0f} req/s | "
        f"ratio ours/FastAPI {r['reads_per_s'] / r['fastapi_reads_per_s']:.2f}"
    )
    print(
        f"registrations: {r['registrations_per_s']:,.1f}/s sequential | baseline awaited "
        f"log appends {r['baseline_log_appends_per_s']:,.1f}/s | ratio "
        f"{r['registrations_per_s'] / r['baseline_log_appends_per_s']:.2f}"
    )
    print(
        f"rebuild from _schemas with {int(r['schemas']):,} schemas: {r['rebuild_s']:.2f} s | "
        f"baseline raw consume {r['baseline_raw_consume_s']:.2f} s | ratio "
        f"{r['rebuild_s'] / r['baseline_raw_consume_s']:.2f}"
    )
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
