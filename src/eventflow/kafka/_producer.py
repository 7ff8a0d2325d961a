"""A durable Kafka producer: acks=all, idempotent, delivery reported through futures.

``send`` returns a :class:`concurrent.futures.Future` resolved by a background poll thread
when the broker acknowledged the write (or failed it); ``send_async`` awaits the same from
asyncio. An event is "in Kafka" only once its future resolved without error.

Hot paths queue many records under one :class:`DeliveryGroup` instead (``send_in``): no
future, lock or condition per record, one completion per group. Services that poll in their
own thread build the producer with ``background_poll=False`` and call :meth:`wait_for`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any, NamedTuple, Protocol, cast

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka._client_config import KafkaCluster, client_config
from eventflow.kafka._client_log import CLIENT_LOG, log_client_error
from eventflow.kafka._delivery_errors import DEFAULT_MESSAGE_MAX_BYTES, TOO_LARGE_CODES, classify

Headers = Sequence[tuple[str, bytes]]


class DeliveryReport(NamedTuple):
    topic: str
    partition: int
    offset: int


class RecordSender(Protocol):
    """What services need of a producer: queue a record, get a future of its delivery.

    :class:`DurableProducer` is the production implementation; tests use fakes.
    """

    def send(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> Future[DeliveryReport]: ...


class GroupSender(Protocol):
    """What hot paths need of a producer: queue a record under a :class:`DeliveryGroup`.

    :class:`DurableProducer` is the production implementation; tests use fakes. Callers add
    how they wait (``wait_for`` in a service loop, ``poll`` from a delivery thread).
    """

    def send_in(
        self,
        group: DeliveryGroup,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
    ) -> int: ...


class DeliveryFailed(BrokerError):
    """The broker did not acknowledge the write.

    ``retriable`` False: the same record fails the same way every time (too large, invalid,
    not authorized, no such topic); the caller must not retry it. ``unavailable``: the failure
    says nothing about the record (broker away, timed out); retrying later is right.
    """

    code = ErrorCode.BROKER_UNREACHABLE

    def __init__(
        self,
        message: str,
        *,
        retriable: bool,
        kafka_code: int | None = None,
        unavailable: bool = False,
    ) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.kafka_code = kafka_code
        self.unavailable = unavailable and retriable

    @property
    def too_large(self) -> bool:
        return self.kafka_code in TOO_LARGE_CODES


class ProducerQueueFull(BrokerError):
    """The local send queue is full: the broker is slow or away. Back off and retry."""

    code = ErrorCode.BROKER_UNREACHABLE


class DeliveryGroup:
    """The deliveries of several records, complete once the broker answered for every one.

    ``reports[i]`` is the :class:`DeliveryReport` of the i-th record queued with
    :meth:`DurableProducer.send_in` (or its :class:`DeliveryFailed`, or ``None`` while
    pending). ``on_complete`` runs on the thread that polls the producer each time the count
    of pending records drops to zero: once when every record was queued before the first
    resolved, possibly more often when another thread polls while records are still being
    queued (check :attr:`done` after queueing the last). Keep it short (e.g.
    ``loop.call_soon_threadsafe``).
    """

    __slots__ = ("_event", "_on_complete", "failed", "pending", "reports")

    def __init__(self, on_complete: Callable[[DeliveryGroup], None] | None = None) -> None:
        self.reports: list[DeliveryReport | DeliveryFailed | None] = []
        self.pending = 0
        self.failed = 0
        self._on_complete = on_complete
        self._event: threading.Event | None = None

    def __len__(self) -> int:
        return len(self.reports)

    @property
    def done(self) -> bool:
        """Every record queued so far resolved."""
        return self.pending == 0

    def first_error(self) -> DeliveryFailed | None:
        if not self.failed:
            return None
        return next(r for r in self.reports if isinstance(r, DeliveryFailed))

    def wait(self, timeout_s: float) -> bool:
        """Block until done (a background poll thread resolves the records); True if done."""
        if self.pending == 0:
            return True
        if self._event is None:
            self._event = threading.Event()
            if self.pending == 0:  # resolved while the event was being made
                return True
        return self._event.wait(timeout_s)

    # -- called by the producer ------------------------------------------------------------
    def _add(self) -> int:
        self.reports.append(None)
        self.pending += 1
        return len(self.reports) - 1

    def _unadd(self) -> None:
        self.reports.pop()
        self.pending -= 1

    def _resolve(self, index: int, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self._record_outcome(index, _delivery_failed(err, msg.topic() or "?"))
            return
        partition, offset = msg.partition(), msg.offset()
        if partition is None or offset is None:
            outcome: DeliveryReport | DeliveryFailed = DeliveryFailed(
                f"write to {msg.topic()} reported no offset", retriable=True
            )
        else:
            outcome = DeliveryReport(msg.topic() or "?", partition, offset)
        self._record_outcome(index, outcome)

    def _record_outcome(self, index: int, outcome: DeliveryReport | DeliveryFailed) -> None:
        """Settle record ``index`` (also what :mod:`eventflow.kafka.testing` calls)."""
        self.reports[index] = outcome
        if isinstance(outcome, DeliveryFailed):
            self.failed += 1
        self.pending -= 1  # only the polling thread decrements: no lock needed
        if self.pending == 0:
            if self._event is not None:
                self._event.set()
            if self._on_complete is not None:
                self._on_complete(self)


class DurableProducer:
    """acks=all + enable.idempotence; every send yields a future of its DeliveryReport."""

    def __init__(
        self,
        cluster: KafkaCluster,
        *,
        client_id: str | None = None,
        delivery_timeout_ms: int = 30_000,
        linger_ms: int = 5,
        extra: Mapping[str, Any] | None = None,
        background_poll: bool = True,
    ) -> None:
        config: dict[str, Any] = {
            "acks": "all",
            "enable.idempotence": True,
            "max.in.flight.requests.per.connection": 5,
            "linger.ms": linger_ms,
            "delivery.timeout.ms": delivery_timeout_ms,
            "logger": CLIENT_LOG,
            "error_cb": log_client_error,
        }
        config.update(extra or {})
        self._max_message_bytes = int(config.get("message.max.bytes", DEFAULT_MESSAGE_MAX_BYTES))
        self._producer = Producer(client_config(cluster, config, client_id=client_id))
        self._closed = threading.Event()
        self._poller: threading.Thread | None = None
        if background_poll:
            self._poller = threading.Thread(
                target=self._poll_loop, name="eventflow-producer-poll", daemon=True
            )
            self._poller.start()

    def send(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> Future[DeliveryReport]:
        """Queue one record; the future resolves once the broker acknowledged it."""
        future: Future[DeliveryReport] = Future()
        future.set_running_or_notify_cancel()
        group = DeliveryGroup(on_complete=partial(_settle, future))
        self._queue(
            group,
            topic,
            value,
            key=key,
            headers=list(headers) if headers else None,
            partition=partition,
        )
        return future

    def send_in(
        self,
        group: DeliveryGroup,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
    ) -> int:
        """Queue one record as part of ``group``; return its index in ``group.reports``."""
        return self._queue(group, topic, value, key=key, headers=headers)

    def _queue(
        self,
        group: DeliveryGroup,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None,
        headers: Headers | None,
        partition: int | None = None,
    ) -> int:
        index = group._add()  # noqa: SLF001 - the group's producer-side API
        on_delivery = partial(group._resolve, index)  # noqa: SLF001
        try:
            if partition is None:
                self._producer.produce(
                    topic, value, key, on_delivery=on_delivery, headers=cast(Any, headers)
                )
            else:
                self._producer.produce(
                    topic,
                    value,
                    key,
                    partition=partition,
                    on_delivery=on_delivery,
                    headers=cast(Any, headers),
                )
        except BufferError as exc:
            group._unadd()  # noqa: SLF001
            raise ProducerQueueFull(
                "the producer's local queue is full (broker slow or unreachable); retry later"
            ) from exc
        except KafkaException as exc:
            group._unadd()  # noqa: SLF001
            raise _delivery_failed(exc.args[0], topic) from exc
        return index

    def wait_for(self, group: DeliveryGroup, timeout_s: float) -> bool:
        """Wait until every record of ``group`` resolved; True if it did within the timeout.

        Without a background poll thread this polls the producer in the calling thread (the
        delivery callbacks then run here); with one it just waits.
        """
        if self._poller is not None:
            return group.wait(timeout_s)
        deadline = time.monotonic() + timeout_s
        while group.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._producer.poll(min(left, 0.05))
        return True

    def poll(self, timeout_s: float = 0.0) -> int:
        """Serve delivery callbacks (only needed with ``background_poll=False``)."""
        return int(self._producer.poll(timeout_s))

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

    def flush(self, timeout_s: float = 30.0) -> int:
        """Wait for queued records; return how many are still undelivered."""
        return int(self._producer.flush(timeout_s))

    def healthy(self, timeout_s: float = 2.0) -> bool:
        """True when the cluster answers a metadata request."""
        try:
            metadata = self._producer.list_topics(timeout=timeout_s)
        except KafkaException:
            return False
        return bool(metadata.brokers)

    @property
    def max_message_bytes(self) -> int:
        """The largest record this producer sends (librdkafka's ``message.max.bytes``)."""
        return self._max_message_bytes

    def close(self, timeout_s: float = 30.0) -> int:
        """Flush, stop the poll thread; return how many records stayed undelivered."""
        remaining = self.flush(timeout_s)
        self._closed.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        return remaining

    def _poll_loop(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(0.05)


def _settle(future: Future[DeliveryReport], group: DeliveryGroup) -> None:
    """Resolve the future of :meth:`DurableProducer.send` from its one-record group."""
    report = group.reports[0]
    if isinstance(report, DeliveryReport):
        future.set_result(report)
    else:
        future.set_exception(report or DeliveryFailed("no delivery report", retriable=True))


def _delivery_failed(err: KafkaError, topic: str) -> DeliveryFailed:
    code = int(err.code())
    retriable, unavailable = classify(code)
    return DeliveryFailed(
        f"write to {topic} failed: {err.str()}",
        retriable=retriable,
        kafka_code=code,
        unavailable=unavailable,
    )
