"""Pipeline benchmark: end-to-end events/s, each stage vs a pass-through loop, latency p50/p99.

One run, against a real Kafka broker and the real (file-backed) registry, measures:
  * pass-through: the services' own runtime (``ServiceRuntime``: batches in flight, commits)
    and Kafka clients (the services' producer and consumer settings) forwarding each record's
    bytes unchanged (no decode, handler or encode) -> events/s: the baseline;
  * each stage alone, in-process, over the same pre-produced input: validator (raw ->
    validated), enricher (validated -> enriched), writer (enriched -> SQLite) -> events/s, the
    ratio to the pass-through rate, and CPU µs per event (this process, librdkafka's threads
    included; CPU time suffers less from other load on the host than wall time);
  * end to end: `eventflow serve validator|enricher|writer` as three processes (one instance
    each), N raw events produced at once -> events/s until the N-th row is in the database,
    and the CPU µs per event each service process and the broker spent meanwhile (from
    /proc/PID/stat): their sum against the host's cores bounds the end-to-end rate; the
    services run under ``bench/client_stats.py``, so the Kafka requests they sent (produce,
    fetch, offset commit: librdkafka statistics) are reported per 1,000 events too;
  * latency: events produced at a fixed lower rate through the running services; per event
    `stored_at_ms - received_at_ms` of its row (same host clock) -> p50 / p99.
  * the validator's per-event pieces in-process (no Kafka), on the same registry: decode, rules,
    and the re-encode of its output as a full encode (the value engine) vs the splice the
    service uses (CPU µs per event, best of 7 interleaved rounds, the full encode as the baseline);
Events: order.placed, plus one user.registered with a free-text bio (language + sentiment
enrichers) every 50 events. The contracts are registered as `eventflow schema register` does
(``register_contracts``: metadata and the declared CEL domain rules), and the events carry
those schema ids, so the validator evaluates the registered CEL rules and the code rules
(``--no-rules``: ids registered without CEL rules; the code rules still run). Trees before
the rules files (issue 16) register an empty rule set and evaluate the same business rules
from the YAML rule files instead.
Also printed: the load average before and after, and the machine's calibration (CPU µs of
``sum(range(1000))``), so runs on different machines or loads can be told apart.

Usage: .venv/bin/python bench/pipeline_e2e.py [--events 30000] [--rate 200] [--seconds 10]
       [--bootstrap HOST:PORT] [--registry URL] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.pipeline_support import (  # noqa: E402
    SCHEMAS,
    Events,
    Lane,
    ServiceProcess,
    make_lane,
    produce,
    register_contracts,
    wait_until,
)

from bench.client_stats import request_counts, snapshot  # noqa: E402
from eventflow.config import PipelineSettings  # noqa: E402
from eventflow.consumers import ServiceRuntime, ServiceSpec  # noqa: E402
from eventflow.consumers._codec import RegistryCodec  # noqa: E402
from eventflow.consumers._outcome import Forward, InputEvent, Outcome  # noqa: E402
from eventflow.consumers._persistence import SqliteStore  # noqa: E402
from eventflow.consumers._services import build_service  # noqa: E402
from eventflow.consumers._validator import (  # noqa: E402
    RegisteredRules,
    Validator,
    load_code_rules,
)
from eventflow.events import DeadLetter  # noqa: E402
from eventflow.kafka import (  # noqa: E402
    pipeline_consumer_properties,
    pipeline_producer_properties,
)
from eventflow.kafka._admin import TopicAdmin  # noqa: E402
from eventflow.kafka._client_config import KafkaCluster  # noqa: E402
from eventflow.kafka._consumer import ConsumedRecord, GroupConsumer  # noqa: E402
from eventflow.kafka._producer import DurableProducer  # noqa: E402
from eventflow.kafka._topics_file import TopicSpec  # noqa: E402
from eventflow.kafka.local import LocalBroker  # noqa: E402
from eventflow.kafka.local._broker import free_port  # noqa: E402
from eventflow.registry._client import RegistryClient  # noqa: E402
from eventflow.workspace import load_workspace  # noqa: E402

BROKER_PID: list[int] = []  # the broker this run started (none with --bootstrap)
STATS_INTERVAL_S = 0.5  # bench/client_stats.py's default statistics.interval.ms


def start_stack(
    tmp: Path, bootstrap: str | None, registry: str | None
) -> tuple[str, str, list[Any]]:
    stops: list[Any] = []
    if bootstrap is None:
        broker = LocalBroker(
            tmp / "kafka", port=0, controller_port=0, heap="768m", start_timeout_s=180
        )
        bootstrap = broker.start()
        stops.append(broker.stop)
        BROKER_PID.append(broker.status().pid or 0)
    if registry is None:
        port = free_port()
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
                str(tmp / "schemas.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def stop_registry() -> None:
            proc.terminate()
            proc.wait(10)

        stops.append(stop_registry)
        registry = f"http://127.0.0.1:{port}"
        import httpx

        def answers() -> bool:
            try:
                return httpx.get(f"{registry}/subjects", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answers, 60, "the registry")
    return bootstrap, registry, stops


def make_events(registry: str, n: int, tag: str, *, rules: bool) -> list[tuple[bytes, bytes]]:
    events = Events(registry, rules=rules)
    out = []
    for i in range(n):
        if i % 50 == 0:
            _id, key, value = events.user(f"{tag}-u{i}", "What a lovely day, I am happy to join!")
        else:
            _id, key, value = events.order(f"{tag}-o{i}")
        out.append((key, value))
    return out


class _Bytes:
    """A codec that decodes nothing and forwards each record's bytes unchanged."""

    def decode_split(self, data: bytes) -> tuple[int, dict[str, Any], int | None]:  # noqa: ARG002
        return 0, {}, None

    def encode(self, schema_id: int, value: dict[str, Any], **kw: Any) -> bytes:  # noqa: ARG002
        source: bytes = kw["source"]
        return source

    def encode_dead_letter(self, letter: DeadLetter) -> bytes:  # noqa: ARG002
        raise AssertionError("the pass-through dead-letters nothing")


