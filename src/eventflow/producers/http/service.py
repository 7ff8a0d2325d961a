"""The ingest use case: check, normalize, encode, produce durably, remember for idempotency.

No HTTP here: the routes parse requests and render results. The Kafka producer, the
encoder and the clocks are injected (ports below), so unit tests run on fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from eventflow.errors import BrokerError, EventFlowError
from eventflow.kafka.producer import DeliveryReport, RecordSender
from eventflow.producers.http.auth import Principal
from eventflow.producers.http.catalog import EventCatalog, EventTypeSpec
from eventflow.producers.http.idempotency import IdempotencyStore
from eventflow.producers.http.metrics import ApiMetrics
from eventflow.producers.http.models import Accepted, BatchResult, EventIn, FieldError, RecordResult
from eventflow.producers.http.normalize import EventIds, build_record, partition_key
from eventflow.producers.http.problems import ApiProblem, FieldProblem, InvalidEvent, Unavailable


class EventSink(RecordSender, Protocol):
    """Where events go: :class:`eventflow.kafka.producer.DurableProducer` in production."""

    def healthy(self, timeout_s: float = 2.0) -> bool: ...


class RecordEncoder(Protocol):
    """Encodes a record in Confluent wire format under the spec's subject (no registration)."""

    def encode(self, spec: EventTypeSpec, record: Mapping[str, Any]) -> bytes: ...


@dataclass(frozen=True)
class Prepared:
    """A checked event, ready to be encoded and produced."""

    spec: EventTypeSpec
    event: EventIn
    payload: Any
    idempotency_key: str | None
    fingerprint: str


@dataclass(frozen=True)
class ServiceLimits:
    topic: str
    delivery_timeout_s: float
    retry_after_s: int


