"""Poison that decodes: a record of the wrong type, or one whose envelope lies about its type.

Avro bytes written under another registered schema (the ``Currency`` enum's id, the
``DeadLetter``'s id) decode fine, and an ``OrderPlaced`` whose ``envelope.event_type`` says
``foo.bar`` is a valid ``OrderPlaced``. :class:`EventTypeGuard` wraps a service's handler and
names both before the handler sees them:

* ``schema.unexpected_type``: the writer schema's top-level type is not the record of one of
  the manifest's event types (the message names the schema id and the type);
* ``envelope.event_type_mismatch``: ``envelope.event_type`` is not the event type the manifest
  gives the record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from eventflow.consumers._outcome import InputEvent, Outcome, Reject, RetriableFailure
from eventflow.consumers._ports import Handler
from eventflow.errors import EventFlowError
from eventflow.serde import RegisteredSchemaLike


class SchemaById(Protocol):
    """What the guard needs of a registry (the services pass their RegistryClient)."""

    def get_schema(self, schema_id: int) -> RegisteredSchemaLike: ...


def type_name(schema_text: str) -> str:
    """The full name of a schema's top-level type (a primitive's own name)."""
    try:
        schema: Any = json.loads(schema_text)
    except ValueError:
        return schema_text
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    name = str(schema.get("name") or schema.get("type"))
    namespace = schema.get("namespace")
    return f"{namespace}.{name}" if namespace and "." not in name else name


class EventTypeGuard:
    """Rejects records that are not the event types of ``record_types`` (record full name ->
    event type) or whose envelope names another event type; hands the rest to ``handler``."""

    def __init__(
        self, handler: Handler, lookup: SchemaById, record_types: Mapping[str, str]
    ) -> None:
        self._handler = handler
        self._lookup = lookup
        self._types = dict(record_types)
        self._names: dict[int, str] = {}

    def handle(self, event: InputEvent) -> Outcome:
        name = self._name_of(event.schema_id)
        expected = self._types.get(name)
        if expected is None:
            known = ", ".join(sorted(self._types))
            return Reject(
                "schema.unexpected_type",
                f"schema id {event.schema_id} is {name}, "
                f"not an event type of this pipeline ({known})",
            )
        envelope = event.value.get("envelope") if isinstance(event.value, dict) else None
        declared = envelope.get("event_type") if isinstance(envelope, dict) else None
        if declared != expected:
            return Reject(
                "envelope.event_type_mismatch",
                f"envelope.event_type is {declared!r} "
                f"but the record is {name}, event type {expected!r}",
            )
        return self._handler.handle(event)

    def _name_of(self, schema_id: int) -> str:
        name = self._names.get(schema_id)
        if name is None:
            try:
                schema = self._lookup.get_schema(schema_id)
            except EventFlowError as exc:  # decoded a moment ago: the registry is away now
                raise RetriableFailure(f"schema registry: {exc}") from exc
            name = self._names[schema_id] = type_name(schema.schema)
        return name
