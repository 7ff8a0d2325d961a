"""Dead-letter records (pure): what failed, where, why, and the original bytes to replay.

The value is ``com.eventflow.dlq.DeadLetter`` (subject ``events.dlq.v1-value``). Replay puts
the original key, value and headers back on the origin topic with one extra header,
``eventflow-attempt``, so a record that fails again is dead-lettered with a higher attempt
count.

A letter always fits on the dead-letter topic: when the original value (plus the context)
would exceed the record size limit, :meth:`DeadLetter.by_reference` leaves the value out and
carries a reference instead (origin topic/partition/offset, size, SHA-256, the first
:data:`PREFIX_BYTES` bytes), flagged by ``original_value_by_reference``.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from eventflow.kafka.consumer import ConsumedRecord

DLQ_TOPIC = "events.dlq.v1"
DLQ_SUBJECT = "events.dlq.v1-value"
ATTEMPT_HEADER = "eventflow-attempt"
REPLAYED_FROM_HEADER = "eventflow-replayed-from"
PREFIX_BYTES = 1024  # what a letter by reference keeps of the original value
_TEXT_CAP = 4096  # error message / stack trace length in a letter cut to its minimum


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
    original_value_size: int | None = None
    original_value_sha256: str | None = None
    original_value_by_reference: bool = False
    original_value_prefix: bytes | None = None

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
            original_value_size=None if record.value is None else len(record.value),
            original_value_sha256=(
                None if record.value is None else hashlib.sha256(record.value).hexdigest()
            ),
        )

    def by_reference(self) -> DeadLetter:
        """This letter without the original value: a reference and its first bytes instead."""
        if self.original_value is None:
            return self
        return replace(
            self,
            original_value=None,
            original_value_by_reference=True,
            original_value_prefix=self.original_value[:PREFIX_BYTES],
        )

    def cut_to_minimum(self) -> DeadLetter:
        """By reference, without the original key and headers, texts capped: the smallest
        letter that still says what failed and where the record is."""
        letter = self.by_reference()
        return replace(
            letter,
            original_key=None,
            original_headers=(),
            error_message=_cap(letter.error_message),
            stack_trace=(None if letter.stack_trace is None else _cap(letter.stack_trace)),
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
            "original_value_size": self.original_value_size,
            "original_value_sha256": self.original_value_sha256,
            "original_value_by_reference": self.original_value_by_reference,
            "original_value_prefix": self.original_value_prefix,
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
            original_value_size=value.get("original_value_size"),
            original_value_sha256=value.get("original_value_sha256"),
            original_value_by_reference=bool(value.get("original_value_by_reference", False)),
            original_value_prefix=value.get("original_value_prefix"),
        )

    def replay_headers(self) -> list[tuple[str, bytes | None]]:
        """The original headers plus the attempt counter and where the replay came from."""
        kept = [(k, v) for k, v in self.original_headers
                if k not in (ATTEMPT_HEADER, REPLAYED_FROM_HEADER)]  # fmt: skip
        origin = f"{self.origin_topic}/{self.origin_partition}/{self.origin_offset}"
        return [*kept, (ATTEMPT_HEADER, str(self.attempt).encode()),
                (REPLAYED_FROM_HEADER, origin.encode())]  # fmt: skip


def _cap(text: str) -> str:
    if len(text) <= _TEXT_CAP:
        return text
    return text[:_TEXT_CAP] + f"... [{len(text) - _TEXT_CAP} more characters cut]"


RECORD_OVERHEAD = 512  # bytes a Kafka record adds around key and value (with room to spare)
_KEY_CAP = 1024


def fit_letter(
    letter: DeadLetter, key: bytes | None, encode: Callable[[DeadLetter], bytes], limit: int
) -> tuple[DeadLetter, bytes | None, bytes]:
    """The letter, key and encoded value to send so the record stays under ``limit`` bytes:
    whole if it fits, else by reference, else cut to its minimum (key dropped when long)."""
    for candidate in (letter, letter.by_reference()):
        data = encode(candidate)
        if len(data) + len(key or b"") + RECORD_OVERHEAD <= limit:
            return candidate, key, data
    minimal = letter.cut_to_minimum()
    kept_key = key if key is not None and len(key) <= _KEY_CAP else None
    return minimal, kept_key, encode(minimal)
