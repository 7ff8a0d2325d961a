"""The envelope of an event: pydantic's ``EventIn`` decides; the fields come out converted."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from eventflow.producers.http._envelope import parse_event
from eventflow.producers.http._models import EVENT_IN
from eventflow.producers.http._problems import InvalidEvent

UUID = "3F2B8C1E-9a4d-4e5f-8b6a-1c2d3e4f5a6b"
BASE: dict[str, Any] = {"event_type": "order.placed", "data": {"order_id": "o"}}

CASES: list[Any] = [
    BASE,
    {**BASE, "event_id": UUID},
    {**BASE, "event_id": UUID.replace("-", "")},
    {**BASE, "event_id": "{" + UUID + "}"},
    {**BASE, "event_id": "urn:uuid:" + UUID},
    {**BASE, "event_id": UUID[:-1] + "g"},
    {**BASE, "event_id": UUID + "0"},
    {**BASE, "event_id": 5},
    {**BASE, "event_id": None},
    *[
        {**BASE, "occurred_at": text}
        for text in [
            "2026-03-01T12:00:00+01:00",
            "2026-03-01T12:00:00Z",
            "2026-03-01T12:00:00.5Z",
            "2026-03-01T12:00:00.123456-09:30",
            "2026-03-01T12:00:00.1234567Z",
            "2026-03-01T12:00:00",
            "2026-03-01",
            "2026-02-30T12:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T23:59:60Z",
            "2026-03-01T12:00:00+23:59",
            "2026-03-01T12:00:00+24:00",
            "2026-03-01t12:00:00z",
            "2026-03-01 12:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "20260301T120000Z",
            "",
        ]
    ],
    {**BASE, "occurred_at": 1_772_362_800},
    {**BASE, "occurred_at": None},
    {**BASE, "correlation_id": "flow-7", "causation_id": "evt-0"},
    {**BASE, "correlation_id": "", "causation_id": "x" * 201},
    {**BASE, "correlation_id": "x" * 200, "causation_id": "ü" * 200},
    {**BASE, "correlation_id": 7},
    {**BASE, "correlation_id": None, "causation_id": None},
    {**BASE, "event_type": ""},
    {**BASE, "event_type": "x" * 201},
    {**BASE, "event_type": 3},
    {**BASE, "data": []},
    {**BASE, "data": None},
    {**BASE, "extra": 1},
    {"event_type": "order.placed"},
    {"data": {}},
    [BASE],
    "text",
    None,
]


@pytest.mark.parametrize("raw", CASES)
def test_pydantic_decides_and_every_refusal_names_a_field(raw: Any) -> None:
    try:
        model = EVENT_IN.validate_python(raw)
    except ValidationError as exc:
        with pytest.raises(InvalidEvent) as caught:
            parse_event(raw)
        assert len(caught.value.fields) == len(exc.errors()) > 0
        return
    event = parse_event(raw)
    assert (event.event_type, event.data) == (model["event_type"], model["data"])
    event_id, occurred = model.get("event_id"), model.get("occurred_at")
    assert event.event_id == (None if event_id is None else str(event_id))
    if occurred is None:
        assert event.occurred_at_ms is None
    else:
        assert event.occurred_at_ms == _epoch_ms(occurred)


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, rounded down, by a different road (seconds + micros)."""
    utc = moment.astimezone(UTC)
    seconds = calendar.timegm(utc.utctimetuple())
    return seconds * 1000 + utc.microsecond // 1000


def test_the_usual_shapes_are_converted() -> None:
    usual = {
        **BASE,
        "event_id": UUID,
        "occurred_at": "2026-03-01T12:00:00.5Z",
        "correlation_id": "c",
        "causation_id": "d",
    }
    event = parse_event(usual)
    assert event.event_id == UUID.lower()
    assert event.occurred_at_ms == 1_772_366_400_500
    assert parse_event({**BASE, "occurred_at": "1969-12-31T23:59:59.9995Z"}).occurred_at_ms == -1
    assert parse_event(BASE) == (BASE["event_type"], BASE["data"], None, None, None, None)


def test_problems_name_the_fields_with_the_batch_prefix() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event({"event_type": "", "data": [], "event_id": "nope", "extra": 1}, "events[3].")
    paths = {f.path for f in caught.value.fields}
    assert paths == {
        "events[3].event_type",
        "events[3].data",
        "events[3].event_id",
        "events[3].extra",
    }
    with pytest.raises(InvalidEvent) as caught:
        parse_event([1, 2])
    assert [f.path for f in caught.value.fields] == ["body"]
