"""The one consumer loop every pipeline service runs.

poll a batch -> decode each record -> handler -> produce outputs and dead letters (or write
the batch to a store) -> wait until every output is acknowledged -> commit the batch's offsets.
A batch's outputs share one :class:`DeliveryGroup` (no future per record); the producer is
polled by this loop's own thread while it waits, so delivery callbacks never contend for the GIL
with a background poll thread.
Offsets are committed only after the outputs are in Kafka (or the store), so a crash at any
point replays at most the uncommitted batch: at-least-once, made effectively-once downstream by
idempotent writes keyed by event id (docs/adr/0006-delivery-semantics.md).

An output refused for good (too large, invalid, not authorized) dead-letters its input and the
batch goes on; a dead letter always fits (``dead_letter.fit_letter``). A
:class:`RetriableFailure` (store down, broker away, an output refused with a retriable error)
commits what was delivered before it, rewinds the rest, pauses, backs off and retries in a
narrowed batch (``retry.Narrowing``; ``output_failures``); the stage says it is retrying
(:attr:`ServiceRuntime.retry_state`, a metric, ``/health``). Any other handler exception
dead-letters that one record with its stack trace; undecodable input is dead-lettered before
the handler sees it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventflow.consumers._dead_letter import (
    DLQ_TOPIC,
    dead_letter_for,
    fit_letter,
    format_exception,
)
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
    commit_offsets,
    oversize,
    refused_reason,
    split_failures,
)
from eventflow.consumers._ports import EventStore, Handler, LoopSender, RecordCodec, RecordSource
from eventflow.consumers._retry import Narrowing, RetryState
from eventflow.events import DeadLetter
from eventflow.kafka import (
    DEFAULT_MESSAGE_MAX_BYTES,
    ConsumedRecord,
    DeliveryFailed,
    DeliveryGroup,
    Partition,
)

log = logging.getLogger("eventflow.consumers.runtime")


@dataclass(frozen=True)
class ServiceSpec:
    service: str
    group: str
    input_topic: str
    output_topic: str | None = None  # None: the service writes to an EventStore
    dlq_topic: str = DLQ_TOPIC
    batch_size: int = 500
    poll_timeout_s: float = 0.2
    delivery_timeout_s: float = 60.0
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 10.0
    lag_interval_s: float = 1.0
    max_record_bytes: int = DEFAULT_MESSAGE_MAX_BYTES  # dead letters are built to fit under it
    max_output_bytes: int | None = None  # the output topic's limit when below the producer's
    max_record_attempts: int = 5  # a record whose own output fails alone this often: DLQ


@dataclass
class _BatchResult:
    forwarded: int = 0
    dead: int = 0
    skipped: int = 0


class ServiceRuntime:
    """Drive one service: ``run(stop)`` until ``stop`` is set, then finish the batch and leave."""

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        source: RecordSource,
        producer: LoopSender,
        codec: RecordCodec,
        handler: Handler,
        store: EventStore | None = None,
        metrics: ServiceMetrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if (spec.output_topic is None) == (store is None):
            raise ValueError("a service has exactly one output: an output_topic or a store")
        self.spec = spec
        self.metrics = metrics or ServiceMetrics(spec.service)
        self._source = source
        self._producer = producer
        self._codec = codec
        self._handler = handler
        self._store = store
        self._sleep = sleep
        self._narrowing = Narrowing(spec.batch_size, spec.max_record_attempts)
        self._attempts: dict[Partition, tuple[int, int]] = {}  # partition -> (offset, attempt)
        self._last_lag = 0.0

    # ---- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.run_once(stop)
        finally:
            self._source.close()

    @property
    def retry_state(self) -> RetryState | None:
        """Since when and why the stage is retrying (None: it is not)."""
        return self._narrowing.state

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Poll and fully process one batch; return how many records it held."""
        records = self._source.poll_batch(self._narrowing.limit, self.spec.poll_timeout_s)
        self._update_lag()
        if not records:
            return 0
        try:
            self.process(records)
        except RetriableFailure as exc:
            attributed = isinstance(exc, OutputsNotDelivered) and exc.attributed
            give_up = self._narrowing.failed(list(records), str(exc), attributed=attributed)
            self.metrics.set_retrying(self._narrowing.state)
            if give_up is None or not self._dead_letter_alone(give_up, exc):
                failed = exc.failed if isinstance(exc, OutputsNotDelivered) else records
                self._rewind_and_wait(failed, exc, stop)
        return len(records)

    def _dead_letter_alone(self, record: ConsumedRecord, exc: RetriableFailure) -> bool:
        """Give up on one record whose own output kept failing: dead-letter it, commit it."""
        reject = Reject(
            "output.retries_exhausted",
            f"its output failed alone {self.spec.max_record_attempts} times; last: {exc}",
        )
        letter = self._dead_letter(record, reject)
        group = DeliveryGroup()
        try:
            self._send_dead_letter(group, record, letter)
            self._await(group)
            split_failures(group, {})
        except RetriableFailure as failure:
            log.warning("%s: could not dead-letter %s: %s", self.spec.service, _at(record), failure)
            return False
        self._commit([record])
        self.metrics.dead_lettered(letter.error_type)
        self._narrowing.succeeded()
        self.metrics.set_retrying(None)
        return True

    def process(self, records: Sequence[ConsumedRecord]) -> _BatchResult:
        """Handle, output, wait for delivery, commit. Raises RetriableFailure untouched."""
        result = _BatchResult()
        deliveries = DeliveryGroup()
        stored: list[InputEvent] = []
        dead: list[tuple[ConsumedRecord, DeadLetter]] = []
        outputs: dict[int, ConsumedRecord] = {}  # index in deliveries -> its input record
        self.metrics.consumed.inc(len(records))
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
                    outcome = _failed("output.encode_failed", exc)
                else:
                    sent = self._forward(deliveries, record, data)
                    if isinstance(sent, int):
                        outputs[sent] = record
                        result.forwarded += 1
                        continue
                    outcome = sent
            if isinstance(outcome, Reject):
                dead.append((record, self._dead_letter(record, outcome)))
            elif isinstance(outcome, Skip):
                result.skipped += 1
        if self._store is not None and stored:
            refused = self._write_store(stored)
            result.forwarded += len(stored) - len(refused)
            dead.extend(refused)
        for record, letter in dead:
            self._send_dead_letter(deliveries, record, letter)
        self._await(deliveries)
        refused_outputs, retry = split_failures(deliveries, outputs)
        if refused_outputs:  # outputs refused for good: their inputs are dead-lettered
            result.forwarded -= len(refused_outputs)
            letters = DeliveryGroup()
            for record, reject in refused_outputs:
                letter = self._dead_letter(record, reject)
                dead.append((record, letter))
                self._send_dead_letter(letters, record, letter)
            self._await(letters)
            split_failures(letters, {})
        if retry is not None:
            self._commit(records, before=retry.failed)
            raise retry
        self._commit(records)
        for _record, letter in dead:
            self.metrics.dead_lettered(letter.error_type)
        result.dead = len(dead)
        self.metrics.produced(self.spec.output_topic or self._store_name(), result.forwarded)
        self.metrics.skipped.inc(result.skipped)
        for record in records:
            self._attempts.pop((record.topic, record.partition), None)
        self._narrowing.succeeded()
        self.metrics.set_retrying(None)
        return result

    # ---- steps ----------------------------------------------------------------------------

    def _decode_and_handle(self, record: ConsumedRecord) -> tuple[InputEvent | None, Outcome]:
        if record.value is None:
            return None, Reject("NullValue", "the record has no value (tombstone)")
        try:
            schema_id, value, head_end = self._codec.decode_split(record.value)
        except RetriableFailure:
            raise
        except Exception as exc:  # every undecodable record becomes a dead letter
            return None, _failed("decode.failed", exc)
        event = InputEvent(record, schema_id, value, head_end)
        started = time.perf_counter()
        try:
            outcome = self._handler.handle(event)
        except RetriableFailure:
            raise
        except Exception as exc:  # a handler bug dead-letters one record only
            outcome = _failed("handler.failed", exc)
        finally:
            self.metrics.latency.observe(time.perf_counter() - started)
        return event, outcome

    def _forward(self, group: DeliveryGroup, record: ConsumedRecord, data: bytes) -> int | Reject:
        """Queue the output; its index in ``group``, or why it is refused for good."""
        topic = self.spec.output_topic
        assert topic is not None
        too_large = oversize(data, record.key, self.spec.max_output_bytes, topic)
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

    def _dead_letter(self, record: ConsumedRecord, reject: Reject) -> DeadLetter:
        return dead_letter_for(
            record,
            error_type=reject.error_type,
            message=reject.message,
            service=self.spec.service,
            group=self.spec.group,
            attempt=self._attempt_of(record),
            stack_trace=reject.stack_trace,
        )

    def _send_dead_letter(
        self, group: DeliveryGroup, record: ConsumedRecord, letter: DeadLetter
    ) -> None:
        encode = self._codec.encode_dead_letter
        limit = self.spec.max_record_bytes
        sent, key, data = fit_letter(letter, record.key, encode, limit)
        how = " (by reference: the original would not fit)" if sent is not letter else ""
        log.warning(
            "%s: dead-lettering %s%s: %s: %s",
            self.spec.service,
            _at(record),
            how,
            letter.error_type,
            letter.error_message,
        )
        try:
            self._send(group, self.spec.dlq_topic, data, key, [])
        except RefusedForGood as refused:  # the dead-letter topic itself refuses: operator
            raise RetriableFailure(
                f"the dead-letter topic {self.spec.dlq_topic} refuses letters: {refused.failure}"
            ) from refused

    def _write_store(self, events: list[InputEvent]) -> list[tuple[ConsumedRecord, DeadLetter]]:
        assert self._store is not None
        try:
            self._store.write(events)
            return []
        except RetriableFailure:
            raise
        except Exception:  # find the rows the store refuses, keep the rest
            log.warning("%s: batch write failed; writing one by one", self.spec.service)
        dead: list[tuple[ConsumedRecord, DeadLetter]] = []
        for event in events:
            try:
                self._store.write([event])
            except RetriableFailure:
                raise
            except Exception as exc:
                reject = Reject(
                    getattr(exc, "error_type", None) or "store.refused",
                    f"{self._store_name()} refused the row ({type(exc).__name__}): {exc}",
                    format_exception(exc),
                )
                dead.append((event.record, self._dead_letter(event.record, reject)))
        return dead

    def _await(self, group: DeliveryGroup) -> None:
        if not len(group):
            return
        if not self._producer.wait_for(group, self.spec.delivery_timeout_s):
            raise RetriableFailure(
                f"{group.pending} output record(s) not acknowledged within "
                f"{self.spec.delivery_timeout_s:.0f}s"
            )

    def _commit(
        self, records: Sequence[ConsumedRecord], *, before: Sequence[ConsumedRecord] = ()
    ) -> None:
        offsets = commit_offsets(records, before=before)
        if not offsets:
            return
        try:
            self._source.commit(offsets)
        except Exception as exc:  # partitions moved: the new owner redoes them
            log.warning(
                "%s: commit failed (%s); the batch will be redelivered to the "
                "partitions' next owner",
                self.spec.service,
                exc,
            )

    # ---- retries --------------------------------------------------------------------------

    def _attempt_of(self, record: ConsumedRecord) -> int:
        offset, attempt = self._attempts.get((record.topic, record.partition), (-1, 0))
        return attempt + 1 if offset == record.offset else 1

    def _rewind_and_wait(
        self, records: Sequence[ConsumedRecord], exc: RetriableFailure, stop: threading.Event | None
    ) -> None:
        self.metrics.retries.inc()
        first: dict[Partition, int] = {}
        for record in records:
            key = (record.topic, record.partition)
            first[key] = min(first.get(key, record.offset), record.offset)
        for key, offset in first.items():
            previous_offset, attempt = self._attempts.get(key, (-1, 0))
            self._attempts[key] = (offset, attempt + 1 if previous_offset == offset else 1)
            self._source.seek(key, offset)
        streak = self._narrowing.state.attempts if self._narrowing.state else 1
        delay = min(self.spec.backoff_max_s, self.spec.backoff_initial_s * 2 ** (streak - 1))
        log.warning(
            "%s: retriable failure (%s); retrying %d record(s) in %.1fs",
            self.spec.service,
            exc,
            len(records),
            delay,
        )
        paused = self._source.assignment()
        self._source.pause(paused)
        try:
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
                # keep serving the group (heartbeats, rebalances) while paused; anything that
                # still arrives is rewound so it is processed in order after the pause
                for record in self._source.poll_batch(self.spec.batch_size, 0.0):
                    key = (record.topic, record.partition)
                    first[key] = min(first.get(key, record.offset), record.offset)
                    self._source.seek(key, first[key])
                self._sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        finally:
            self._source.resume(sorted(set(paused) | set(self._source.assignment())))

    def _update_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag >= self.spec.lag_interval_s:
            self._last_lag = now
            self.metrics.set_lag(self._source.lag())

    def _store_name(self) -> str:
        return self._store.name if self._store is not None else "store"


def _failed(default_type: str, exc: Exception) -> Reject:
    """A dead-letter reason for an exception: its own ``error_type`` when it names one, else
    ``default_type``; the exception class stays in the message, never as the type."""
    kind = str(getattr(exc, "error_type", None) or default_type)
    return Reject(kind, f"{type(exc).__name__}: {exc}", format_exception(exc))


def _at(record: ConsumedRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"
