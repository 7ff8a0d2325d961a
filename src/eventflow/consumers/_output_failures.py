"""What a stage does with outputs that were not delivered (pure).

An output refused for good (``DeliveryFailed.retriable`` False: too large, invalid, not
authorized, unknown topic) dead-letters its input record; the rest of the batch goes on. An
output refused with a retriable error makes the batch retry from that record: what each
partition delivered before it is committed, so a retry does not send it again.

The broker applies a topic's ``max.message.bytes`` to a whole produce batch, so "too large"
from the broker condemns a record only when it was the batch's one output; otherwise it is
retried in a narrowed batch. Outputs that are too large by themselves are refused before they
are sent (:func:`oversize`, against the limit read at startup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eventflow.consumers._outcome import Reject, RetriableFailure
from eventflow.kafka import ConsumedRecord, DeliveryFailed, DeliveryGroup, Partition


class OutputsNotDelivered(RetriableFailure):
    """Outputs not delivered for a retriable reason; ``failed`` are their input records,
    ``attributed`` tells whether the failure is about them (False: the cluster is away)."""

    def __init__(
        self, message: str, failed: tuple[ConsumedRecord, ...], *, attributed: bool
    ) -> None:
        super().__init__(message)
        self.failed = failed
        self.attributed = attributed


class RefusedForGood(Exception):
    """The producer refused to queue a record for good (e.g. over ``message.max.bytes``)."""

    def __init__(self, failure: DeliveryFailed) -> None:
        super().__init__(str(failure))
        self.failure = failure


def refused_reason(failure: DeliveryFailed) -> Reject:
    """The dead-letter reason of an input whose output is refused for good."""
    kind = "output.too_large" if failure.too_large else "output.refused"
    return Reject(kind, f"the output record was refused for good: {failure}")


BATCH_OVERHEAD = 128  # bytes a one-record batch adds around key and value (with room to spare)


def oversize(data: bytes, key: bytes | None, limit: int | None, topic: str) -> Reject | None:
    """A refusal when the output record alone exceeds the topic's ``max.message.bytes``."""
    if limit is None or len(data) + len(key or b"") + BATCH_OVERHEAD <= limit:
        return None
    size = len(data)
    message = f"the output record is {size} bytes; {topic} takes at most {limit} bytes"
    return Reject("output.too_large", message + " (its max.message.bytes)")


def split_failures(
    group: DeliveryGroup, outputs: Mapping[int, ConsumedRecord]
) -> tuple[list[tuple[ConsumedRecord, Reject]], OutputsNotDelivered | None]:
    """Split the failed deliveries of ``group`` (``outputs``: index -> input record) into the
    inputs to dead-letter (outputs refused for good) and the retriable rest. A failed record
    that is not an output (a dead letter) raises RetriableFailure: without its letter, its
    input cannot be committed. "Too large" among several outputs may be the batch's size, not
    the record's: it is retried (and narrowed down) like a retriable failure of the record."""
    refused: list[tuple[ConsumedRecord, Reject]] = []
    failed: list[ConsumedRecord] = []
    first: DeliveryFailed | None = None
    attributed = False
    for index, report in enumerate(group.reports):
        if not isinstance(report, DeliveryFailed):
            continue
        record = outputs.get(index)
        if record is None:
            raise RetriableFailure(f"a dead letter was not delivered: {report}") from report
        if not report.retriable and not (report.too_large and len(outputs) > 1):
            refused.append((record, refused_reason(report)))
            continue
        first = first or report
        failed.append(record)
        attributed = attributed or not report.unavailable
    if first is None:
        return refused, None
    message = f"{len(failed)} output record(s) not delivered: {first}"
    return refused, OutputsNotDelivered(message, tuple(failed), attributed=attributed)


def commit_offsets(
    records: Sequence[ConsumedRecord], *, before: Sequence[ConsumedRecord] = ()
) -> dict[Partition, int]:
    """The offsets to commit for ``records``; with ``before``, in each partition holding one of
    those only the records ahead of the first (the retry starts there)."""
    stop_at: dict[Partition, int] = {}
    for record in before:
        key = (record.topic, record.partition)
        stop_at[key] = min(stop_at.get(key, record.offset), record.offset)
    offsets: dict[Partition, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        end = stop_at.get(key)
        if end is None or record.offset < end:  # delivered: commit past it
            offsets[key] = max(offsets.get(key, 0), record.offset + 1)
    return offsets