class _Forward:
    def handle(self, event: InputEvent) -> Outcome:
        return Forward(event.value)


def passthrough_rate(bootstrap: str, source: str, n: int) -> tuple[float, float]:
    """(events/s, CPU µs/event) of the services' runtime forwarding bytes unchanged."""
    sink = f"bench-pass-{uuid.uuid4().hex[:8]}"
    cluster = KafkaCluster(bootstrap)
    TopicAdmin(cluster).apply([TopicSpec(sink, 3, 1, {})])
    settings = PipelineSettings()
    group = f"bench-pass-{uuid.uuid4().hex[:8]}"
    consumer = GroupConsumer(
        cluster, group, [source], extra=pipeline_consumer_properties(settings.consumer)
    )
    producer = DurableProducer(
        cluster, extra=pipeline_producer_properties(settings.producer), background_poll=False
    )
    spec = ServiceSpec(
        service="bench-pass",
        group=group,
        input_topic=source,
        output_topic=sink,
        batch_size=settings.batch_size,
        max_batches_in_flight=settings.max_batches_in_flight,
        commit_interval_s=settings.commit_interval_ms / 1000,
    )
    runtime = ServiceRuntime(
        spec, source=consumer, producer=producer, codec=_Bytes(), handler=_Forward()
    )
    done = 0
    started = cpu = None
    while done < n:
        got = runtime.run_once()
        if got and started is None:
            started, cpu = time.perf_counter(), time.process_time()
        done += got
    runtime.finish()
    elapsed = time.perf_counter() - (started or time.perf_counter())
    cpu_us = (time.process_time() - (cpu or time.process_time())) / n * 1e6
    consumer.close()
    producer.close()
    return n / elapsed, cpu_us


def stage_rate(lane: Lane, kind: str, n: int) -> tuple[float, float]:
    """(events/s, CPU µs/event) of one service's runtime, in this process."""
    built = build_service(kind, lane.settings(), cluster=KafkaCluster(lane.bootstrap))  # type: ignore[arg-type]
    runtime = built.runtime
    started = cpu = None
    consumed = 0
    try:
        while consumed < n:
            got = runtime.run_once()
            if got and started is None:
                started, cpu = time.perf_counter(), time.process_time()
            consumed += got
        runtime.finish()  # the batches still in flight are part of the work
        cpu_us = (time.process_time() - (cpu or time.process_time())) / n * 1e6
        return n / (time.perf_counter() - (started or time.perf_counter())), cpu_us
    finally:
        built.close()


