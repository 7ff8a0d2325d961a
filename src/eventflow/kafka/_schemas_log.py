"""The schema registry's log on Kafka: the single-partition compacted ``_schemas`` topic.

Fits the registry's ``SchemaLog`` port structurally: the registry imports this module, never
the other way round. Appends with an idempotent ``acks=all`` producer and returns the offset
only once the broker has it; reads with a group-less consumer assigned to partition 0 from the
beginning (every instance replays the whole log).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._client_config import KafkaCluster, client_config
from eventflow.kafka._topics_file import TopicSpec

DEFAULT_TOPIC = "_schemas"


@dataclass(frozen=True)
class SchemaLogRecord:
    """One record of the log: its offset (``position``), key and value (``None``: tombstone)."""

    position: int
    key: bytes
    value: bytes | None


class KafkaSchemaLog:
    """``SchemaLog`` over one Kafka topic partition; positions are offsets."""

    def __init__(
        self, cluster: KafkaCluster, topic: str = DEFAULT_TOPIC, *, timeout_s: float = 30.0
    ) -> None:
        self._cluster = cluster
        self._topic = topic
        self._timeout = timeout_s
        self._partition = TopicPartition(topic, 0)
        ensure_schemas_topic(cluster, topic, timeout_s)
        timeout_ms = int(timeout_s * 1000)
        producer_role = {
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 0,
            "message.timeout.ms": timeout_ms,
        }
        self._producer = Producer(client_config(cluster, producer_role))
        tail_role = {
            "group.id": f"eventflow-registry-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
            "fetch.wait.max.ms": 50,
        }
        self._consumer = Consumer(client_config(cluster, tail_role))
        self._consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        # A second handle for end offsets: the tailing one is busy in consume() on its thread.
        marks_role = {
            "group.id": f"eventflow-registry-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
        self._watermarks = Consumer(client_config(cluster, marks_role))
        self._produce_lock = threading.Lock()

    def append(self, key: bytes, value: bytes | None) -> int:
        outcome: dict[str, object] = {}
        done = threading.Event()

        def delivered(err: KafkaError | None, msg: object) -> None:
            outcome["error"] = err
            outcome["offset"] = None if err is not None else msg.offset()  # type: ignore[attr-defined]
            done.set()

        with self._produce_lock:
            try:
                self._producer.produce(
                    self._topic, key=key, value=value, partition=0, on_delivery=delivered
                )
            except (KafkaException, BufferError) as exc:
                raise self._failed(exc) from exc
            self._producer.flush(self._timeout)
        if not done.is_set() or outcome.get("error") is not None:
            raise self._failed(outcome.get("error") or "delivery timed out")
        offset = outcome.get("offset")
        if not isinstance(offset, int):
            raise self._failed("no offset in the delivery report")
        return offset

    def append_many(self, records: Sequence[tuple[bytes, bytes | None]]) -> int:
        """Write a batch durably (one flush); return the last offset. For bulk loads/import."""
        failures: list[object] = []
        last = -1

        def delivered(err: KafkaError | None, msg: object) -> None:
            nonlocal last
            if err is not None:
                failures.append(err)
            else:
                last = max(last, msg.offset() or 0)  # type: ignore[attr-defined]

        with self._produce_lock:
            for key, value in records:
                while True:
                    try:
                        self._producer.produce(
                            self._topic, key=key, value=value, partition=0, on_delivery=delivered
                        )
                        break
                    except BufferError:
                        self._producer.poll(0.1)
            remaining = self._producer.flush(self._timeout)
        if failures or remaining:
            raise self._failed(failures[0] if failures else "delivery timed out")
        return last

    def end_position(self) -> int:
        try:
            _, high = self._watermarks.get_watermark_offsets(self._partition, timeout=self._timeout)
        except KafkaException as exc:
            raise self._failed(exc) from exc
        return int(high)

    def read(self, timeout_s: float) -> list[SchemaLogRecord]:
        first = self._consumer.poll(timeout_s)  # returns as soon as one record is there
        if first is None:
            return []
        messages = [first, *self._consumer.consume(num_messages=999, timeout=0)]
        out: list[SchemaLogRecord] = []
        for msg in messages:
            error = msg.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:  # noqa: SLF001 - public constant
                    continue
                raise self._failed(error)
            offset = msg.offset()
            if offset is not None:
                out.append(SchemaLogRecord(offset, bytes(msg.key() or b""), msg.value()))
        return out

    def read_position(self) -> int:
        """Next offset to fetch (moves past offsets that compaction removed)."""
        positions = self._consumer.position([self._partition])
        offset = positions[0].offset if positions else -1
        return offset if offset >= 0 else 0

    def close(self) -> None:
        self._producer.flush(self._timeout)
        self._consumer.close()
        self._watermarks.close()

    def _failed(self, cause: object) -> BrokerError:
        return BrokerError(
            f"schema log {self._topic} on Kafka at {self._cluster}: {cause}",
            code=ErrorCode.REGISTRY_STORE_FAILED,
        )


def ensure_schemas_topic(cluster: KafkaCluster, topic: str, timeout_s: float) -> None:
    """Create ``topic`` (1 partition, compacted) if missing; refuse one that is not so."""
    admin = TopicAdmin(cluster, timeout_s=timeout_s)
    spec = TopicSpec(
        topic, partitions=1, replication_factor=1, config={"cleanup.policy": "compact"}
    )
    result = admin.apply([spec])
    if topic in result.created:
        return
    existing = admin.existing([topic])[topic]
    if existing.partitions != 1:
        raise BrokerError(
            f"topic {topic} has {existing.partitions} partitions; the schema "
            "log needs exactly 1 (choose another topic with --topic)",
            code=ErrorCode.REGISTRY_STORE_FAILED,
        )
    policy = existing.config.get("cleanup.policy", "")
    if "compact" not in policy or "delete" in policy:
        raise BrokerError(
            f"topic {topic} has cleanup.policy={policy}; the schema log needs "
            "compact (deleting old records would lose schemas)",
            code=ErrorCode.REGISTRY_STORE_FAILED,
        )
