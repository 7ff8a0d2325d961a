"""The foundation's integration tests: real Kafka, real topics, real consumer groups."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

pytestmark = pytest.mark.integration


def test_declared_topics_exist_with_declared_partition_counts(kafka_bootstrap, topic_specs):
    metadata = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10)
    counts = {spec.name: len(metadata.topics[spec.name].partitions) for spec in topic_specs}
    assert counts == {
        "events.raw.v1": 3,
        "events.validated.v1": 3,
        "events.enriched.v1": 3,
        "events.dlq.v1": 1,
    }


def _produce_idempotent(bootstrap: str, topic: str, keys: list[str]) -> None:
    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 5}
    )
    failures: list[str] = []

    def on_delivery(err, msg):
        if err is not None:
            failures.append(str(err))

    for key in keys:
        producer.produce(
            topic, key=key.encode(), value=f"value-{key}".encode(), on_delivery=on_delivery
        )
    assert producer.flush(30) == 0
    assert failures == []


def _consumer(bootstrap: str, group: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )


def test_idempotent_produce_then_group_consume_reads_everything_back(kafka_bootstrap):
    topic = "events.raw.v1"
    run = uuid.uuid4().hex[:8]
    keys = [f"{run}-{i}" for i in range(300)]
    _produce_idempotent(kafka_bootstrap, topic, keys)

    consumer = _consumer(kafka_bootstrap, f"it-{run}")
    consumer.subscribe([topic])
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 60
    while len(seen) < len(keys) and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        key = (msg.key() or b"").decode()
        partition = msg.partition()
        if key.startswith(run) and partition is not None:
            seen[key] = partition
            assert msg.value() == f"value-{key}".encode()
    consumer.commit(asynchronous=False)
    consumer.close()
    assert sorted(seen) == sorted(keys)
    assert set(seen.values()) == {0, 1, 2}, "keys should spread over the 3 partitions"


def _assignment_after_poll(consumer: Consumer, want: int, timeout: float = 60) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        consumer.poll(0.2)
        parts = {tp.partition for tp in consumer.assignment()}
        if len(parts) == want:
            return parts
    return {tp.partition for tp in consumer.assignment()}


def test_two_consumers_split_partitions_and_take_over_when_one_leaves(kafka_bootstrap):
    topic = "events.validated.v1"
    group = f"it-split-{uuid.uuid4().hex[:8]}"
    first, second = _consumer(kafka_bootstrap, group), _consumer(kafka_bootstrap, group)
    first.subscribe([topic])
    second.subscribe([topic])
    deadline = time.monotonic() + 90
    a: set[int] = set()
    b: set[int] = set()
    while time.monotonic() < deadline:
        first.poll(0.2)
        second.poll(0.2)
        a = {tp.partition for tp in first.assignment()}
        b = {tp.partition for tp in second.assignment()}
        if a and b and len(a | b) == 3:
            break
    assert a and b, f"both members should own partitions, got {a} and {b}"
    assert a.isdisjoint(b) and a | b == {0, 1, 2}

    second.close()  # leaves the group: the survivor must take over all three
    assert _assignment_after_poll(first, 3) == {0, 1, 2}

    # and it really consumes from a partition that used to belong to the other member
    moved = next(iter(b))
    producer = Producer(
        {"bootstrap.servers": kafka_bootstrap, "acks": "all", "enable.idempotence": True}
    )
    marker = f"takeover-{uuid.uuid4().hex}".encode()
    producer.produce(topic, value=marker, partition=moved)
    assert producer.flush(30) == 0
    got = None
    deadline = time.monotonic() + 60
    while got is None and time.monotonic() < deadline:
        msg = first.poll(0.5)
        if msg is not None and not msg.error() and msg.value() == marker:
            got = msg.partition()
    first.close()
    assert got == moved
