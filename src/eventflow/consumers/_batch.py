"""One batch's work: decode, handle, encode, queue outputs and dead letters; then, once the
broker answered for every output, conclude it (dead-letter outputs refused for good, name the
retriable rest).

:meth:`BatchWork.start` never waits for the broker: it returns an :class:`InFlightBatch` whose
outputs and dead letters share one :class:`DeliveryGroup`, so the runtime can start the next
batch while this one is being delivered (``_runtime``). The batch's outputs are queued
together after every record was handled, in input order: the producer then sends them in few,
large requests (one per partition rather than one per ``linger.ms`` of handling time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from eventflow.consumers._dead_letter import dead_letter_for, fit_letter, format_exception
from eventflow.consumers._metrics import ServiceMetrics
from eventflow.consumers._outcome import (
    Forward,
    InputEvent,
    Outcome,
    Reject,
    RetriableFailure,
    Skip,
)
from eventflow.consumers._output_failures import (
    OutputsNotDelivered,
    RefusedForGood,
    oversize,
    refused_reason,
    split_failures,
)
from eventflow.consumers._ports import EventStore, Handler, LoopSender, RecordCodec
from eventflow.events import DeadLetter
from eventflow.kafka import ConsumedRecord, DeliveryFailed, DeliveryGroup, Partition

log = logging.getLogger("eventflow.consumers.runtime")


@dataclass(frozen=True)
class BatchTarget:
    """Where a batch's results go and the limits they must respect (from the ServiceSpec)."""

    service: str
    group: str
    output_topic: str | None
    dlq_topic: str
    max_record_bytes: int
    max_output_bytes: int | None
    max_record_attempts: int
    delivery_timeout_s: float


@dataclass
class BatchCounts:
    forwarded: int = 0
    dead: int = 0
    skipped: int = 0


@dataclass
class InFlightBatch:
    """A batch whose outputs are queued; done when ``deliveries`` is."""

    records: Sequence[ConsumedRecord]
    deliveries: DeliveryGroup
    outputs: dict[int, ConsumedRecord]  # index in deliveries -> its input record
    dead: list[tuple[ConsumedRecord, DeadLetter]] = field(default_factory=list)
    result: BatchCounts = field(default_factory=BatchCounts)
    queued_at: float = 0.0  # time.monotonic() once every output was queued


