"""A durable Kafka producer: acks=all, idempotent, delivery reported through futures.

``send`` returns a :class:`concurrent.futures.Future` resolved by a background poll thread
when the broker acknowledged the write (or failed it); ``send_async`` awaits the same from
asyncio. An event is "in Kafka" only once its future resolved without error.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any, NamedTuple, Protocol

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka.probe import QUIET_LOGGER

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


class DeliveryFailed(BrokerError):
    """The broker did not acknowledge the write; ``retriable`` tells whether a retry may work."""

    code = ErrorCode.BROKER_UNREACHABLE

    def __init__(self, message: str, *, retriable: bool, kafka_code: int | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.kafka_code = kafka_code


class ProducerQueueFull(BrokerError):
    """The local send queue is full: the broker is slow or away. Back off and retry."""

    code = ErrorCode.BROKER_UNREACHABLE


class DurableProducer:
    """acks=all + enable.idempotence; every send yields a future of its DeliveryReport."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "eventflow",
        delivery_timeout_ms: int = 30_000,
        linger_ms: int = 5,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "client.id": client_id,
            "acks": "all",
            "enable.idempotence": True,
            "max.in.flight.requests.per.connection": 5,
            "linger.ms": linger_ms,
            "delivery.timeout.ms": delivery_timeout_ms,
            "logger": QUIET_LOGGER,
        }
        config.update(extra or {})
        self._producer = Producer(config)
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="eventflow-producer-poll",
                                        daemon=True)  # fmt: skip
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

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            partition, offset = msg.partition(), msg.offset()
            if err is not None:
                future.set_exception(_delivery_failed(err, topic))
            elif partition is None or offset is None:
                future.set_exception(DeliveryFailed(f"write to {topic} reported no offset",
                                                    retriable=True))  # fmt: skip
            else:
                future.set_result(DeliveryReport(msg.topic() or topic, partition, offset))

        kwargs: dict[str, Any] = {"value": value, "key": key, "on_delivery": on_delivery}
        if headers:
            kwargs["headers"] = list(headers)
        if partition is not None:
            kwargs["partition"] = partition
        try:
            self._producer.produce(topic, **kwargs)
        except BufferError as exc:
            raise ProducerQueueFull(
                "the producer's local queue is full (broker slow or unreachable); retry later"
            ) from exc
        except KafkaException as exc:
            raise _delivery_failed(exc.args[0], topic) from exc
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

    def close(self, timeout_s: float = 30.0) -> int:
        """Flush, stop the poll thread; return how many records stayed undelivered."""
        remaining = self.flush(timeout_s)
        self._closed.set()
        self._poller.join(timeout=5)
        return remaining

    def _poll_loop(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(0.05)


def _delivery_failed(err: KafkaError, topic: str) -> DeliveryFailed:
    retriable = bool(err.retriable()) or err.code() in {
        KafkaError._MSG_TIMED_OUT,  # noqa: SLF001 - librdkafka's public local error codes
        KafkaError._TRANSPORT,  # noqa: SLF001
        KafkaError._ALL_BROKERS_DOWN,  # noqa: SLF001
    }
    return DeliveryFailed(f"write to {topic} failed: {err.str()}", retriable=retriable,
                          kafka_code=int(err.code()))  # fmt: skip
