"""HTTP ingest benchmark: durable single-event req/s (p50/p99) and batch events/s.

One run measures, against a real Kafka broker and the real registry:
  * baseline: raw encode + produce of order.placed events in-process (the API's encoder +
    DurableProducer.send_in under one DeliveryGroup, acks=all, idempotent, every delivery
    awaited) -> events/s and CPU us per event;
  * ceiling: the same single-event load against a trivial ASGI endpoint on the same server
    stack (uvicorn, 1 worker) -> the req/s no endpoint on this stack can exceed here;
  * single: POST /v1/events from a SECOND process over loopback, N keep-alive connections,
    every answer is a 202 sent after Kafka acknowledged -> req/s, p50, p99;
  * batch: POST /v1/events:batch (B events per request) from the second process -> events/s,
    with 1 worker and again with --batch-workers (default 2);
  * pieces: CPU us per event of the envelope check, payload check and Avro encoding
    (fastavro and the API's compiled encoder), in-process.
Each is also printed as a ratio to the baseline measured in the same run.

The API runs as `eventflow serve api --workers 1` in its own process; the load generator and
the trivial endpoint run from bench/http_load.py, each in a process of its own. Without
--bootstrap / --registry the bench starts a LocalBroker and a file-backed registry in a
temporary folder.

Usage: .venv/bin/python bench/http_ingest.py [--duration 10] [--concurrency 32]
       [--batch-size 500] [--batch-concurrency 4] [--raw-events 20000] [--batch-workers 2]
       [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
import uuid
from pathlib import Path
from typing import Any

import httpx

from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka.local._broker import free_port

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas" / "avro"
PEERS = str(Path(__file__).with_name("http_load.py"))  # load generator and ceiling
sys.path.insert(0, str(REPO))

from bench.http_load import API_KEY, order_data  # noqa: E402

# -- orchestration ---------------------------------------------------------------------------


def _wait(url: str, timeout_s: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args!r} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {timeout_s}s; see {log}")


def register_contracts(registry_url: str) -> None:
    """What `eventflow schema register` does (shared types first, with references)."""
    from eventflow.registry._client import RegistryClient
    from eventflow.registry._sync import sync_workspace
    from eventflow.workspace import load_workspace

    with RegistryClient(registry_url) as client:
        sync_workspace(load_workspace(SCHEMAS), client, dry_run=False)


def _encoding(registry_url: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    """order.placed's spec, the API's encoder, its schema and one checked record."""
    from eventflow.producers.http._adapters import RegistryEncoder, catalog_from_workspace
    from eventflow.registry._client import RegistryClient
    from eventflow.workspace import load_workspace

    workspace = load_workspace(SCHEMAS)
    spec = catalog_from_workspace(workspace, "events.raw.v1").get("order.placed")
    schema = workspace.schema_for_event_type("order.placed")
    encoder = RegistryEncoder(RegistryClient(registry_url), {"order.placed": schema})
    payload, _ = spec.converter(order_data("x"), "data")
    now = int(time.time() * 1000)
    envelope = {
        "event_id": str(uuid.uuid4()),
        "event_type": "order.placed",
        "source": "bench",
        "occurred_at": now,
        "received_at": now,
        "correlation_id": "c",
        "causation_id": None,
    }
    record = {"envelope": envelope, "payload": payload, "validation": None, "enrichment": None}
    encoder.encode(spec, record)  # schema id looked up once, compiled encoder checked
    return spec, encoder, schema, record


def raw_baseline(bootstrap: str, registry_url: str, events: int) -> dict[str, Any]:
    """Encode + produce ``events`` order.placed records in-process, await every ack.

    The best raw path the API could take: the API's own encoder (same schema-id lookup,
    same bytes) and ``send_in`` under one :class:`DeliveryGroup` (no future per record).
    """
    from eventflow.kafka._producer import DeliveryGroup, DurableProducer

    spec, encoder, _, record = _encoding(registry_url)
    payload = record["payload"]
    producer = DurableProducer(KafkaCluster(bootstrap), client_id="bench-raw", linger_ms=5)
    group = DeliveryGroup()
    cpu_started, started = time.process_time(), time.perf_counter()
    for i in range(events):
        record["envelope"]["event_id"] = str(uuid.uuid4())
        payload["order_id"] = f"raw-{i}"
        producer.send_in(
            group, "events.raw.v1", encoder.encode(spec, record), key=payload["order_id"].encode()
        )
    if not producer.wait_for(group, 60):
        raise SystemExit(f"raw baseline: {group.pending} of {events} records not acknowledged")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    producer.close()
    if group.failed:
        raise SystemExit(f"raw baseline: {group.failed} deliveries failed: {group.first_error()}")
    return {
        "events": events,
        "seconds": elapsed,
        "events_per_s": events / elapsed,
        "cpu_us_per_event": cpu / events * 1e6,
    }


def pieces(registry_url: str) -> dict[str, float]:
    """CPU us per order.placed event of the hot path's pieces, in-process (min of 5 runs)."""
    import io

    import fastavro

    from eventflow.producers.http._envelope import parse_event
    from eventflow.serde._avro_json import inline_references

    spec, encoder, _schema, record = _encoding(registry_url)
    parsed = fastavro.parse_schema(inline_references(dict(spec.record_schema), spec.named))
    prefix = encoder.encode(spec, record)[:5]

    def encode_fastavro() -> bytes:
        out = io.BytesIO()
        out.write(prefix)
        fastavro.schemaless_writer(out, parsed, record)
        return out.getvalue()

    body = {"event_type": "order.placed", "data": order_data("o-1")}  # as the load sends it
    runs = {
        "envelope": lambda: parse_event(body),
        "payload_check": lambda: spec.converter(body["data"], "data"),
        "encode_fastavro": encode_fastavro,
        "encode_compiled": lambda: encoder.encode(spec, record),
    }
    return {
        name: min(timeit.repeat(fn, number=2000, repeat=5)) / 2000 * 1e6
        for name, fn in runs.items()
    }


