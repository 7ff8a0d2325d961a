"""Foundation benchmark: the local broker and raw confluent-kafka throughput against it.

Measures, in one run:
  * `eventflow dev up` until a produce is acknowledged: cold (empty jar cache and empty Maven
    repository: everything downloaded from Maven Central) and warm (cached jars, existing data);
  * broker RSS after start and after the throughput runs;
  * raw produce rate (acks=all, idempotent, 300-byte values, 3 partitions) and consume rate
    with a consumer group. These are the limits later benchmarks are compared against.

Usage: .venv/bin/python bench/broker_baseline.py [--messages 200000] [--skip-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

REPO = Path(__file__).resolve().parents[1]


def dev(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eventflow", "dev", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def up_until_produce(env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = dev(["up"], env)
    if result.returncode != 0:
        raise SystemExit(f"dev up failed: {result.stdout}{result.stderr}")
    state = Path(env["EVENTFLOW_DEV__STATE_DIR"]) / "kafka" / "broker.json"
    bootstrap = f"127.0.0.1:{json.loads(state.read_text())['port']}"
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    producer.produce("events.raw.v1", value=b"hello")
    if producer.flush(60) != 0:
        raise SystemExit("first produce was not acknowledged")
    return time.perf_counter() - started, bootstrap


def rss_mb(state_dir: Path) -> float:
    pid = (state_dir / "kafka" / "broker.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def produce_rate(bootstrap: str, topic: str, n: int) -> float:
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "batch.num.messages": 10000,
            "queue.buffering.max.messages": 500000,
        }
    )
    value = os.urandom(150).hex().encode()  # 300 bytes
    errors = 0

    def on_delivery(err, _msg):
        nonlocal errors
        if err is not None:
            errors += 1

    started = time.perf_counter()
    for i in range(n):
        while True:
            try:
                producer.produce(topic, value=value, key=str(i).encode(), on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
        if i % 1000 == 0:
            producer.poll(0)
    producer.flush(120)
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{errors} deliveries failed")
    return n / elapsed


def consume_rate(bootstrap: str, topic: str, n: int) -> float:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "fetch.max.bytes": 52428800,
        }
    )
    consumer.subscribe([topic])
    got = 0
    started = None
    while got < n:
        batch = consumer.consume(10000, 1.0)
        if batch and started is None:
            started = time.perf_counter()
        got += sum(1 for m in batch if m.error() is None)
    elapsed = time.perf_counter() - (started or time.perf_counter())
    consumer.commit(asynchronous=False)
    consumer.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = dict(
            os.environ, EVENTFLOW_DEV__STATE_DIR=str(tmp / "state"), EVENTFLOW_DEV__KAFKA_PORT="0"
        )
        try:
            if not args.skip_cold:
                cold_env = dict(
                    env,
                    EVENTFLOW_CACHE_DIR=str(tmp / "cache"),
                    MAVEN_OPTS=f"-Dmaven.repo.local={tmp / 'm2'}",
                )
                results["cold_up_s"], _ = up_until_produce(cold_env)
                dev(["down"], env)
            results["warm_up_s"], bootstrap = up_until_produce(env)
            results["rss_after_start_mb"] = rss_mb(tmp / "state")
            topic = f"bench.{uuid.uuid4().hex[:6]}"
            admin = AdminClient({"bootstrap.servers": bootstrap})  # keep alive until done
            futures = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
            futures[topic].result(30)
            results["produce_msgs_per_s"] = produce_rate(bootstrap, topic, args.messages)
            results["consume_msgs_per_s"] = consume_rate(bootstrap, topic, args.messages)
            results["rss_after_load_mb"] = rss_mb(tmp / "state")
        finally:
            dev(["down"], env)
    mb = 300 / 1e6
    print(f"messages: {args.messages} x 300 B, 3 partitions, acks=all, idempotent")
    if "cold_up_s" in results:
        print(f"dev up -> first acked produce, cold (download): {results['cold_up_s']:.1f} s")
    print(f"dev up -> first acked produce, warm:            {results['warm_up_s']:.1f} s")
    if "cold_up_s" in results:
        print(f"  cold / warm ratio: {results['cold_up_s'] / results['warm_up_s']:.1f}x")
    print(
        f"broker RSS after start: {results['rss_after_start_mb']:.0f} MiB, "
        f"after load: {results['rss_after_load_mb']:.0f} MiB"
    )
    p, c = results["produce_msgs_per_s"], results["consume_msgs_per_s"]
    print(f"raw produce: {p:,.0f} msg/s ({p * mb:.1f} MB/s)")
    print(f"raw consume: {c:,.0f} msg/s ({c * mb:.1f} MB/s); consume/produce ratio {c / p:.2f}")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "broker_baseline.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