class IngestService:
    def __init__(
        self,
        *,
        catalog: EventCatalog,
        encoder: RecordEncoder,
        sink: EventSink,
        limits: ServiceLimits,
        metrics: ApiMetrics,
        idempotency: IdempotencyStore[Accepted],
        now_ms: Callable[[], int],
        new_event_id: Callable[[], str] | None = None,
    ) -> None:
        self.catalog = catalog
        self._encoder = encoder
        self._sink = sink
        self._limits = limits
        self._metrics = metrics
        self._idempotency = idempotency
        self._now_ms = now_ms
        self._new_event_id = new_event_id or EventIds()

    @property
    def retry_after_s(self) -> int:
        return self._limits.retry_after_s

    # -- checks (synchronous, pure apart from metrics) ---------------------------------------
    def prepare(
        self, principal: Principal, raw: Any, *, where: str = "", idempotency_key: str | None = None
    ) -> Prepared:
        """Validate one request body (or batch item); raise the matching :class:`ApiProblem`."""
        prefix = f"{where}." if where else ""
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            raise InvalidEvent(
                "the event does not match the request schema",
                fields=[_pydantic_problem(prefix, e) for e in exc.errors()],
            ) from exc
        spec = self.catalog.get(event.event_type, path=f"{prefix}event_type")
        principal.check(event.event_type)
        payload, problems = spec.converter(event.data, f"{prefix}data")
        if problems:
            raise InvalidEvent(
                f"data does not match the {event.event_type} contract ({spec.record_name})",
                fields=problems,
            )
        scope = principal.name
        if idempotency_key is not None:
            key: str | None = f"{scope}\x00key\x00{idempotency_key}"
        elif event.event_id is not None:
            key = f"{scope}\x00event\x00{event.event_id}"
        else:
            key = None
        fingerprint = (
            hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
            if key is not None
            else ""
        )
        return Prepared(spec, event, payload, key, fingerprint)

    # -- writes ------------------------------------------------------------------------------
    async def submit(self, principal: Principal, prepared: Prepared) -> Accepted:
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
    ) -> Accepted:
        """Check and produce one event; rejections raise (the HTTP layer counts them)."""
        prepared = self.prepare(principal, raw, idempotency_key=idempotency_key)
        return await self.submit(principal, prepared)

    async def ingest_batch(
        self, principal: Principal, items: Sequence[Any], *, idempotency_key: str | None = None
    ) -> BatchResult:
        """Check every record, produce the valid ones together, report each in request order.

        Records without an idempotency key are all queued first and awaited as one group (no
        task per record); records with one go through the idempotency store.
        """
        outcomes: list[Accepted | ApiProblem | None] = []
        keyed: dict[int, Prepared] = {}
        started: list[tuple[int, Prepared, str, Future[DeliveryReport]]] = []
        for index, raw in enumerate(items):
            key = f"{idempotency_key}#{index}" if idempotency_key is not None else None
            outcomes.append(None)  # replaced below
            try:
                prepared = self.prepare(
                    principal, raw, where=f"events[{index}]", idempotency_key=key
                )
                if prepared.idempotency_key is not None:
                    keyed[index] = prepared
                else:
                    started.append((index, prepared, *self._start(principal, prepared)))
            except ApiProblem as exc:
                outcomes[index] = exc
        keyed_results = asyncio.gather(
            *(self.submit(principal, p) for p in keyed.values()), return_exceptions=True
        )
        await self._wait_all([future for _, _, _, future in started])
        for index, prepared, event_id, future in started:
            try:
                outcomes[index] = self._finish(prepared.spec, event_id, future)
            except ApiProblem as exc:
                outcomes[index] = exc
        for index, result in zip(keyed, await keyed_results, strict=True):
            if isinstance(result, ApiProblem | Accepted):
                outcomes[index] = result
            else:
                raise result
        settled = [o for o in outcomes if o is not None]
        assert len(settled) == len(outcomes), "every record has an outcome"
        for outcome in settled:
            if isinstance(outcome, ApiProblem):
                self._metrics.rejected.labels(str(outcome.code)).inc()
        return _batch_result(settled)

    async def _produce(self, principal: Principal, prepared: Prepared) -> Accepted:
        event_id, future = self._start(principal, prepared)
        await self._wait_all([future])
        return self._finish(prepared.spec, event_id, future)

    def _start(
        self, principal: Principal, prepared: Prepared
    ) -> tuple[str, Future[DeliveryReport]]:
        """Complete, encode and queue one event; the future resolves on the broker's ack."""
        spec, event = prepared.spec, prepared.event
        event_id = str(event.event_id) if event.event_id else self._new_event_id()
        record = build_record(
            event, prepared.payload, event_id=event_id, source=principal.name,
            received_at_ms=self._now_ms(),
        )  # fmt: skip
        try:
            value = self._encoder.encode(spec, record)
        except ApiProblem:
            raise
        except EventFlowError as exc:  # registry away or schema not registered
            raise self._unavailable(f"the event could not be encoded ({exc})") from exc
        headers = [("event_type", spec.event_type.encode()), ("event_id", event_id.encode())]
        try:
            future = self._sink.send(
                self._limits.topic, value, key=partition_key(record, spec.partition_key),
                headers=headers,
            )  # fmt: skip
        except BrokerError as exc:
            raise self._unavailable(f"Kafka did not take the event ({exc})") from exc
        return event_id, future

    async def _wait_all(self, futures: Sequence[Future[DeliveryReport]]) -> None:
        """Wait until every future resolved, or the delivery timeout (plus grace) passed."""
        if not futures:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        remaining = [len(futures)]
        lock = threading.Lock()

        def settle() -> None:
            if not done.done():
                done.set_result(None)

        def count_down(_future: Future[DeliveryReport]) -> None:
            with lock:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last:
                loop.call_soon_threadsafe(settle)

        for future in futures:
            future.add_done_callback(count_down)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done, timeout=self._limits.delivery_timeout_s + 5.0)

    def _finish(
        self, spec: EventTypeSpec, event_id: str, future: Future[DeliveryReport]
    ) -> Accepted:
        if not future.done():
            raise self._unavailable("Kafka did not acknowledge the event in time")
        try:
            report = future.result()
        except BrokerError as exc:
            raise self._unavailable(f"Kafka did not acknowledge the event ({exc})") from exc
        self._metrics.produced.labels(spec.event_type).inc()
        return Accepted(
            event_id=event_id, topic=report.topic, partition=report.partition, offset=report.offset
        )

    def _unavailable(self, why: str) -> Unavailable:
        return Unavailable(
            f"{why}; it was not accepted, retry later", retry_after_s=self._limits.retry_after_s
        )


def _pydantic_problem(prefix: str, error: Any) -> FieldProblem:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    return FieldProblem(f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body", error["msg"])


def _batch_result(outcomes: Sequence[Accepted | ApiProblem]) -> BatchResult:
    results: list[RecordResult] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, Accepted):
            results.append(RecordResult(index=index, status=202, **outcome.model_dump()))
        else:
            fields = [FieldError(path=f.path, message=f.message) for f in outcome.fields]
            results.append(
                RecordResult(
                    index=index, status=outcome.status, error=str(outcome.code),
                    message=outcome.message, fields=fields or None,
                )
            )  # fmt: skip
    accepted = sum(1 for r in results if r.status == 202)
    return BatchResult(accepted=accepted, rejected=len(results) - accepted, results=results)
