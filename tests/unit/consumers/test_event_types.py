"""EventTypeGuard: poison that decodes is named before the handler sees it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eventflow.consumers._event_types import EventTypeGuard, type_name
from eventflow.consumers._outcome import Forward, InputEvent, Reject, RetriableFailure
from eventflow.errors import EventFlowError
from tests.unit.consumers.fakes import record

ORDER = (
    '{"type": "record", "name": "OrderPlaced", "namespace": "com.eventflow.events", "fields": []}'
)
SCHEMAS = {
    1: ORDER,
    2: '{"type": "enum", "name": "Currency", "namespace": "com.eventflow.common", "symbols": ["EUR"]}',
    3: '{"type": "record", "name": "com.eventflow.dlq.DeadLetter", "fields": []}',
    4: '"string"',
}


@dataclass
class Registered:
    schema_id: int
    schema: str
    references: tuple[()] = ()


class Lookup:
    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    def get_schema(self, schema_id: int) -> Registered:
        self.calls += 1
        if self.down:
            raise EventFlowError("registry unreachable")
        return Registered(schema_id, SCHEMAS[schema_id])


class Passes:
    def handle(self, event: InputEvent) -> Forward:
        return Forward(event.value)


def guarded(schema_id: int, value: object, lookup: Lookup | None = None) -> object:
    guard = EventTypeGuard(
        Passes(), lookup or Lookup(), {"com.eventflow.events.OrderPlaced": "order.placed"}
    )
    return guard.handle(InputEvent(record(0), schema_id, value))  # type: ignore[arg-type]


def test_type_names_of_records_enums_and_primitives():
    assert type_name(ORDER) == "com.eventflow.events.OrderPlaced"
    assert type_name(SCHEMAS[2]) == "com.eventflow.common.Currency"
    assert type_name(SCHEMAS[3]) == "com.eventflow.dlq.DeadLetter"
    assert type_name(SCHEMAS[4]) == "string"


@pytest.mark.parametrize(
    ("schema_id", "value", "named"),
    [
        (2, "EUR", "com.eventflow.common.Currency"),
        (3, {"origin_topic": "t"}, "com.eventflow.dlq.DeadLetter"),
        (4, "text", "string"),
    ],
)
def test_another_registered_type_is_schema_unexpected_type_naming_id_and_type(
    schema_id, value, named
):
    outcome = guarded(schema_id, value)
    assert isinstance(outcome, Reject) and outcome.error_type == "schema.unexpected_type"
    assert f"schema id {schema_id} is {named}" in outcome.message
    assert "com.eventflow.events.OrderPlaced" in outcome.message


@pytest.mark.parametrize("claimed", ["foo.bar", "user.registered", None])
def test_an_envelope_naming_another_event_type_is_event_type_mismatch(claimed):
    outcome = guarded(1, {"envelope": {"event_type": claimed}, "payload": {}})
    assert isinstance(outcome, Reject) and outcome.error_type == "envelope.event_type_mismatch"
    assert repr(claimed) in outcome.message and "'order.placed'" in outcome.message


def test_a_matching_event_reaches_the_handler_and_ids_are_looked_up_once():
    lookup = Lookup()
    for _ in range(3):
        outcome = guarded(1, {"envelope": {"event_type": "order.placed"}}, lookup)
        assert isinstance(outcome, Forward)
    assert lookup.calls == 3  # one guard per call above; within a guard the id is cached
    guard = EventTypeGuard(Passes(), lookup, {"com.eventflow.events.OrderPlaced": "order.placed"})
    for _ in range(3):
        guard.handle(InputEvent(record(0), 1, {"envelope": {"event_type": "order.placed"}}))
    assert lookup.calls == 4


def test_a_registry_away_is_retried_not_dead_lettered():
    lookup = Lookup()
    lookup.down = True
    with pytest.raises(RetriableFailure):
        guarded(1, {"envelope": {"event_type": "order.placed"}}, lookup)