def _ticks(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User + system CPU time of a process and its live children (Linux /proc), to cost work
    per request (uvicorn with several workers serves from child processes): all threads,
    and librdkafka's own threads (``rdk:*``) among them."""
    total, rdkafka = _ticks(Path(f"/proc/{pid}/stat")), 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        if (task / "comm").read_text().startswith("rdk:"):
            rdkafka += _ticks(task / "stat")
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        child_total, child_rdkafka = cpu_seconds(int(child))
        total, rdkafka = total + child_total, rdkafka + child_rdkafka
    return total, rdkafka


def run_load(port: int, mode: str, args: argparse.Namespace, api_pid: int) -> dict[str, Any]:
    concurrency = args.concurrency if mode == "single" else args.batch_concurrency
    cpu_before = cpu_seconds(api_pid)
    out = subprocess.run(
        [
            sys.executable,
            PEERS,
            "load",
            str(port),
            mode,
            str(args.duration),
            str(concurrency),
            str(args.batch_size),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.duration + 120,
    )
    result = dict(json.loads(out.stdout))
    events = max(result["events_per_s"] * result["duration_s"], 1)
    cpu_after = cpu_seconds(api_pid)
    # includes the 1 s warm-up, so slightly pessimistic
    result["api_cpu_us_per_event"] = (cpu_after[0] - cpu_before[0]) / events * 1e6
    result["rdkafka_cpu_us_per_event"] = (cpu_after[1] - cpu_before[1]) / events * 1e6
    return result


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(30)


def _line(title: str, r: dict[str, Any], raw: dict[str, Any], *, per: str = "event") -> str:
    rate = (
        f"{r['req_per_s']:,.0f} req/s" if per == "request" else f"{r['events_per_s']:,.0f} events/s"
    )
    return (
        f"{title}: {rate}, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, statuses "
        f"{r['statuses']}, ratio to raw {r['events_per_s'] / raw['events_per_s']:.2f}, "
        f"CPU {r['api_cpu_us_per_event']:.0f} us/{per} "
        f"(librdkafka threads {r['rdkafka_cpu_us_per_event']:.0f})"
    )


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    raw, single, ceiling, parts = (results[k] for k in ("raw", "single", "ceiling", "pieces"))
    conns, batch = f"{args.concurrency} connections", f"x{args.batch_size}"
    more = results.get("batch_workers")
    return "\n".join(
        [
            f"raw encode+produce (in-process, acks=all, send_in): {raw['events_per_s']:,.0f} "
            f"events/s, {raw['cpu_us_per_event']:.0f} us CPU/event",
            _line(
                f"ceiling: trivial ASGI endpoint on uvicorn, 1 worker, {conns}",
                ceiling,
                raw,
                per="request",
            ),
            _line(f"single POST /v1/events, 1 worker, {conns}", single, raw, per="request"),
            _line(
                f"batch POST /v1/events:batch {batch}, 1 worker, {args.batch_concurrency} "
                "connections",
                results["batch"],
                raw,
            ),
            *([_line(f"batch {batch}, {args.batch_workers} workers", more, raw)] if more else []),
            f"single ratio to the trivial-endpoint ceiling "
            f"{single['req_per_s'] / ceiling['req_per_s']:.2f}",
            f"per order.placed event in-process (us): envelope (pydantic EventIn) "
            f"{parts['envelope']:.1f}, payload "
            f"check {parts['payload_check']:.1f}, Avro encode fastavro "
            f"{parts['encode_fastavro']:.1f} / compiled {parts['encode_compiled']:.1f}",
            "goals: single >= 5,000 req/s with p99 <= 25 ms; batch >= 100,000 events/s",
            f"machine: {results['cpus']} CPUs, sum(range(1000)) = "
            f"{results['python_sum_range_1000_us']:.1f} us (about 10 us on an idle modern core)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap")
    parser.add_argument("--registry")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-concurrency", type=int, default=4)
    parser.add_argument("--raw-events", type=int, default=20_000)
    parser.add_argument(
        "--batch-workers", type=int, default=2, help="also batches with N API workers (1: skip)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    from eventflow.kafka._admin import TopicAdmin
    from eventflow.kafka._topics_file import load_topics_file
    from eventflow.kafka.local import LocalBroker
    from eventflow.producers.http._auth import hash_key

    cleanups: list[Any] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        bootstrap = args.bootstrap
        if not bootstrap:
            broker = LocalBroker(
                tmp / "state", port=0, controller_port=0, heap="768m", start_timeout_s=180
            )
            bootstrap = broker.start()
            cleanups.append(broker.stop)
        TopicAdmin(KafkaCluster(bootstrap)).apply(load_topics_file(REPO / "topics.yaml"))
        registry_url = args.registry
        if not registry_url:
            port = free_port()
            log = tmp / "registry.log"
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "eventflow.registry",
                    "--port",
                    str(port),
                    "--storage",
                    "file",
                    "--file",
                    str(tmp / "registry.json"),
                ],
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            cleanups.append(lambda p=proc: _stop(p))
            registry_url = f"http://127.0.0.1:{port}"
            _wait(f"{registry_url}/subjects", 60, proc, log)
        register_contracts(registry_url)

        env = {
            **os.environ,
            "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
            "EVENTFLOW_REGISTRY__URL": registry_url,
            "EVENTFLOW_SCHEMAS_DIR": str(SCHEMAS),
            "EVENTFLOW_API__KEYS": json.dumps([{"name": "bench", "sha256": hash_key(API_KEY)}]),
            "EVENTFLOW_API__RATE_PER_SECOND": "0",
        }

        def start(argv: list[str], name: str, ready: str) -> tuple[int, subprocess.Popen[bytes]]:
            port = free_port()
            log = tmp / f"{name}.log"
            proc = subprocess.Popen(
                [*argv, "--port", str(port)] if name != "trivial" else [*argv, str(port)],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
            cleanups.append(lambda: _stop(proc))
            _wait(f"http://127.0.0.1:{port}{ready}", 60, proc, log)
            return port, proc

        def serve_api(workers: int) -> tuple[int, subprocess.Popen[bytes]]:
            argv = [sys.executable, "-m", "eventflow", "serve", "api", "--workers", str(workers)]
            return start(argv, f"api-{workers}", "/readyz")

        calibration = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
        raw = raw_baseline(bootstrap, registry_url, args.raw_events)
        parts = pieces(registry_url)
        port, trivial = start([sys.executable, PEERS, "trivial"], "trivial", "/")
        ceiling = run_load(port, "single", args, trivial.pid)
        _stop(trivial)
        port, api = serve_api(1)
        single = run_load(port, "single", args, api.pid)
        batch = run_load(port, "batch", args, api.pid)
        _stop(api)
        more = None
        if args.batch_workers > 1:
            port, api = serve_api(args.batch_workers)
            more = run_load(port, "batch", args, api.pid)
            _stop(api)
        results = {
            "raw": raw,
            "single": single,
            "batch": batch,
            "ceiling": ceiling,
            "pieces": parts,
            "batch_workers": more,
            "cpus": os.cpu_count(),
            "python_sum_range_1000_us": calibration,
            "args": {k: str(v) for k, v in vars(args).items()},
        }
        print(report(results, args))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as exc:
                print(f"cleanup failed: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