def codec_costs(registry: str, rounds: int = 7, n: int = 2000) -> dict[str, float]:
    """CPU µs per order.placed event of the validator's pieces, best of ``rounds``."""
    _id, key, raw = Events(registry, rules=True).order("codec-bench")
    full = RegistryCodec(RegistryClient(registry))
    split = RegistryCodec(RegistryClient(registry), tail_from="validation")
    validator = Validator(
        contract_rules=RegisteredRules(RegistryClient(registry)),
        code_rules=load_code_rules(load_workspace(SCHEMAS).contracts),
    )
    record = ConsumedRecord("raw", 0, 0, key, raw, (), 0)
    schema_id, value, head_end = split.decode_split(raw)
    event = InputEvent(record, schema_id, value, head_end)
    forward = validator.handle(event)
    if not isinstance(forward, Forward):
        raise AssertionError(f"the bench event does not pass the rules: {forward}")
    spliced = split.encode(
        schema_id, forward.value, source=raw, head_end=head_end, changed=forward.changed
    )
    if spliced != full.encode(schema_id, forward.value):
        raise AssertionError("the splice differs from the full encode")
    pieces = {
        "decode (whole record)": lambda: full.decode(raw),
        "decode (two parts, as the validator)": lambda: split.decode_split(raw),
        "rules (order.placed: 7 CEL, 1 code rule)": lambda: validator.handle(event),
        "encode (full, baseline)": lambda: full.encode(schema_id, forward.value),
        "encode (splice, as the validator)": lambda: split.encode(
            schema_id, forward.value, source=raw, head_end=head_end, changed=forward.changed
        ),
    }
    costs = dict.fromkeys(pieces, float("inf"))
    for _ in range(rounds):  # rounds interleave the pieces: a burst of load hits them alike
        for name, piece in pieces.items():
            started = time.process_time()
            for _ in range(n):
                piece()
            costs[name] = min(costs[name], (time.process_time() - started) / n * 1e6)
    return costs


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (every thread) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_seconds() -> float | None:
    """CPU seconds of the broker this run started so far (None with --bootstrap)."""
    return cpu_seconds(BROKER_PID[0]) if BROKER_PID else None


def per_event(mark: float | None, n: int) -> tuple[float, float | None]:
    """(broker CPU µs per event since ``mark``, a new mark); NaN without a broker of ours."""
    now = broker_seconds()
    if mark is None or now is None:
        return float("nan"), now
    return (now - mark) / n * 1e6, now


