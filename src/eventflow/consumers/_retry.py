"""How a stage retries (pure): what it says while retrying, how a failing batch narrows down.

A transient failure retries the batch with backoff. Each consecutive failure attributed to the
batch's records halves the next batch (down to one record), so a failure caused by one record
ends up with that record alone; a success doubles the batch size back up to the configured
one. A record that failed alone ``max_attempts`` times with a failure attributed to it (its
own output refused with a retriable error, not "the cluster is away") is given up on: the
caller dead-letters it. A failure that says nothing about the records (broker or database
unreachable, delivery timed out) never counts against a record: the stage waits for the
destination, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from eventflow.kafka import ConsumedRecord, Partition

RecordPosition = tuple[str, int, int]  # topic, partition, offset


@dataclass(frozen=True)
class RetryState:
    """Shown by ``eventflow dev status``, the stage's ``/health`` and a metric."""

    since: datetime
    cause: str
    attempts: int

    def describe(self) -> str:
        return f"retrying since {self.since.isoformat(timespec='seconds')}: {self.cause}"


class Narrowing:
    """Batch size and per-record attempts of one stage's retries."""

    def __init__(self, batch_size: int, max_attempts: int) -> None:
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.limit = batch_size  # the next poll's size
        self.state: RetryState | None = None
        self._attempts: dict[RecordPosition, int] = {}

    def succeeded(self) -> None:
        self.limit = min(self.batch_size, self.limit * 2)
        self.state = None
        self._attempts.clear()

    def failed(
        self,
        records: list[ConsumedRecord],
        cause: str,
        *,
        attributed: bool,
        now: datetime | None = None,
    ) -> ConsumedRecord | None:
        """Record one failed attempt of ``records``; return the record to give up on, if any.

        ``attributed``: the failure is about the records' own outputs (False: an outage)."""
        when = now or datetime.now(UTC)
        previous = self.state
        self.state = RetryState(
            since=previous.since if previous else when,
            cause=" ".join(cause.split()),
            attempts=(previous.attempts if previous else 0) + 1,
        )
        if not attributed:  # an outage: the same batch again once the destination is back
            return None
        self.limit = max(1, min(self.limit, len(records)) // 2)
        if len(records) != 1:
            return None
        record = records[0]
        position = (record.topic, record.partition, record.offset)
        count = self._attempts.get(position, 0) + 1
        self._attempts[position] = count
        if count >= self.max_attempts:
            del self._attempts[position]
            return record
        return None


def first_offsets(records: Iterable[ConsumedRecord]) -> dict[Partition, int]:
    """Per partition, the smallest offset among ``records``: where a rewind goes."""
    first: dict[Partition, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        offset = first.get(key)
        if offset is None or record.offset < offset:
            first[key] = record.offset
    return first
