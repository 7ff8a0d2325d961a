"""Kafka consumer adapter: group consumption with manual commits, plus offset tools.

``GroupConsumer`` is what the pipeline runtime drives: batches of plain
:class:`ConsumedRecord` values, commits of explicit offsets (synchronous or asynchronous: a
failed asynchronous commit is logged), pause/seek/resume,
rebalance callbacks and lag. The module-level helpers serve the operator tools (replay, dlq,
trace): read a topic range without a group, find offsets by time, and set a group's committed
offsets while it has no members.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka._client_config import KafkaCluster, client_config
from eventflow.kafka._client_log import CLIENT_LOG, log_client_error
from eventflow.kafka._refusals import RefusalWatch, metadata_or_refusal

Partition = tuple[str, int]
log = logging.getLogger("eventflow.kafka")
BATCH_WINDOW_S = 0.005  # after the first record of a batch, how long to wait for more
RebalanceCallback = Callable[[list[Partition]], None]


@dataclass(frozen=True, slots=True)
class ConsumedRecord:
    """One record as read from Kafka, detached from librdkafka."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]
    timestamp_ms: int


class ConsumerFailed(BrokerError):
    """The consumer hit a non-recoverable error (authorization, fatal, unknown topic)."""

    code = ErrorCode.BROKER_UNREACHABLE


def _to_record(msg: Message) -> ConsumedRecord:
    raw_headers: Any = msg.headers() or []
    _kind, timestamp = msg.timestamp()
    return ConsumedRecord(
        topic=msg.topic() or "",
        partition=int(msg.partition() or 0),
        offset=int(msg.offset() or 0),
        key=msg.key(),
        value=msg.value(),
        headers=tuple((str(k), v if v is None else bytes(v)) for k, v in raw_headers),
        timestamp_ms=int(timestamp),
    )


def _group_role(group_id: str) -> dict[str, Any]:
    return {
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
    }


