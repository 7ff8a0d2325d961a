"""Dead-letter records (pure): what failed, where, why, and the original bytes to replay.

The value is ``com.eventflow.dlq.DeadLetter`` (subject ``events.dlq.v1-value``). Replay puts
the original key, value and headers back on the origin topic with one extra header,
``eventflow-attempt``, so a record that fails again is dead-lettered with a higher attempt
count.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventflow.kafka.consumer import ConsumedRecord

DLQ_TOPIC = "events.dlq.v1"
DLQ_SUBJECT = "events.dlq.v1-value"
ATTEMPT_HEADER = "eventflow-attempt"
REPLAYED_FROM_HEADER = "eventflow-replayed-from"


def previous_attempts(headers: tuple[tuple[str, bytes | None], ...]) -> int:
    """Attempts already spent on this record by earlier runs (0 for a fresh record)."""
    for key, value in headers:
        if key == ATTEMPT_HEADER and value:
            try:
                return max(0, int(value.decode("ascii")))
            except (UnicodeDecodeError, ValueError):
                return 0
    return 0


def schema_id_of(value: bytes | None) -> int | None:
    """The schema id from Confluent framing when the frame is intact (magic 0 + 4 bytes)."""
    if value is None or len(value) < 5 or value[0] != 0:
        return None
    return int.from_bytes(value[1:5], "big")


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead letter, mirroring the Avro record field by field."""

    original_key: bytes | None
    original_value: bytes | None
    original_headers: tuple[tuple[str, bytes | None], ...]
    origin_topic: str
    origin_partition: int
    origin_offset: int
    error_type: str
    error_message: str
    stack_trace: str | None
    failing_service: str
    consumer_group: str
    failed_at: datetime
    attempt: int
    schema_id: int | None

    @classmethod
    def for_record(
        cls,
        record: ConsumedRecord,
        *,
        error_type: str,
        message: str,
        service: str,
        group: str,
        attempt: int,
        stack_trace: str | None = None,
        now: datetime | None = None,
    ) -> DeadLetter:
        return cls(
            original_key=record.key,
            original_value=record.value,
            original_headers=record.headers,
            origin_topic=record.topic,
            origin_partition=record.partition,
            origin_offset=record.offset,
            error_type=error_type,
            error_message=" ".join(message.split()) or error_type,
            stack_trace=stack_trace,
            failing_service=service,
            consumer_group=group,
            failed_at=now or datetime.now(UTC),
            attempt=previous_attempts(record.headers) + attempt,
            schema_id=schema_id_of(record.value),
        )

    def to_avro(self) -> dict[str, Any]:
        return {
            "original_key": self.original_key,
            "original_value": self.original_value,
            "original_headers": [{"key": k, "value": v} for k, v in self.original_headers],
            "origin_topic": self.origin_topic,
            "origin_partition": self.origin_partition,
            "origin_offset": self.origin_offset,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "stack_trace": self.stack_trace,
            "failing_service": self.failing_service,
            "consumer_group": self.consumer_group,
            "failed_at": self.failed_at,
            "attempt": self.attempt,
            "schema_id": self.schema_id,
        }

    @classmethod
    def from_avro(cls, value: dict[str, Any]) -> DeadLetter:
        failed_at = value["failed_at"]
        if isinstance(failed_at, int):
            failed_at = datetime.fromtimestamp(failed_at / 1000, UTC)
        return cls(
            original_key=value.get("original_key"),
            original_value=value.get("original_value"),
            original_headers=tuple(
                (h["key"], h.get("value")) for h in value.get("original_headers") or []
            ),
            origin_topic=value["origin_topic"],
            origin_partition=int(value["origin_partition"]),
            origin_offset=int(value["origin_offset"]),
            error_type=value["error_type"],
            error_message=value["error_message"],
            stack_trace=value.get("stack_trace"),
            failing_service=value["failing_service"],
            consumer_group=value["consumer_group"],
            failed_at=failed_at,
            attempt=int(value["attempt"]),
            schema_id=value.get("schema_id"),
        )

    def replay_headers(self) -> list[tuple[str, bytes | None]]:
        """The original headers plus the attempt counter and where the replay came from."""
        kept = [(k, v) for k, v in self.original_headers
                if k not in (ATTEMPT_HEADER, REPLAYED_FROM_HEADER)]  # fmt: skip
        origin = f"{self.origin_topic}/{self.origin_partition}/{self.origin_offset}"
        return [*kept, (ATTEMPT_HEADER, str(self.attempt).encode()),
                (REPLAYED_FROM_HEADER, origin.encode())]  # fmt: skip