def broker_note(broker_cpu: dict[str, float], run: str) -> str:
    value = broker_cpu[run]
    return "" if value != value else f" (+ broker {value:.0f})"  # NaN: not measured


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--rate", type=int, default=200, help="events/s for the latency run")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bootstrap")
    parser.add_argument("--registry")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--no-rules",
        action="store_true",
        help="events registered without their CEL rules (the code rules still run)",
    )
    args = parser.parse_args()
    n = args.events
    load_before = os.getloadavg()
    calibration = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(
        f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"calibration sum(range(1000)) {calibration:.1f} µs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="eventflow-bench-pipeline-") as tmpdir:
        tmp = Path(tmpdir)
        bootstrap, registry, stops = start_stack(tmp, args.bootstrap, args.registry)
        try:
            register_contracts(registry)
            codec = codec_costs(registry)
            baseline = codec["encode (full, baseline)"]
            for name, cost in codec.items():
                print(
                    f"in-process {name}: {cost:.1f} CPU µs/event = "
                    f"{cost / baseline:.2f}x the full encode",
                    flush=True,
                )
            print(f"encoding {n} events …", flush=True)
            data = make_events(registry, n, "s", rules=not args.no_rules)
            # ---- stages alone, in-process, on the same input -----------------------------
            lane = make_lane(bootstrap, registry, tmp / "stages")
            (tmp / "stages").mkdir(exist_ok=True)
            produce(bootstrap, lane.raw, data)
            broker_cpu: dict[str, float] = {}  # broker CPU µs/event during each run
            mark = broker_seconds()
            base, base_cpu = passthrough_rate(bootstrap, lane.raw, n)
            broker_cpu["pass-through"], mark = per_event(mark, n)
            print(
                f"pass-through consume->produce->commit: {base:,.0f} events/s, "
                f"{base_cpu:.0f} CPU µs/event{broker_note(broker_cpu, 'pass-through')}",
                flush=True,
            )
            stages, stages_cpu = {}, {}
            for kind in ("validator", "enricher", "writer"):
                stages[kind], stages_cpu[kind] = stage_rate(lane, kind, n)
                broker_cpu[kind], mark = per_event(mark, n)
                print(
                    f"{kind:<10} alone: {stages[kind]:,.0f} events/s = "
                    f"{stages[kind] / base:.2f}x pass-through, "
                    f"{stages_cpu[kind]:.0f} CPU µs/event{broker_note(broker_cpu, kind)}",
                    flush=True,
                )
            # ---- end to end, one process per service ------------------------------------
            e2e_dir = tmp / "e2e"
            e2e_dir.mkdir()
            lane2 = make_lane(bootstrap, registry, e2e_dir)
            stats_dir = e2e_dir / "client-stats"
            wrapper = [str(REPO / "bench" / "client_stats.py"), str(stats_dir)]
            services = [
                ServiceProcess(k, lane2, wrapper=wrapper)
                for k in ("validator", "enricher", "writer")
            ]
            store = SqliteStore(lane2.db_path)
            try:
                for service in services:
                    service.wait_ready()
                e2e_data = make_events(registry, n, "e", rules=not args.no_rules)
                pids = {s.kind: s.process.pid for s in services}
                if BROKER_PID:
                    pids["broker"] = BROKER_PID[0]
                time.sleep(2 * STATS_INTERVAL_S)  # every client has written its statistics
                stats_before = snapshot(stats_dir)
                cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                started = time.perf_counter()
                produce(bootstrap, lane2.raw, e2e_data)
                wait_until(lambda: store.count() >= n, 900, f"{n} rows", interval=0.1)
                e2e = n / (time.perf_counter() - started)
                e2e_cpu = {
                    name: (cpu_seconds(pid) - cpu_before[name]) / n * 1e6
                    for name, pid in pids.items()
                }
                time.sleep(2 * STATS_INTERVAL_S)
                requests = {
                    kind: round(count / n * 1000, 2)
                    for kind, count in sorted(
                        request_counts(stats_before, snapshot(stats_dir)).items()
                    )
                    if count
                }
                print(
                    f"end to end (3 services, 1 instance each): {e2e:,.0f} events/s "
                    f"({e2e / base:.2f}x pass-through; issue 14's goal: 2x the previous main, "
                    "broker at most 40 CPU µs/event)",
                    flush=True,
                )
                print(
                    "  the services' Kafka requests per 1,000 events (librdkafka statistics): "
                    + ", ".join(f"{kind} {count}" for kind, count in requests.items()),
                    flush=True,
                )
                total_cpu = sum(e2e_cpu.values())
                print(
                    "  CPU µs/event meanwhile: "
                    + ", ".join(f"{k} {v:.0f}" for k, v in e2e_cpu.items())
                    + f"; sum {total_cpu:.0f} -> at most {os.cpu_count() or 1} cores x 1e6 / "
                    f"{total_cpu:.0f} = {(os.cpu_count() or 1) * 1e6 / total_cpu:,.0f} events/s "
                    "on this host",
                    flush=True,
                )
                # ---- latency at a fixed lower rate ---------------------------------------
                events = Events(registry, rules=not args.no_rules)
                total = int(args.rate * args.seconds)
                producer = DurableProducer(KafkaCluster(bootstrap), linger_ms=1)
                ids = []
                t0 = time.perf_counter()
                for i in range(total):
                    due = t0 + i / args.rate
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    event_id, key, value = events.order(f"lat-{i}")  # received_at = now
                    ids.append(event_id)
                    producer.send(lane2.raw, value, key=key)
                producer.close()
                wait_until(lambda: store.count(ids) >= total, 300, "latency events", 0.2)
                lat = []
                for event_id in ids:
                    row = store.get(event_id)
                    assert row is not None
                    lat.append(float(row["stored_at_ms"] - row["received_at_ms"]))
                p50, p99 = percentile(lat, 0.50), percentile(lat, 0.99)
                print(
                    f"latency at {args.rate}/s for {args.seconds:.0f}s (HTTP-accept clock to "
                    f"row committed): p50 {p50:.0f} ms, p99 {p99:.0f} ms "
                    f"(mean {statistics.fmean(lat):.0f} ms)",
                    flush=True,
                )
            finally:
                for service in services:
                    service.stop()
                store.close()
            load_after = os.getloadavg()
            print(
                f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}",
                flush=True,
            )
            result = {
                "events": n,
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
                "python_sum_range_1000_us": round(calibration, 2),
                "passthrough_eps": round(base),
                "stages_eps": {k: round(v) for k, v in stages.items()},
                "stages_ratio": {k: round(v / base, 3) for k, v in stages.items()},
                "passthrough_cpu_us": round(base_cpu, 1),
                "stages_cpu_us": {k: round(v, 1) for k, v in stages_cpu.items()},
                "e2e_eps": round(e2e),
                "e2e_cpu_us": {k: round(v, 1) for k, v in e2e_cpu.items()},
                "e2e_requests_per_1000_events": requests,
                "broker_cpu_us_alone": {k: round(v, 1) for k, v in broker_cpu.items()},
                "validator_pieces_cpu_us": {k: round(v, 1) for k, v in codec.items()},
                "latency_rate": args.rate,
                "latency_p50_ms": p50,
                "latency_p99_ms": p99,
            }
            print(json.dumps(result))
            if args.json:
                args.json.write_text(json.dumps(result, indent=2) + "\n")
        finally:
            for stop in reversed(stops):
                stop()


if __name__ == "__main__":
    main()
