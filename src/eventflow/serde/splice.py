"""Re-encode a record whose leading fields did not change, without re-encoding them.

An Avro record's binary form is its fields' encodings concatenated in schema order. A pipeline
stage that only sets trailing fields (the validator sets ``validation``, the enricher
``enrichment``) can therefore write: the input's header and the bytes of the unchanged leading
fields, copied, followed by the encoding of the fields from ``tail_from`` on.

:class:`SplicingCodec` decodes with two fastavro reads (the leading fields, then the rest) so
it learns where the leading fields end at no extra cost, and :meth:`SplicingCodec.encode`
splices when it may. Because fastavro writes canonical encodings, the output is byte-identical
to a full re-encode of the same value for fastavro-written input (tested for every event type);
for input written by another library it is the same value, with the leading fields' original
bytes kept. It falls back to the full re-encode whenever the layout does not allow splicing:
the schema has no field ``tail_from`` (or it is the first field), the source was written under
another schema id, or the caller cannot vouch that only trailing fields changed.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import fastavro
from fastavro import schemaless_reader, schemaless_writer

from eventflow.serde.deserializer import AvroDeserializer
from eventflow.serde.lookup import SchemaLookup
from eventflow.serde.schemas import RegistrySchemas
from eventflow.serde.serializer import AvroSerializer
from eventflow.serde.wire import HEADER_SIZE, MAGIC_BYTE

_READ_ERRORS = (EOFError, ValueError, IndexError, UnicodeDecodeError, OverflowError, KeyError)
_WRITE_ERRORS = (TypeError, ValueError, OverflowError, KeyError, AttributeError, ArithmeticError)


class SplitDecoded(NamedTuple):
    """A decoded record and where its leading fields end in ``data`` (None: not split)."""

    schema_id: int
    value: dict[str, Any]
    head_end: int | None


@dataclass(frozen=True, slots=True)
class _Layout:
    head: Any  # fastavro schema of the fields before tail_from
    tail: Any  # fastavro schema of tail_from and every field after it
    tail_fields: frozenset[str]


def split_schemas(avro: Any, tail_from: str) -> tuple[Any, Any, frozenset[str]] | None:
    """(head, tail, tail field names) as fastavro schemas, or None if ``avro`` cannot split.

    ``avro`` is a self-contained record schema (JSON form). The tail is a record of the same
    namespace that may use named types the head defines.
    """
    if not isinstance(avro, Mapping) or avro.get("type") != "record":
        return None
    fields = list(avro.get("fields") or ())
    names = [f.get("name") for f in fields]
    if tail_from not in names or names.index(tail_from) == 0:
        return None
    cut = names.index(tail_from)
    named: dict[str, Any] = {}
    head = fastavro.parse_schema({**avro, "fields": fields[:cut]}, named_schemas=named)
    tail_avro = {**avro, "name": f"{avro['name']}__tail", "fields": fields[cut:]}
    tail_avro.pop("aliases", None)
    tail = fastavro.parse_schema(tail_avro, named_schemas=named)
    return head, tail, frozenset(str(n) for n in names[cut:])


class SplicingCodec:
    """Decode Confluent-framed records split at ``tail_from``; re-encode by splicing.

    Errors are the serde's typed errors: anything the split read or the tail write refuses
    is redone by :class:`AvroDeserializer` / :class:`AvroSerializer`, which raise them.
    """

    def __init__(self, lookup: SchemaLookup, tail_from: str) -> None:
        self.tail_from = tail_from
        self._registry = RegistrySchemas(lookup)
        self._decoder = AvroDeserializer(lookup)
        self._encoder = AvroSerializer(lookup)
        self._layouts: dict[int, _Layout | None] = {}

    def decode(self, data: bytes) -> SplitDecoded:
        if len(data) > HEADER_SIZE and data[0] == MAGIC_BYTE:
            schema_id = int.from_bytes(data[1:HEADER_SIZE], "big")
            layout = self._layouts.get(schema_id, _UNKNOWN)
            if layout is _UNKNOWN:
                layout = self._layout(schema_id, data)
            if layout is not None:
                stream = io.BytesIO(data)
                stream.seek(HEADER_SIZE)
                try:
                    value: dict[str, Any] = cast(
                        "dict[str, Any]", schemaless_reader(stream, layout.head, None)
                    )
                    head_end = stream.tell()
                    value.update(
                        cast("dict[str, Any]", schemaless_reader(stream, layout.tail, None))
                    )
                except _READ_ERRORS:
                    pass  # the full read below raises the typed error
                else:
                    return SplitDecoded(schema_id, value, head_end)
        decoded = self._decoder.deserialize(data)
        return SplitDecoded(decoded.schema_id, decoded.value, None)

    def encode(
        self,
        schema_id: int,
        value: Mapping[str, Any],
        *,
        source: bytes | None = None,
        head_end: int | None = None,
        changed: Collection[str] | None = None,
    ) -> bytes:
        """Encode ``value`` under ``schema_id``.

        With ``source`` (the bytes ``value`` was decoded from), its ``head_end`` and
        ``changed`` (every top-level field that may differ from ``source``), the leading
        fields' bytes are copied from ``source`` when none of them changed.
        """
        if source is not None and head_end is not None and changed is not None:
            layout = self._layouts.get(schema_id)
            if (
                layout is not None
                and layout.tail_fields.issuperset(changed)
                and source[1:HEADER_SIZE] == schema_id.to_bytes(4, "big")
            ):
                out = io.BytesIO()
                out.write(memoryview(source)[:head_end])
                try:
                    schemaless_writer(out, layout.tail, value)
                except _WRITE_ERRORS:
                    pass  # the full encode below names the field
                else:
                    return out.getvalue()
        return self._encoder.serialize_with_id(schema_id, value)

    def _layout(self, schema_id: int, data: bytes) -> _Layout | None:
        writer = self._registry.by_id(schema_id, raw=data)
        try:
            split = split_schemas(writer.codec.avro, self.tail_from)
        except Exception:  # a schema fastavro cannot split is read whole
            split = None
        layout = _Layout(*split) if split is not None else None
        self._layouts[schema_id] = layout
        return layout


_UNKNOWN: Any = object()
