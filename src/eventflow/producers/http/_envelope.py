"""The request envelope of one event: pydantic's ``EventIn`` decides what is valid.

:func:`parse_event` validates with ``EventIn`` (the type the OpenAPI document shows), names
every failing field on refusal, and returns the fields the service uses: ``event_id`` as
canonical UUID text and ``occurred_at`` in epoch milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError

from eventflow.producers.http._models import EVENT_IN, EventIn
from eventflow.producers.http._problems import FieldProblem, InvalidEvent

_validate = EVENT_IN.validate_python
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


class EventFields(NamedTuple):
    """A checked envelope: ``event_id`` as canonical UUID text, ``occurred_at`` in epoch ms."""

    event_type: str
    data: dict[str, Any]
    event_id: str | None = None
    occurred_at_ms: int | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


def parse_event(raw: Any, prefix: str = "") -> EventFields:
    """The envelope of ``raw``; :class:`InvalidEvent` naming every failing field otherwise."""
    try:
        event = _validate(raw)
    except ValidationError as exc:
        raise InvalidEvent(
            "the event does not match the request schema",
            fields=[_pydantic_problem(prefix, e) for e in exc.errors()],
        ) from exc
    return from_model(event)


def from_model(event: EventIn) -> EventFields:
    event_id, occurred = event.get("event_id"), event.get("occurred_at")
    return EventFields(
        event["event_type"],
        event["data"],
        None if event_id is None else str(event_id),
        None if occurred is None else (occurred - _EPOCH) // _MILLISECOND,  # floor, exact
        event.get("correlation_id"),
        event.get("causation_id"),
    )


def _pydantic_problem(prefix: str, error: Any) -> FieldProblem:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    return FieldProblem(f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body", error["msg"])
