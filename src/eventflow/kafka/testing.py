"""An in-memory producer for unit tests of code that sends to Kafka (as FastStream ships its
test broker): :class:`FakeProducer` has the public surface of
:class:`~eventflow.kafka._producer.DurableProducer` that services use (``send``,
``send_async``, ``send_in`` + ``wait_for``/``poll``, ``flush``, ``healthy``, ``close``).

Never use it in integration tests: they run against the real broker.

Delivery follows the real producer: ``send_in`` records are acknowledged when the caller
polls (``poll``, ``wait_for``, ``flush``), as with ``background_poll=False``; ``send``
futures resolve at once, as the background poll thread would. Knobs: ``down`` (every write
fails, retriably, and nothing is kept), ``fail_next`` (refuse the next N writes), ``hold``
(keep acknowledgements pending: waits time out), ``answers`` (what ``healthy`` says),
``refuse`` ((topic, key) -> librdkafka error code: that record's delivery fails with it,
classified as the real producer does) and ``refuse_on_queue`` (the same, raised by
``send_in`` as librdkafka does for a record over ``message.max.bytes``).
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from concurrent.futures import Future
from functools import partial
from typing import NamedTuple

from eventflow.kafka._delivery_errors import classify
from eventflow.kafka._producer import (
    DeliveryFailed,
    DeliveryGroup,
    DeliveryReport,
    Headers,
    ProducerQueueFull,
    _settle,
)

__all__ = ["FakeProducer", "SentRecord"]

# librdkafka's "Local: Message timed out": what a write gets when no broker answers.
TIMED_OUT = -192


class SentRecord(NamedTuple):
    """A record the fake broker took: ``topic, key, value, headers = record``."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class _Queued(NamedTuple):
    group: DeliveryGroup
    position: int
    outcome: DeliveryReport | DeliveryFailed


class FakeProducer:
    """Records what was sent; acknowledges with per-partition offsets from 0."""

    def __init__(self, *, partitions: int = 1, queue_limit: int | None = None) -> None:
        if partitions < 1:
            raise ValueError("partitions must be >= 1")
        self.partitions = partitions
        self.queue_limit = queue_limit
        self.sent: list[SentRecord] = []
        self.down = False
        self.fail_next = 0
        self.hold = False
        self.answers = True
        self.refuse: dict[tuple[str, bytes | None], int] = {}
        self.refuse_on_queue: dict[tuple[str, bytes | None], int] = {}
        self.polls = 0
        self.waits = 0
        self.closed = False
        self._offsets: dict[tuple[str, int], int] = {}
        self._queued: list[_Queued] = []
        self._lock = threading.Lock()
        self._wakeup = threading.Event()

    # -- sending ---------------------------------------------------------------------------
    def send_in(
        self,
        group: DeliveryGroup,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
    ) -> int:
        """Queue one record under ``group``; acknowledged by the next poll/wait/flush."""
        return self._queue(group, topic, value=value, key=key, headers=headers, partition=None)

    def send(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> Future[DeliveryReport]:
        """One record; its future resolves at once (unless ``hold``)."""
        future: Future[DeliveryReport] = Future()
        future.set_running_or_notify_cancel()
        group = DeliveryGroup(on_complete=partial(_settle, future))
        self._queue(group, topic, value=value, key=key, headers=headers, partition=partition)
        if not self.hold:
            self._deliver()
        return future

    async def send_async(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> DeliveryReport:
        future = self.send(topic, value, key=key, headers=headers, partition=partition)
        return await asyncio.wrap_future(future)

    # -- delivering ------------------------------------------------------------------------
    def poll(self, timeout_s: float = 0.0) -> int:
        """Acknowledge what is queued (waiting up to ``timeout_s`` for something to be)."""
        self.polls += 1
        if (self.hold or not self._queued) and timeout_s > 0:
            self._wakeup.wait(timeout_s)
            self._wakeup.clear()
        return 0 if self.hold else self._deliver()

    def release(self) -> None:
        """End ``hold``: the next poll/wait/flush acknowledges everything held."""
        self.hold = False
        self._wakeup.set()

    def wait_for(self, group: DeliveryGroup, timeout_s: float) -> bool:  # noqa: ARG002
        """Acknowledge what is queued; True if every record of ``group`` resolved."""
        self.waits += 1
        if not self.hold:
            self._deliver()
        return group.done

    def flush(self, timeout_s: float = 30.0) -> int:  # noqa: ARG002 - nothing to wait for
        """Acknowledge what is queued; return how many records stay pending."""
        if not self.hold:
            self._deliver()
        return len(self._queued)

    def healthy(self, timeout_s: float = 2.0) -> bool:  # noqa: ARG002 - answers at once
        return self.answers

    def close(self, timeout_s: float = 30.0) -> int:
        remaining = self.flush(timeout_s)
        self.closed = True
        return remaining

    def on(self, topic: str) -> list[SentRecord]:
        """The records sent to ``topic``, in order."""
        return [record for record in self.sent if record.topic == topic]

    # -- internals -------------------------------------------------------------------------
    def _queue(
        self,
        group: DeliveryGroup,
        topic: str,
        *,
        value: bytes | None,
        key: bytes | None,
        headers: Headers | None,
        partition: int | None,
    ) -> int:
        code = self.refuse_on_queue.get((topic, key))
        if code is not None:
            raise _failed(topic, code)
        with self._lock:
            if self.queue_limit is not None and len(self._queued) >= self.queue_limit:
                raise ProducerQueueFull(
                    "the producer's local queue is full (broker slow or unreachable); retry later"
                )
            outcome = self._write(topic, value=value, key=key, headers=headers, partition=partition)
            index = group._add()  # noqa: SLF001 - the group's producer-side API
            self._queued.append(_Queued(group, index, outcome))
        self._wakeup.set()
        return index

    def _write(
        self,
        topic: str,
        *,
        value: bytes | None,
        key: bytes | None,
        headers: Headers | None,
        partition: int | None,
    ) -> DeliveryReport | DeliveryFailed:
        if self.down:
            return _failed(topic, TIMED_OUT, "Local: Message timed out")
        code = self.refuse.get((topic, key))
        if code is not None:
            return _failed(topic, code)
        if self.fail_next > 0:
            self.fail_next -= 1
            return DeliveryFailed(f"write to {topic} failed: refused", retriable=True)
        if partition is None:
            partition = zlib.crc32(key) % self.partitions if key else 0
        elif not 0 <= partition < self.partitions:
            raise DeliveryFailed(
                f"write to {topic} failed: unknown partition {partition}", retriable=False
            )
        offset = self._offsets.get((topic, partition), 0)
        self._offsets[(topic, partition)] = offset + 1
        self.sent.append(SentRecord(topic, key, value, list(headers or [])))
        return DeliveryReport(topic, partition, offset)

    def _deliver(self) -> int:
        with self._lock:
            queued, self._queued = self._queued, []
        for group, position, outcome in queued:
            group._record_outcome(position, outcome)  # noqa: SLF001
        return len(queued)


def _failed(topic: str, code: int, reason: str = "refused") -> DeliveryFailed:
    retriable, unavailable = classify(code)
    return DeliveryFailed(
        f"write to {topic} failed: {reason} ({code})",
        retriable=retriable,
        kafka_code=code,
        unavailable=unavailable,
    )
