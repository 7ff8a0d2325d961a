"""Where a record splits for the consumers' splice (pure): leading fields copied, tail written.

An Avro record's binary form is its fields' encodings concatenated in schema order, so a stage
that only sets trailing fields can copy the input's leading bytes and write the tail. This
module builds, for a record schema and its first tail field, fastavro schemas to read the two
parts and the generated writer of the tail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import fastavro

from eventflow.contracts import AvroNode
from eventflow.serde.avro import _binary as binary
from eventflow.serde.avro._writer import compile_writer


@dataclass(frozen=True, slots=True)
class RecordSplit:
    """A record schema cut before field ``tail_from``."""

    head: Any  # fastavro schema of the fields before tail_from
    tail: Any  # fastavro schema of tail_from and every field after it
    tail_fields: frozenset[str]
    write_tail: binary.Writer  # generated writer of the tail fields


def split_record(node: AvroNode, avro: Any, tail_from: str) -> RecordSplit | None:
    """The split of the record ``node`` (self-contained JSON ``avro``) before ``tail_from``;
    ``None`` when it has no such field or it is the first one."""
    if node.type != "record" or not isinstance(avro, Mapping) or avro.get("type") != "record":
        return None
    field = node.field_map.get(tail_from)
    if field is None or field.position == 0:
        return None
    cut = field.position
    fields = list(avro.get("fields") or ())
    named: dict[str, Any] = {}
    head = fastavro.parse_schema({**avro, "fields": fields[:cut]}, named_schemas=named)
    tail_avro = {**avro, "name": f"{avro['name']}__tail", "fields": fields[cut:]}
    tail_avro.pop("aliases", None)
    tail = fastavro.parse_schema(tail_avro, named_schemas=named)
    tail_node = AvroNode(
        type="record",
        source=node.source,
        pointer=node.pointer,
        name=f"{node.name}__tail",
        namespace=node.namespace,
        fullname=f"{node.fullname}__tail",
        fields=node.fields[cut:],
        field_map={f.name: f for f in node.fields[cut:]},
    )
    names = frozenset(f.name for f in node.fields[cut:])
    return RecordSplit(head, tail, names, compile_writer(tail_node))
