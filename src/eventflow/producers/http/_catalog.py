"""What can be posted: one :class:`EventTypeSpec` per event type of the manifest (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eventflow.contracts import definition_name, parse_schema
from eventflow.producers.http._examples import example_for
from eventflow.producers.http._problems import FieldProblem, InvalidEvent
from eventflow.serde import collect_named_types, inline_references
from eventflow.serde.avro import SchemaValues, compile_values


class PayloadConverter:
    """Check and convert one event type's payload with the value engine: the fast form when
    it fits, every failing field by its path (``data.items[0].quantity``) when not."""

    def __init__(self, values: SchemaValues) -> None:
        self._from_json = values.from_json

    def __call__(self, value: Any, path: str) -> tuple[Any, list[FieldProblem]]:
        datum, problems = self._from_json(value, path)
        return datum, [FieldProblem(p.path, p.message) for p in problems]


@dataclass(frozen=True)
class EventTypeSpec:
    """An event type: its record, the subject it is written under, key path, payload schema."""

    event_type: str
    record_name: str
    subject: str
    partition_key: str
    record_schema: Mapping[str, Any]
    payload_schema: Any
    payload_namespace: str
    named: Mapping[str, dict[str, Any]]
    converter: PayloadConverter
    values: SchemaValues  # the value engine of the whole record (its writer encodes events)

    def example(self) -> dict[str, Any]:
        """A JSON request body that would be accepted for this event type."""
        data = example_for(self.payload_schema, named=self.named, namespace=self.payload_namespace)
        return {"event_type": self.event_type, "data": data}


def build_spec(
    *,
    event_type: str,
    partition_key: str,
    topic: str,
    record_schema: Mapping[str, Any],
    shared_schemas: Iterable[Any] = (),
) -> EventTypeSpec:
    """Describe one event type from its record schema (ADR 0002 shape) and the shared types."""
    named: dict[str, dict[str, Any]] = {}
    for shared in shared_schemas:
        named.update(collect_named_types(shared))
    named.update(collect_named_types(dict(record_schema)))
    record_name = definition_name(record_schema, None)
    payload = next((f for f in record_schema.get("fields", []) if f.get("name") == "payload"), None)
    if payload is None:
        raise ValueError(f"{record_name} has no `payload` field (ADR 0002 event shape)")
    avro = inline_references(dict(record_schema), named)
    root = parse_schema(json.dumps(avro), source=record_name, validate_defaults=False).root
    values = compile_values(root, avro)
    return EventTypeSpec(
        event_type=event_type,
        record_name=record_name,
        subject=f"{topic}-{record_name}",
        partition_key=partition_key,
        record_schema=record_schema,
        payload_schema=payload["type"],
        payload_namespace=record_name.rpartition(".")[0],
        named=named,
        converter=PayloadConverter(compile_values(root.field_map["payload"].schema, None)),
        values=values,
    )


class EventCatalog:
    """The event types the API accepts, by name."""

    def __init__(self, specs: Iterable[EventTypeSpec]) -> None:
        self._specs = {s.event_type: s for s in specs}

    def __iter__(self) -> Any:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, event_type: str, *, path: str = "event_type") -> EventTypeSpec:
        spec = self._specs.get(event_type)
        if spec is None:
            known = ", ".join(sorted(self._specs)) or "none"
            message = f"unknown event type {event_type!r} (known: {known})"
            raise InvalidEvent(message, fields=[FieldProblem(path, message)])
        return spec
