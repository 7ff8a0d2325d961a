"""The one consumer loop every pipeline service runs.

poll a batch -> decode each record -> handler -> queue outputs and dead letters (or write the
batch to a store) (``_batch``) -> poll the next batch while the broker acknowledges this one ->
once a batch's every output is acknowledged, commit its offsets (asynchronously, coalesced).

Up to ``max_batches_in_flight`` batches may await their acknowledgements at once; they are
concluded strictly in the order they were polled, so a partition's offsets are committed only
up to the first record whose output is not delivered (the contiguous delivered prefix). When a
batch's delivery fails transiently, what it delivered before its first failed record is
committed, every later batch in flight is dropped (its outputs may already be on the next
topic: they are sent again, in order, after the retry), each partition is rewound to its first
record not delivered, and the stage backs off and retries in a narrowed batch (``_retry``,
``_output_failures``). The stage says it is retrying (:attr:`ServiceRuntime.retry_state`, a
metric, ``/health``). Offsets are committed only after the outputs are in Kafka (or the
store), so a crash at any point replays at most the uncommitted batches: at-least-once, made
effectively-once downstream by idempotent writes keyed by event id
(docs/adr/0006-delivery-semantics.md).

An output refused for good (too large, invalid, not authorized) dead-letters its input and the
batch goes on; a dead letter always fits. Any other handler exception dead-letters that one
record with its stack trace; undecodable input is dead-lettered before the handler sees it.
The producer is polled by this loop's own thread, so delivery callbacks never contend for the
GIL with a background poll thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventflow.consumers._batch import BatchTarget, BatchWork, InFlightBatch, at
from eventflow.consumers._dead_letter import DLQ_TOPIC
from eventflow.consumers._metrics import ServiceMetrics
from eventflow.consumers._outcome import RetriableFailure
from eventflow.consumers._output_failures import OutputsNotDelivered, commit_offsets
from eventflow.consumers._ports import EventStore, Handler, LoopSender, RecordCodec, RecordSource
from eventflow.consumers._retry import Narrowing, RetryState, first_offsets
from eventflow.kafka import DEFAULT_MESSAGE_MAX_BYTES, ConsumedRecord, Partition

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
    max_batches_in_flight: int = 1  # 1: wait for each batch before polling the next
    commit_interval_s: float = 0.0  # commit delivered offsets at most this often (0: each time)


@dataclass(frozen=True)
class _Failure:
    """A batch that failed: the cause, the batch's records (for narrowing) and every record
    that must be read again (its undelivered ones and those of the batches dropped after it)."""

    cause: RetriableFailure
    batch: Sequence[ConsumedRecord]
    rewind: Sequence[ConsumedRecord]


class ServiceRuntime:
    """Drive one service: ``run(stop)`` until ``stop`` is set, then finish what is in flight,
    commit and leave."""

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
        if spec.max_batches_in_flight < 1:
            raise ValueError("max_batches_in_flight must be at least 1")
        self.spec = spec
        self.metrics = metrics or ServiceMetrics(spec.service)
        self._source = source
        self._producer = producer
        self._sleep = sleep
        self._work = BatchWork(
            BatchTarget(
                spec.service,
                spec.group,
                spec.output_topic,
                spec.dlq_topic,
                spec.max_record_bytes,
                spec.max_output_bytes,
                spec.max_record_attempts,
                spec.delivery_timeout_s,
            ),
            producer=producer,
            codec=codec,
            handler=handler,
            store=store,
            metrics=self.metrics,
        )
        self._narrowing = Narrowing(spec.batch_size, spec.max_record_attempts)
        self._in_flight: deque[InFlightBatch] = deque()
        self._to_commit: dict[Partition, int] = {}
        self._last_commit = 0.0
        self._last_lag = 0.0

    # ---- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.run_once(stop)
        finally:
            try:
                self.finish()
            finally:
                self._source.close()

    @property
    def retry_state(self) -> RetryState | None:
        """Since when and why the stage is retrying (None: it is not)."""
        return self._narrowing.state

    @property
    def in_flight(self) -> int:
        """Batches whose outputs are queued but not yet all acknowledged."""
        return len(self._in_flight)

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Poll one batch, start it, conclude the batches that are delivered; return how many
        records were polled. Waits for the oldest batch in flight when nothing new arrived or
        the pipeline is full (always, with ``max_batches_in_flight`` 1)."""
        timeout = 0.0 if self._in_flight else self.spec.poll_timeout_s
        records = self._source.poll_batch(self._narrowing.limit, timeout)
        self._update_lag()
        failure: _Failure | None = None
        if records:
            try:
                self._in_flight.append(self._work.start(records))
            except RetriableFailure as exc:
                # what went out before these records is settled first; when it failed too,
                # its retry comes first and these records are read again after it
                earlier = self._settle(until_empty=True)
                failure = (
                    _Failure(exc, records, records)
                    if earlier is None
                    else _Failure(earlier.cause, earlier.batch, [*earlier.rewind, *records])
                )
        if failure is None:
            full = len(self._in_flight) >= self._depth()
            failure = self._settle(wait=full or not records)
        if failure is not None:
            self._retry(failure, stop)
        return len(records)

    def finish(self) -> None:
        """Wait for every batch in flight, commit what was delivered (synchronously); a batch
        that fails now is left to the next run (or the partition's next owner)."""
        failure = self._settle(until_empty=True, sync_commit=True)
        if failure is not None:
            log.warning(
                "%s: stopping with %d record(s) not delivered (%s); they are read again on restart",
                self.spec.service,
                len(failure.rewind),
                failure.cause,
            )

    def partitions_revoked(self, partitions: Sequence[Partition]) -> None:
        """Rebalance callback (inside a poll): conclude every batch in flight and commit what
        was delivered synchronously, so a partition leaves with its delivered work committed.
        After a failure the partitions this member keeps are rewound to their first record
        not delivered (the retry then happens in the normal loop, reading them again)."""
        if not self._in_flight and not self._to_commit:
            return
        failure = self._settle(until_empty=True, sync_commit=True)
        if failure is None:
            return
        revoked = set(partitions)
        for key, offset in first_offsets(failure.rewind).items():
            if key not in revoked:
                self._source.seek(key, offset)
        log.warning(
            "%s: partitions revoked while a batch was failing (%s); its records are read "
            "again from the last commit",
            self.spec.service,
            failure.cause,
        )

    def _depth(self) -> int:
        # while retrying, one batch at a time: the narrowing finds the culprit in order
        return 1 if self._narrowing.state is not None else self.spec.max_batches_in_flight

    # ---- concluding batches in order ------------------------------------------------------

    def _settle(
        self, *, wait: bool = False, until_empty: bool = False, sync_commit: bool = False
    ) -> _Failure | None:
        """Conclude the delivered batches at the head of the queue, in order, and commit them.
        ``wait``: wait for the oldest batch first; ``until_empty``: for every batch."""
        self._producer.poll(0)
        failure: _Failure | None = None
        while self._in_flight:
            head = self._in_flight[0]
            if not head.deliveries.done:
                if not (wait or until_empty):
                    break
                left = head.queued_at + self.spec.delivery_timeout_s - time.monotonic()
                if not self._producer.wait_for(head.deliveries, max(0.0, left)):
                    failure = self._fail_head(
                        RetriableFailure(
                            f"{head.deliveries.pending} output record(s) not acknowledged "
                            f"within {self.spec.delivery_timeout_s:.0f}s"
                        ),
                        head.records,
                    )
                    break
            wait = False
            try:
                retry = self._work.conclude(head)
            except RetriableFailure as exc:  # a dead letter was not delivered
                failure = self._fail_head(exc, head.records)
                break
            if retry is not None:
                failure = self._fail_head(retry, retry.failed)
                break
            self._in_flight.popleft()
            self._add_commit(commit_offsets(head.records))
            self._work.count(head)
            self._narrowing.succeeded()
            self.metrics.set_retrying(None)
        self._commit(force=failure is not None or until_empty, sync=sync_commit)
        return failure

    def _fail_head(
        self, cause: RetriableFailure, undelivered: Sequence[ConsumedRecord]
    ) -> _Failure:
        """The oldest batch failed: keep what it delivered before ``undelivered``, drop every
        later batch (their records are read again after the retry, in order)."""
        head = self._in_flight.popleft()
        self._add_commit(commit_offsets(head.records, before=undelivered))
        dropped = [record for batch in self._in_flight for record in batch.records]
        if dropped:
            log.info(
                "%s: %d later batch(es) in flight dropped behind the failed one; their %d "
                "record(s) are read again in order",
                self.spec.service,
                len(self._in_flight),
                len(dropped),
            )
        self._in_flight.clear()
        return _Failure(cause, head.records, [*undelivered, *dropped])

    def _add_commit(self, offsets: dict[Partition, int]) -> None:
        for key, offset in offsets.items():
            self._to_commit[key] = max(self._to_commit.get(key, 0), offset)

    def _commit(self, *, force: bool = False, sync: bool = False) -> None:
        if not self._to_commit:
            return
        now = time.monotonic()
        if not force and now - self._last_commit < self.spec.commit_interval_s:
            return
        offsets, self._to_commit = self._to_commit, {}
        self._last_commit = now
        try:
            self._source.commit(offsets, asynchronous=not sync)
        except Exception as exc:  # partitions moved: the new owner redoes them
            log.warning(
                "%s: commit failed (%s); the records will be redelivered to the "
                "partitions' next owner",
                self.spec.service,
                exc,
            )

    # ---- retries --------------------------------------------------------------------------

    def _retry(self, failure: _Failure, stop: threading.Event | None) -> None:
        exc = failure.cause
        attributed = isinstance(exc, OutputsNotDelivered) and exc.attributed
        give_up = self._narrowing.failed(list(failure.batch), str(exc), attributed=attributed)
        self.metrics.set_retrying(self._narrowing.state)
        if give_up is not None and self._dead_letter_alone(give_up, exc):
            rest = [record for record in failure.rewind if record is not give_up]
            for key, offset in first_offsets(rest).items():
                self._source.seek(key, offset)
            return
        self._rewind_and_wait(failure.rewind, exc, stop)

    def _dead_letter_alone(self, record: ConsumedRecord, exc: RetriableFailure) -> bool:
        """Give up on one record whose own output kept failing: dead-letter it, commit it."""
        try:
            letter = self._work.give_up_on(record, exc)
        except RetriableFailure as failure:
            log.warning("%s: could not dead-letter %s: %s", self.spec.service, at(record), failure)
            return False
        self._add_commit(commit_offsets([record]))
        self._commit(force=True, sync=True)
        self.metrics.dead_lettered(letter.error_type)
        self._narrowing.succeeded()
        self.metrics.set_retrying(None)
        return True

    def _rewind_and_wait(
        self, records: Sequence[ConsumedRecord], exc: RetriableFailure, stop: threading.Event | None
    ) -> None:
        self.metrics.retries.inc()
        first = first_offsets(records)
        attempts = self._work.attempts
        for key, offset in first.items():
            previous_offset, attempt = attempts.get(key, (-1, 0))
            attempts[key] = (offset, attempt + 1 if previous_offset == offset else 1)
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
