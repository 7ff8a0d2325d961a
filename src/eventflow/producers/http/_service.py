"""The ingest use case: check, normalize, encode, produce durably, remember for idempotency.

No HTTP here: the routes parse requests and render results. The Kafka producer, the
encoder and the clocks are injected (ports below), so unit tests run on fakes.

Results are plain dicts in the shape of the ``Accepted`` / ``RecordResult`` models (the
models document them in OpenAPI; building them per request would cost more than the rest).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from eventflow.errors import BrokerError, EventFlowError
from eventflow.kafka import DEFAULT_MESSAGE_MAX_BYTES, DeliveryFailed, DeliveryGroup, DeliveryReport
from eventflow.producers.http._auth import Principal
from eventflow.producers.http._catalog import EventCatalog, EventTypeSpec
from eventflow.producers.http._delivery import DeliveryPump, PolledSender
from eventflow.producers.http._envelope import EventFields, parse_event
from eventflow.producers.http._idempotency import IdempotencyStore
from eventflow.producers.http._metrics import ApiMetrics
from eventflow.producers.http._normalize import EventIds, build_record, partition_key
from eventflow.producers.http._outage import OutageLog
from eventflow.producers.http._problems import (
    ApiProblem,
    FieldProblem,
    InvalidEvent,
    KafkaRefused,
    TooLarge,
    Unavailable,
)

AcceptedReply = dict[str, Any]  # {event_id, topic, partition, offset}
# event ids derived from (API key name, Idempotency-Key) when the client gives none (UUIDv5)
IDEMPOTENT_EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:eventflow:http-api:idempotency-key")
_RECORD_OVERHEAD = 64  # bytes librdkafka counts around a record's key, value and headers


def derived_event_id(key_name: str, idempotency_key: str) -> str:
    """The event id of a request without one: the same on every replica and after restarts."""
    return str(uuid.uuid5(IDEMPOTENT_EVENT_IDS, f"{key_name}\n{idempotency_key}"))


class EventSink(PolledSender, Protocol):
    """Where events go: :class:`eventflow.kafka._producer.DurableProducer` in production
    (built with ``background_poll=False``: the API's :class:`DeliveryPump` polls it)."""

    def healthy(self, timeout_s: float = 2.0) -> bool: ...


class RecordEncoder(Protocol):
    """Encodes a record in Confluent wire format under the spec's subject (no registration)."""

    def encode(self, spec: EventTypeSpec, record: Mapping[str, Any]) -> bytes: ...


@dataclass(frozen=True)
class Prepared:
    """A checked event, ready to be encoded and produced."""

    spec: EventTypeSpec
    event: EventFields
    payload: Any
    idempotency_key: str | None
    fingerprint: str
    derived_event_id: str | None = None  # from the Idempotency-Key when no event_id was given
    where: str = ""  # the record's path prefix in a batch ("events[3].")


@dataclass(frozen=True)
class ServiceLimits:
    topic: str
    delivery_timeout_s: float
    retry_after_s: int
    max_record_bytes: int = DEFAULT_MESSAGE_MAX_BYTES  # producer's and topic's limit (smaller)


class IngestService:
    def __init__(
        self,
        *,
        catalog: EventCatalog,
        encoder: RecordEncoder,
        sink: EventSink,
        limits: ServiceLimits,
        metrics: ApiMetrics,
        idempotency: IdempotencyStore[AcceptedReply],
        now_ms: Callable[[], int],
        new_event_id: Callable[[], str] | None = None,
    ) -> None:
        self.catalog = catalog
        self._encoder = encoder
        self._sink = sink
        self.deliveries = DeliveryPump(sink)
        self._limits = limits
        self._metrics = metrics
        self._idempotency = idempotency
        self._now_ms = now_ms
        self._new_event_id = new_event_id or EventIds()
        self.outage = OutageLog()

    @property
    def retry_after_s(self) -> int:
        return self._limits.retry_after_s

    # -- checks (synchronous, pure apart from metrics) ---------------------------------------
    def prepare(
        self, principal: Principal, raw: Any, *, where: str = "", idempotency_key: str | None = None
    ) -> Prepared:
        """Validate one request body (or batch item); raise the matching :class:`ApiProblem`."""
        prefix = f"{where}." if where else ""
        event = parse_event(raw, prefix)
        spec = self.catalog.get(event.event_type, path=f"{prefix}event_type")
        principal.check(event.event_type)
        payload, problems = spec.converter(event.data, f"{prefix}data")
        if problems:
            raise InvalidEvent(
                f"data does not match the {event.event_type} contract ({spec.record_name})",
                fields=problems,
            )
        derived = None
        if idempotency_key is not None:
            key: str | None = f"{principal.name}\x00key\x00{idempotency_key}"
            if event.event_id is None:
                derived = derived_event_id(principal.name, idempotency_key)
        elif event.event_id is not None:
            key = f"{principal.name}\x00event\x00{event.event_id}"
        else:
            return Prepared(spec, event, payload, None, "", where=prefix)
        fingerprint = hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return Prepared(spec, event, payload, key, fingerprint, derived, prefix)

    # -- writes ------------------------------------------------------------------------------
    async def submit(self, principal: Principal, prepared: Prepared) -> AcceptedReply:
        """Produce the event (once per idempotency key) and return where it was written."""
        if prepared.idempotency_key is None:
            return await self._produce(principal, prepared)
        result, replayed = await self._idempotency.run(
            prepared.idempotency_key,
            prepared.fingerprint,
            lambda: self._produce(principal, prepared),
        )
        if replayed:
            self._metrics.replayed.inc()
        return result

    async def ingest_one(
        self, principal: Principal, raw: Any, *, idempotency_key: str | None = None
    ) -> AcceptedReply:
        """Check and produce one event; rejections raise (the HTTP layer counts them)."""
        prepared = self.prepare(principal, raw, idempotency_key=idempotency_key)
        return await self.submit(principal, prepared)

    async def ingest_batch(
        self, principal: Principal, items: Sequence[Any], *, idempotency_key: str | None = None
    ) -> list[AcceptedReply | ApiProblem]:
        """Check every record, produce the valid ones together, report each in request order.

        Records without an idempotency key are all queued under one delivery group and
        awaited together (no task per record); records with one go through the idempotency
        store. Rejections are counted in the metrics here.
        """
        outcomes: list[AcceptedReply | ApiProblem | None] = [None] * len(items)
        keyed: dict[int, Prepared] = {}
        group = self.deliveries.group()
        started: list[tuple[int, Prepared, str, int]] = []
        for index, raw in enumerate(items):
            key = f"{idempotency_key}#{index}" if idempotency_key is not None else None
            try:
                prepared = self.prepare(
                    principal, raw, where=f"events[{index}]", idempotency_key=key
                )
                if prepared.idempotency_key is not None:
                    keyed[index] = prepared
                else:
                    started.append((index, prepared, *self._start(principal, prepared, group)))
            except ApiProblem as exc:
                outcomes[index] = exc
        keyed_results = asyncio.gather(
            *(self.submit(principal, p) for p in keyed.values()), return_exceptions=True
        )
        if started:
            await self.deliveries.wait(group, self._limits.delivery_timeout_s + 5.0)
        for index, prepared, event_id, slot in started:
            try:
                outcomes[index] = self._finish(prepared, event_id, group, slot)
            except ApiProblem as exc:
                outcomes[index] = exc
        for index, result in zip(keyed, await keyed_results, strict=True):
            if isinstance(result, ApiProblem | dict):
                outcomes[index] = result
            else:
                raise result
        settled = [o for o in outcomes if o is not None]
        assert len(settled) == len(outcomes), "every record has an outcome"
        for outcome in settled:
            if isinstance(outcome, ApiProblem):
                self._metrics.count_rejected(str(outcome.code))
        return settled

    async def _produce(self, principal: Principal, prepared: Prepared) -> AcceptedReply:
        group = self.deliveries.group()
        event_id, slot = self._start(principal, prepared, group)
        await self.deliveries.wait(group, self._limits.delivery_timeout_s + 5.0)
        return self._finish(prepared, event_id, group, slot)

    def _start(
        self, principal: Principal, prepared: Prepared, group: DeliveryGroup
    ) -> tuple[str, int]:
        """Complete, encode and queue one event in ``group``; return its id and slot."""
        spec, event = prepared.spec, prepared.event
        event_id = event.event_id or prepared.derived_event_id or self._new_event_id()
        record = build_record(
            event,
            prepared.payload,
            event_id=event_id,
            source=principal.name,
            received_at_ms=self._now_ms(),
        )
        try:
            value = self._encoder.encode(spec, record)
        except ApiProblem:
            raise
        except EventFlowError as exc:  # registry away or schema not registered
            raise self._unavailable(f"the event could not be encoded ({exc})") from exc
        headers = [("event_type", spec.event_type.encode()), ("event_id", event_id.encode())]
        key = partition_key(record, spec.partition_key)
        self._check_size(prepared, value, key, headers)
        try:
            slot = self._sink.send_in(group, self._limits.topic, value, key=key, headers=headers)
        except DeliveryFailed as exc:
            raise self._refused(exc, prepared) from exc
        except BrokerError as exc:
            raise self._unavailable(f"Kafka did not take the event ({exc})") from exc
        return event_id, slot

    def _check_size(
        self, prepared: Prepared, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """413 for a record Kafka can never take (its encoded size, not the request's)."""
        limit = self._limits.max_record_bytes
        size = len(value) + len(key or b"") + _RECORD_OVERHEAD
        size += sum(len(name) + len(data) for name, data in headers)
        if size > limit:
            raise TooLarge(
                f"the encoded event is {size} bytes with its key and headers; Kafka takes at "
                f"most {limit} bytes per record on {self._limits.topic} (the smaller of the "
                "topic's max.message.bytes and the producer's message.max.bytes)",
                fields=[FieldProblem(f"{prepared.where}data", f"{size} bytes > {limit}")],
            )

    def _refused(self, failure: DeliveryFailed, prepared: Prepared) -> ApiProblem:
        """A write Kafka refused: 503 only when a retry may succeed."""
        if failure.retriable:
            return self._unavailable(f"Kafka did not take the event ({failure})")
        if failure.too_large:
            return TooLarge(
                f"Kafka refuses the event as too large ({failure}); the limit is "
                f"{self._limits.max_record_bytes} bytes per record",
                fields=[FieldProblem(f"{prepared.where}data", "too large for Kafka")],
            )
        return KafkaRefused(
            f"Kafka refuses the event for good ({failure}); retrying will not "
            "help: the operator must fix the topic or its permissions"
        )

    def _finish(
        self, prepared: Prepared, event_id: str, group: DeliveryGroup, slot: int
    ) -> AcceptedReply:
        spec = prepared.spec
        report = group.reports[slot]
        if report is None:
            raise self._unavailable("Kafka did not acknowledge the event in time")
        if isinstance(report, DeliveryFailed):
            raise self._refused(report, prepared)
        assert isinstance(report, DeliveryReport)
        self.outage.delivered()
        self._metrics.count_produced(spec.event_type)
        return {
            "event_id": event_id,
            "topic": report.topic,
            "partition": report.partition,
            "offset": report.offset,
        }

    def _unavailable(self, why: str) -> Unavailable:
        self.outage.refused_one(why)
        return Unavailable(
            f"{why}; it was not accepted, retry later", retry_after_s=self._limits.retry_after_s
        )