class BatchWork:
    """The per-batch steps of one service (handler, codec, producer, optional store)."""

    def __init__(
        self,
        target: BatchTarget,
        *,
        producer: LoopSender,
        codec: RecordCodec,
        handler: Handler,
        store: EventStore | None,
        metrics: ServiceMetrics,
    ) -> None:
        self.target = target
        self._producer = producer
        self._codec = codec
        self._handler = handler
        self._store = store
        self._metrics = metrics
        self.attempts: dict[Partition, tuple[int, int]] = {}  # partition -> (offset, attempt)

    # ---- start: everything up to queueing ---------------------------------------------------

    def start(self, records: Sequence[ConsumedRecord]) -> InFlightBatch:
        """Handle ``records`` and queue their outputs; raises RetriableFailure untouched."""
        batch = InFlightBatch(records, DeliveryGroup(), {})
        forwards: list[tuple[ConsumedRecord, bytes]] = []
        stored: list[InputEvent] = []
        self._metrics.consumed.inc(len(records))
        for record in records:
            event, outcome = self._decode_and_handle(record)
            if isinstance(outcome, Forward):
                assert event is not None
                out = InputEvent(event.record, event.schema_id, outcome.value, event.head_end)
                if self._store is not None:
                    stored.append(out)
                    continue
                try:
                    data = self._codec.encode(
                        out.schema_id,
                        out.value,
                        source=record.value,
                        head_end=event.head_end,
                        changed=outcome.changed,
                    )
                except Exception as exc:  # a value the handler broke
                    outcome = failed_reason("output.encode_failed", exc)
                else:
                    forwards.append((record, data))
                    continue
            if isinstance(outcome, Reject):
                batch.dead.append((record, self.dead_letter(record, outcome)))
            elif isinstance(outcome, Skip):
                batch.result.skipped += 1
        if self._store is not None and stored:
            refused = self._write_store(stored)
            batch.result.forwarded += len(stored) - len(refused)
            batch.dead.extend(refused)
        for record, data in forwards:  # one burst: few, large produce requests
            sent = self._forward(batch.deliveries, record, data)
            if isinstance(sent, int):
                batch.outputs[sent] = record
                batch.result.forwarded += 1
            else:
                batch.dead.append((record, self.dead_letter(record, sent)))
        for record, letter in batch.dead:
            self.send_dead_letter(batch.deliveries, record, letter)
        batch.queued_at = time.monotonic()
        return batch

    def _decode_and_handle(self, record: ConsumedRecord) -> tuple[InputEvent | None, Outcome]:
        if record.value is None:
            return None, Reject("NullValue", "the record has no value (tombstone)")
        try:
            schema_id, value, head_end = self._codec.decode_split(record.value)
        except RetriableFailure:
            raise
        except Exception as exc:  # every undecodable record becomes a dead letter
            return None, failed_reason("decode.failed", exc)
        event = InputEvent(record, schema_id, value, head_end)
        started = time.perf_counter()
        try:
            outcome = self._handler.handle(event)
        except RetriableFailure:
            raise
        except Exception as exc:  # a handler bug dead-letters one record only
            outcome = failed_reason("handler.failed", exc)
        finally:
            self._metrics.latency.observe(time.perf_counter() - started)
        return event, outcome

    def _forward(self, group: DeliveryGroup, record: ConsumedRecord, data: bytes) -> int | Reject:
        """Queue the output; its index in ``group``, or why it is refused for good."""
        topic = self.target.output_topic
        assert topic is not None
        too_large = oversize(data, record.key, self.target.max_output_bytes, topic)
        if too_large is not None:
            return too_large
        headers = [(k, v) for k, v in record.headers if v is not None] if record.headers else []
        try:
            return self._send(group, topic, data, record.key, headers)
        except RefusedForGood as refused:
            return refused_reason(refused.failure)

    def _send(
        self,
        group: DeliveryGroup,
        topic: str,
        value: bytes,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> int:
        try:
            return self._producer.send_in(group, topic, value, key=key, headers=headers or None)
        except DeliveryFailed as exc:
            if not exc.retriable:  # e.g. larger than message.max.bytes: never retried
                raise RefusedForGood(exc) from exc
            raise RetriableFailure(f"could not queue a record for {topic}: {exc}") from exc
        except Exception as exc:  # queue full, broker away: retry the batch later
            raise RetriableFailure(f"could not queue a record for {topic}: {exc}") from exc

    def _write_store(self, events: list[InputEvent]) -> list[tuple[ConsumedRecord, DeadLetter]]:
        assert self._store is not None
        try:
            self._store.write(events)
            return []
        except RetriableFailure:
            raise
        except Exception:  # find the rows the store refuses, keep the rest
            log.warning("%s: batch write failed; writing one by one", self.target.service)
        dead: list[tuple[ConsumedRecord, DeadLetter]] = []
        for event in events:
            try:
                self._store.write([event])
            except RetriableFailure:
                raise
            except Exception as exc:
                reject = Reject(
                    getattr(exc, "error_type", None) or "store.refused",
                    f"{self.store_name()} refused the row ({type(exc).__name__}): {exc}",
                    format_exception(exc),
                )
                dead.append((event.record, self.dead_letter(event.record, reject)))
        return dead

    # ---- dead letters -----------------------------------------------------------------------

    def dead_letter(self, record: ConsumedRecord, reject: Reject) -> DeadLetter:
        return dead_letter_for(
            record,
            error_type=reject.error_type,
            message=reject.message,
            service=self.target.service,
            group=self.target.group,
            attempt=self._attempt_of(record),
            stack_trace=reject.stack_trace,
        )

    def send_dead_letter(
        self, group: DeliveryGroup, record: ConsumedRecord, letter: DeadLetter
    ) -> None:
        encode = self._codec.encode_dead_letter
        sent, key, data = fit_letter(letter, record.key, encode, self.target.max_record_bytes)
        how = " (by reference: the original would not fit)" if sent is not letter else ""
        log.warning(
            "%s: dead-lettering %s%s: %s: %s",
            self.target.service,
            at(record),
            how,
            letter.error_type,
            letter.error_message,
        )
        try:
            self._send(group, self.target.dlq_topic, data, key, [])
        except RefusedForGood as refused:  # the dead-letter topic itself refuses: operator
            raise RetriableFailure(
                f"the dead-letter topic {self.target.dlq_topic} refuses letters: {refused.failure}"
            ) from refused

    def _attempt_of(self, record: ConsumedRecord) -> int:
        offset, attempt = self.attempts.get((record.topic, record.partition), (-1, 0))
        return attempt + 1 if offset == record.offset else 1

    def give_up_on(self, record: ConsumedRecord, cause: RetriableFailure) -> DeadLetter:
        """Dead-letter one record whose own output kept failing; wait until the letter is in.
        Raises RetriableFailure when the letter itself is not delivered."""
        reject = Reject(
            "output.retries_exhausted",
            f"its output failed alone {self.target.max_record_attempts} times; last: {cause}",
        )
        letter = self.dead_letter(record, reject)
        group = DeliveryGroup()
        self.send_dead_letter(group, record, letter)
        self.await_group(group)
        split_failures(group, {})
        return letter

    # ---- conclude: once the broker answered ------------------------------------------------

    def conclude(self, batch: InFlightBatch) -> OutputsNotDelivered | None:
        """Dead-letter the inputs whose outputs were refused for good (waiting for those
        letters); return the retriable failure of the rest, if any. Raises RetriableFailure
        when a dead letter was not delivered (its input cannot be committed)."""
        refused_outputs, retry = split_failures(batch.deliveries, batch.outputs)
        if refused_outputs:
            batch.result.forwarded -= len(refused_outputs)
            letters = DeliveryGroup()
            for record, reject in refused_outputs:
                letter = self.dead_letter(record, reject)
                batch.dead.append((record, letter))
                self.send_dead_letter(letters, record, letter)
            self.await_group(letters)
            split_failures(letters, {})
        return retry

    def count(self, batch: InFlightBatch) -> None:
        """The metrics of a batch that is done (delivered, about to be committed)."""
        for _record, letter in batch.dead:
            self._metrics.dead_lettered(letter.error_type)
        batch.result.dead = len(batch.dead)
        destination = self.target.output_topic or self.store_name()
        self._metrics.produced(destination, batch.result.forwarded)
        self._metrics.skipped.inc(batch.result.skipped)
        for record in batch.records:
            self.attempts.pop((record.topic, record.partition), None)

    def await_group(self, group: DeliveryGroup) -> None:
        if not len(group):
            return
        if not self._producer.wait_for(group, self.target.delivery_timeout_s):
            raise RetriableFailure(
                f"{group.pending} output record(s) not acknowledged within "
                f"{self.target.delivery_timeout_s:.0f}s"
            )

    def store_name(self) -> str:
        return self._store.name if self._store is not None else "store"


def failed_reason(default_type: str, exc: Exception) -> Reject:
    """A dead-letter reason for an exception: its own ``error_type`` when it names one, else
    ``default_type``; the exception class stays in the message, never as the type."""
    kind = str(getattr(exc, "error_type", None) or default_type)
    return Reject(kind, f"{type(exc).__name__}: {exc}", format_exception(exc))


def at(record: ConsumedRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"
