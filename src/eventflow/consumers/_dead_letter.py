"""Dead-letter records (pure): what failed, where, why, and the original bytes to replay.

The value is the generated :class:`eventflow.events.DeadLetter` (``com.eventflow.dlq.DeadLetter``)
— no hand-written mirror — written under the subject of the configured dead-letter topic
(``<topic>-value``, e.g. ``events.dlq.v1-value``). Replay puts the original key, value and
headers back on the origin topic with one extra header, ``eventflow-attempt``, so a record
that fails again is dead-lettered with a higher attempt count.

A letter always fits on the dead-letter topic: when the original value (plus the context)
would exceed the record size limit, :func:`by_reference` leaves the value out and carries a
reference instead (origin topic/partition/offset, size, SHA-256, the first
:data:`PREFIX_BYTES` bytes), flagged by ``original_value_by_reference``.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from eventflow.events import DeadLetter, DeadLetterHeader
from eventflow.kafka import ConsumedRecord
from eventflow.serde import schema_id_of

DLQ_TOPIC = "events.dlq.v1"
ATTEMPT_HEADER = "eventflow-attempt"
REPLAYED_FROM_HEADER = "eventflow-replayed-from"
PREFIX_BYTES = 1024  # what a letter by reference keeps of the original value
_TEXT_CAP = 4096  # error message / stack trace length in a letter cut to its minimum


def dead_letter_subject(topic: str) -> str:
    """The registry subject of dead letters on ``topic`` (TopicNameStrategy: ``<topic>-value``)."""
    return f"{topic}-value"


DLQ_SUBJECT = dead_letter_subject(DLQ_TOPIC)


def previous_attempts(headers: tuple[tuple[str, bytes | None], ...]) -> int:
    """Attempts already spent on this record by earlier runs (0 for a fresh record)."""
    for key, value in headers:
        if key == ATTEMPT_HEADER and value:
            try:
                return max(0, int(value.decode("ascii")))
            except (UnicodeDecodeError, ValueError):
                return 0
    return 0


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def dead_letter_for(
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
    """The dead letter of ``record``: its bytes, where it came from and why it failed."""
    value = record.value
    return DeadLetter(
        original_key=record.key,
        original_value=value,
        original_headers=[DeadLetterHeader(key=k, value=v) for k, v in record.headers],
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
        schema_id=schema_id_of(value),
        original_value_size=None if value is None else len(value),
        original_value_sha256=None if value is None else hashlib.sha256(value).hexdigest(),
    )


def by_reference(letter: DeadLetter) -> DeadLetter:
    """``letter`` without the original value: a reference and its first bytes instead."""
    if letter.original_value is None:
        return letter
    return replace(
        letter,
        original_value=None,
        original_value_by_reference=True,
        original_value_prefix=letter.original_value[:PREFIX_BYTES],
    )


def cut_to_minimum(letter: DeadLetter) -> DeadLetter:
    """By reference, without the original key and headers, texts capped: the smallest letter
    that still says what failed and where the record is."""
    small = by_reference(letter)
    return replace(
        small,
        original_key=None,
        original_headers=[],
        error_message=_cap(small.error_message),
        stack_trace=None if small.stack_trace is None else _cap(small.stack_trace),
    )


def replay_headers(letter: DeadLetter) -> list[tuple[str, bytes | None]]:
    """The original headers plus the attempt counter and where the replay came from."""
    kept = [
        (h.key, h.value)
        for h in letter.original_headers
        if h.key not in (ATTEMPT_HEADER, REPLAYED_FROM_HEADER)
    ]
    origin = f"{letter.origin_topic}/{letter.origin_partition}/{letter.origin_offset}"
    return [
        *kept,
        (ATTEMPT_HEADER, str(letter.attempt).encode()),
        (REPLAYED_FROM_HEADER, origin.encode()),
    ]


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
    for candidate in (letter, by_reference(letter)):
        data = encode(candidate)
        if len(data) + len(key or b"") + RECORD_OVERHEAD <= limit:
            return candidate, key, data
    minimal = cut_to_minimum(letter)
    kept_key = key if key is not None and len(key) <= _KEY_CAP else None
    return minimal, kept_key, encode(minimal)
