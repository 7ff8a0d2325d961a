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
from typing import Any, NamedTuple, cast

from fastavro import schemaless_reader

from eventflow.serde._deserializer import AvroDeserializer
from eventflow.serde._lookup import SchemaLookup
from eventflow.serde._schemas import RegistrySchemas
from eventflow.serde._serializer import AvroSerializer
from eventflow.serde._wire import HEADER_SIZE, schema_id_of
from eventflow.serde.avro import RecordSplit, split_record

_READ_ERRORS = (EOFError, ValueError, IndexError, UnicodeDecodeError, OverflowError, KeyError)


class SplitDecoded(NamedTuple):
    """A decoded record and where its leading fields end in ``data`` (None: not split)."""

    schema_id: int
    value: dict[str, Any]
    head_end: int | None


class SplicingCodec:
    """Decode Confluent-framed records split at ``tail_from``; re-encode by splicing.

    The split and the tail's writer come from the value engine
    (:func:`eventflow.serde.avro.split_record`). Errors are the serde's typed errors:
    anything the split read or the tail write refuses is redone by
    :class:`AvroDeserializer` / :class:`AvroSerializer`, which raise them.
    """

    def __init__(self, lookup: SchemaLookup, tail_from: str) -> None:
        self.tail_from = tail_from
        self._registry = RegistrySchemas(lookup)
        self._decoder = AvroDeserializer(lookup)
        self._encoder = AvroSerializer(lookup)
        self._layouts: dict[int, RecordSplit | None] = {}

    def decode(self, data: bytes) -> SplitDecoded:
        schema_id = schema_id_of(data)
        if schema_id is not None:
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
                and schema_id_of(source) == schema_id
            ):
                out = bytearray(memoryview(source)[:head_end])
                try:
                    layout.write_tail(value, out)
                except Exception:  # a refused value: the full encode raises, naming the field
                    return self._encoder.serialize_with_id(schema_id, value)
                return bytes(out)
        return self._encoder.serialize_with_id(schema_id, value)

    def _layout(self, schema_id: int, data: bytes) -> RecordSplit | None:
        codec = self._registry.by_id(schema_id, raw=data).codec
        try:
            layout = split_record(codec.values.node, codec.avro, self.tail_from)
        except Exception:  # a schema fastavro cannot split is read whole
            layout = None
        self._layouts[schema_id] = layout
        return layout


_UNKNOWN: Any = object()