class GroupConsumer:
    """A member of one consumer group; commits only what the caller says is done."""

    def __init__(
        self,
        cluster: KafkaCluster,
        group_id: str,
        topics: Sequence[str],
        *,
        client_id: str | None = None,
        on_assign: RebalanceCallback | None = None,
        on_revoke: RebalanceCallback | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        config = _group_role(group_id)
        config.update(
            {
                "session.timeout.ms": 10_000,
                "heartbeat.interval.ms": 1_000,
                "fetch.wait.max.ms": 100,
                "queued.min.messages": 20_000,
                # a service's consumer reports broker trouble where operators look
                "logger": CLIENT_LOG,
                "error_cb": log_client_error,
                "on_commit": _log_failed_commit,
            }
        )
        config.update(extra or {})
        self.group_id = group_id
        self._consumer = Consumer(client_config(cluster, config, client_id=client_id))
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._assigned: set[Partition] = set()
        self._consumer.subscribe(
            list(topics),
            on_assign=self._assigned_cb,
            on_revoke=self._revoked_cb,
            on_lost=self._revoked_cb,
        )

    def _assigned_cb(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        parts = [(tp.topic, tp.partition) for tp in partitions]
        self._assigned.update(parts)
        if self._on_assign is not None:
            self._on_assign(parts)

    def _revoked_cb(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        parts = [(tp.topic, tp.partition) for tp in partitions]
        if self._on_revoke is not None:
            self._on_revoke(parts)
        self._assigned.difference_update(parts)

    def poll_batch(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        """Up to ``max_records`` records; an empty list when nothing arrived in time.

        Whatever is already fetched is returned at once; when nothing is, wait up to
        ``timeout_s`` for the first record and then at most ``BATCH_WINDOW_S`` for more. So a
        batch never waits for ``max_records`` to fill: low latency at low rates, big batches
        (cheap commits) at high rates.
        """
        try:
            messages = self._consumer.consume(num_messages=max_records, timeout=0)
            if not messages:
                first = self._consumer.poll(timeout_s)
                if first is None:
                    return []
                messages = [first]
                if max_records > 1:
                    messages += self._consumer.consume(
                        num_messages=max_records - 1, timeout=BATCH_WINDOW_S
                    )
        except KafkaException as exc:
            raise ConsumerFailed(f"consume failed: {exc.args[0]}") from exc
        out: list[ConsumedRecord] = []
        for msg in messages:
            err = msg.error()
            if err is None:
                out.append(_to_record(msg))
            elif err.fatal() or err.code() in (
                KafkaError.TOPIC_AUTHORIZATION_FAILED,
                KafkaError.GROUP_AUTHORIZATION_FAILED,
            ):
                raise ConsumerFailed(f"consumer error: {err.str()}")
            # other errors (transport hiccups, partition EOF) are informational: librdkafka retries
        return out

    def commit(self, offsets: Mapping[Partition, int], *, asynchronous: bool = False) -> None:
        """Commit ``offsets`` (the NEXT offset to read, per partition). Asynchronously: the
        request is sent in the background and its outcome served by a later poll (a failure
        is logged; the records are then read again by the partition's next owner)."""
        if not offsets:
            return
        tps = [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        try:
            if asynchronous:
                self._consumer.commit(offsets=tps, asynchronous=True)
            else:
                self._consumer.commit(offsets=tps, asynchronous=False)
        except KafkaException as exc:
            raise BrokerError(
                f"commit of {len(tps)} partition offset(s) failed: {exc.args[0]}",
                code=ErrorCode.BROKER_UNREACHABLE,
            ) from exc

    def assignment(self) -> list[Partition]:
        return sorted(self._assigned)

    def pause(self, partitions: Sequence[Partition]) -> None:
        if partitions:
            self._consumer.pause([TopicPartition(t, p) for t, p in partitions])

    def resume(self, partitions: Sequence[Partition]) -> None:
        if partitions:
            self._consumer.resume([TopicPartition(t, p) for t, p in partitions])

    def seek(self, partition: Partition, offset: int) -> bool:
        """Rewind/advance a partition this member owns; False when it is not owned any more."""
        if partition not in self._assigned:
            return False
        try:
            self._consumer.seek(TopicPartition(partition[0], partition[1], offset))
        except KafkaException:
            return False
        return True

    def lag(self) -> dict[Partition, int]:
        """Records behind the high watermark per owned partition (from cached watermarks)."""
        owned = [TopicPartition(t, p) for t, p in sorted(self._assigned)]
        if not owned:
            return {}
        out: dict[Partition, int] = {}
        try:
            positions = self._consumer.position(owned)
        except KafkaException:
            return {}
        for tp in positions:
            try:
                _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            except KafkaException:
                continue
            if high < 0:
                continue
            position = tp.offset if tp.offset >= 0 else high
            out[(tp.topic, tp.partition)] = max(0, high - position)
        return out

    def close(self) -> None:
        """Leave the group (the caller has committed what it finished)."""
        self._consumer.close()


def _log_failed_commit(err: KafkaError | None, partitions: list[TopicPartition]) -> None:
    """librdkafka's answer to a commit (served by poll): log a failure, ignore success."""
    failed = [tp for tp in partitions if tp.error is not None]
    if err is None and not failed:
        return
    first = err if err is not None else failed[0].error
    reason = first.str() if first is not None else "unknown error"
    where = ", ".join(f"{tp.topic}/{tp.partition}@{tp.offset}" for tp in failed or partitions)
    log.warning("offset commit failed (%s): %s; those records are read again", reason, where)


# ---- operator tools (no group membership) -------------------------------------------------


_T = TypeVar("_T")
_TRANSIENT = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._TIMED_OUT,  # noqa: SLF001 - librdkafka's public local error code
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}


def _retrying(call: Callable[[], _T], attempts: int = 20, delay_s: float = 0.25) -> _T:
    """Retry a metadata/offset call while the cluster settles (new topic, leader moving)."""
    for attempt in range(attempts):
        try:
            return call()
        except KafkaException as exc:
            err = exc.args[0]
            transient = isinstance(err, KafkaError) and (
                err.retriable() or err.code() in _TRANSIENT
            )
            if not transient or attempt == attempts - 1:
                raise
            time.sleep(delay_s)
    raise AssertionError("unreachable")


def _reader(cluster: KafkaCluster, refusals: RefusalWatch | None = None) -> Consumer:
    role = _group_role(f"eventflow-reader-{uuid.uuid4().hex}")
    if refusals is not None:
        role["error_cb"] = refusals
    return Consumer(client_config(cluster, role, client_id="eventflow-reader"))


def _offsets_client(cluster: KafkaCluster, group_id: str) -> Consumer:
    return Consumer(client_config(cluster, _group_role(group_id), client_id="eventflow-offsets"))


def partitions_of(cluster: KafkaCluster, topic: str, *, timeout_s: float = 10.0) -> list[int]:
    refusals = RefusalWatch()
    consumer = _reader(cluster, refusals)
    try:
        metadata = metadata_or_refusal(consumer, cluster, refusals, timeout_s, topic)
    except KafkaException as exc:
        raise BrokerError(f"Kafka at {cluster.bootstrap} did not answer: {exc.args[0]}") from exc
    finally:
        consumer.close()
    entry = metadata.topics.get(topic)
    if entry is None or entry.error is not None or not entry.partitions:
        raise BrokerError(
            f"topic {topic!r} does not exist on {cluster.bootstrap}", code=ErrorCode.ADMIN_FAILED
        )
    return sorted(entry.partitions)


Watermarks = dict[int, tuple[int, int]]


def watermarks(cluster: KafkaCluster, topic: str, *, timeout_s: float = 10.0) -> Watermarks:
    """``{partition: (low, high)}`` of a topic."""
    parts = partitions_of(cluster, topic, timeout_s=timeout_s)
    consumer = _reader(cluster)

    def marks(partition: int) -> tuple[int, int]:
        low, high = consumer.get_watermark_offsets(
            TopicPartition(topic, partition), timeout=timeout_s
        )
        return int(low), int(high)

    try:
        return {p: _retrying(partial(marks, p)) for p in parts}
    except KafkaException as exc:
        raise BrokerError(f"could not read offsets of {topic}: {exc.args[0]}") from exc
    finally:
        consumer.close()


def offsets_for_time(cluster: KafkaCluster, topic: str, timestamp_ms: int) -> dict[int, int]:
    """Per partition, the first offset whose timestamp is >= ``timestamp_ms`` (or the end)."""
    marks = watermarks(cluster, topic)
    consumer = _reader(cluster)
    try:
        found = _retrying(
            lambda: consumer.offsets_for_times(
                [TopicPartition(topic, p, timestamp_ms) for p in sorted(marks)], timeout=10.0
            )
        )
    except KafkaException as exc:
        raise BrokerError(f"could not look up offsets by time on {topic}: {exc.args[0]}") from exc
    finally:
        consumer.close()
    return {tp.partition: (tp.offset if tp.offset >= 0 else marks[tp.partition][1]) for tp in found}


def committed_offsets(cluster: KafkaCluster, group_id: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on ``topic`` (partitions without a commit are left out)."""
    parts = partitions_of(cluster, topic)
    consumer = _offsets_client(cluster, group_id)
    try:
        got = _retrying(
            lambda: consumer.committed([TopicPartition(topic, p) for p in parts], timeout=10.0)
        )
    except KafkaException as exc:
        raise BrokerError(f"could not read offsets of group {group_id}: {exc.args[0]}") from exc
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in got if tp.offset >= 0}


def set_group_offsets(
    cluster: KafkaCluster, group_id: str, topic: str, offsets: Mapping[int, int]
) -> None:
    """Commit ``offsets`` for ``group_id``; the group must have no live members (stop it first)."""
    consumer = _offsets_client(cluster, group_id)
    try:
        tps = [TopicPartition(topic, p, o) for p, o in sorted(offsets.items())]
        _retrying(lambda: consumer.commit(offsets=tps, asynchronous=False))
    except KafkaException as exc:
        raise BrokerError(
            f"could not set offsets of group {group_id} on {topic} ({exc.args[0]}); stop the "
            "group's running members first",
            code=ErrorCode.ADMIN_FAILED,
        ) from exc
    finally:
        consumer.close()


def read_range(
    cluster: KafkaCluster,
    topic: str,
    *,
    start: Mapping[int, int] | None = None,
    only: Collection[int] | None = None,
    idle_timeout_s: float = 5.0,
) -> Iterator[ConsumedRecord]:
    """Records of ``topic`` (partitions ``only``, default all) from ``start`` (default: the
    beginning) up to the high watermark seen when the call began; stops early when nothing
    arrives for ``idle_timeout_s``."""
    marks = watermarks(cluster, topic)
    if only is not None:
        marks = {p: m for p, m in marks.items() if p in only}
    begin = {p: (start or {}).get(p, OFFSET_BEGINNING) for p in marks}
    todo = {
        p for p, (low, high) in marks.items() if high > max(low, begin[p] if begin[p] >= 0 else low)
    }
    if not todo:
        return
    consumer = _reader(cluster)
    try:
        consumer.assign([TopicPartition(topic, p, begin[p]) for p in sorted(todo)])
        idle = 0.0
        while todo and idle < idle_timeout_s:
            batch = consumer.consume(num_messages=1000, timeout=0.5)
            if not batch:
                idle += 0.5
                continue
            idle = 0.0
            for msg in batch:
                if msg.error() is not None:
                    continue
                record = _to_record(msg)
                if record.partition not in todo:
                    continue
                high = marks[record.partition][1]
                if record.offset < high:
                    yield record
                if record.offset >= high - 1:
                    todo.discard(record.partition)
    finally:
        consumer.close()


def read_one(
    cluster: KafkaCluster, topic: str, partition: int, offset: int
) -> ConsumedRecord | None:
    """The record at one exact position, or None when it is gone or not there yet."""
    for record in read_range(
        cluster, topic, start={partition: offset}, only={partition}, idle_timeout_s=3.0
    ):
        return record if record.offset == offset else None
    return None
