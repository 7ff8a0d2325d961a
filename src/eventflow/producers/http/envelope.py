"""The request envelope of one event (``EventIn``): a hand-written check for the common case.

:func:`parse_event` accepts the usual shapes (canonical UUID text, ISO-8601 instants with
``Z`` or an offset) with a few type and length checks; anything else goes through
``EventIn.model_validate``, which decides and names every failing field. A unit test
asserts that whatever the fast check accepts, pydantic accepts with the same values.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import ValidationError

from eventflow.producers.http.avro_json import epoch_units
from eventflow.producers.http.models import EventIn
from eventflow.producers.http.problems import FieldProblem, InvalidEvent

_FIELDS = frozenset(EventIn.model_fields)
_MAX_TEXT = 200
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")


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
    fast = _fast(raw)
    if fast is not None:
        return fast
    try:
        event = EventIn.model_validate(raw)
    except ValidationError as exc:
        raise InvalidEvent(
            "the event does not match the request schema",
            fields=[_pydantic_problem(prefix, e) for e in exc.errors()],
        ) from exc
    return from_model(event)


def from_model(event: EventIn) -> EventFields:
    return EventFields(
        event.event_type, event.data,
        str(event.event_id) if event.event_id is not None else None,
        epoch_units(event.occurred_at, 1000) if event.occurred_at is not None else None,
        event.correlation_id, event.causation_id,
    )  # fmt: skip


def _fast(raw: Any) -> EventFields | None:
    """The envelope when it has one of the usual shapes; ``None``: let pydantic decide."""
    if type(raw) is not dict or not _FIELDS.issuperset(raw):
        return None
    event_type = raw.get("event_type")
    data = raw.get("data")
    if (
        type(event_type) is not str
        or not 0 < len(event_type) <= _MAX_TEXT
        or type(data) is not dict
    ):
        return None
    event_id = raw.get("event_id")
    if event_id is not None:
        if type(event_id) is not str or _UUID.fullmatch(event_id) is None:
            return None
        event_id = event_id.lower()
    occurred = raw.get("occurred_at")
    if occurred is not None:
        if type(occurred) is not str or _INSTANT.fullmatch(occurred) is None:
            return None
        try:
            moment = datetime.fromisoformat(occurred)
        except ValueError:
            return None
        occurred = epoch_units(moment, 1000)
    correlation_id = raw.get("correlation_id")
    causation_id = raw.get("causation_id")
    for text in (correlation_id, causation_id):
        if text is not None and (type(text) is not str or not 0 < len(text) <= _MAX_TEXT):
            return None
    return EventFields(event_type, data, event_id, occurred, correlation_id, causation_id)


def _pydantic_problem(prefix: str, error: Any) -> FieldProblem:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    return FieldProblem(f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body", error["msg"])
