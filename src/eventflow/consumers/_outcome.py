"""What a handler concluded about one event (values), and the one failure that is retried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventflow.errors import ErrorCode, EventFlowError
from eventflow.kafka import ConsumedRecord


@dataclass(frozen=True, slots=True)
class InputEvent:
    """A decoded record handed to a handler: the raw record, its writer schema id and value."""

    record: ConsumedRecord
    schema_id: int
    value: dict[str, Any]
    head_end: int | None = None  # where the codec's unchanged leading fields end in the record

    @property
    def event_type(self) -> str:
        return str(self.value["envelope"]["event_type"])

    @property
    def event_id(self) -> str:
        return str(self.value["envelope"]["event_id"])


@dataclass(frozen=True, slots=True)
class Forward:
    """Pass the (updated) value on: re-encoded under the same schema id, or written to the sink.

    ``changed`` names every top-level field that may differ from the input (None: unknown);
    when all of them trail the codec's split, the unchanged fields' bytes are reused as is.
    """

    value: dict[str, Any]
    changed: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """Send the original record to the dead-letter topic with this reason."""

    error_type: str
    message: str
    stack_trace: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    """Drop the event on purpose (counted, committed, nothing produced)."""

    reason: str = ""


Outcome = Forward | Reject | Skip


class RetriableFailure(EventFlowError):
    """A transient failure (database down, broker away): the runtime retries the whole batch
    with backoff, keeping each partition's order, and never dead-letters because of it."""

    code = ErrorCode.PIPELINE_RETRIABLE
