"""Confluent wire bytes -> dict (or generated instance), resolved to the reader's schema."""

from __future__ import annotations

import io
from typing import Any, NamedTuple, cast

from fastavro import schemaless_reader
from fastavro.read import SchemaResolutionError

from eventflow.contracts import ParsedSchema
from eventflow.serde._avro_json import has_union_of_named_types
from eventflow.serde._errors import InvalidValue, SchemaMismatch, TruncatedPayload
from eventflow.serde._lookup import SchemaLookup
from eventflow.serde._schemas import (
    RegistrySchemas,
    SchemaCodec,
    WriterSchema,
    codec_for_json_text,
    self_contained,
)
from eventflow.serde._wire import HEADER_SIZE, schema_id_of, unframe
from eventflow.serde.model import is_avro_record_class


class Decoded(NamedTuple):
    """A decoded record: the writer's id and schema, and the value in the reader's shape."""

    schema_id: int
    writer: ParsedSchema
    value: Any  # dict, or an instance of the generated reader class


class AvroDeserializer:
    """Decode Confluent-framed Avro. Writer schemas are fetched by id once and cached.

    ``reader`` is a generated class (values come back as its instances), a ParsedSchema
    (dicts in that shape: old data reads into new schemas) or ``None`` (dicts as written).
    """

    def __init__(self, lookup: SchemaLookup, *, reader: ParsedSchema | type | None = None) -> None:
        self._registry = RegistrySchemas(lookup)
        self._plans: dict[int, tuple[WriterSchema, Any, Any]] = {}
        self._union_names = False  # ask fastavro for (name, value) in unions of named types
        self._reader_class: Any = None
        self._reader: SchemaCodec | None = None
        if reader is not None:
            if isinstance(reader, type):
                if not is_avro_record_class(reader):
                    raise TypeError(f"{reader.__name__} is not a generated Avro event class")
                self._reader_class = reader
                cls = cast(Any, reader)
                self._reader = codec_for_json_text(cls.AVRO_SCHEMA_JSON, cls.AVRO_FINGERPRINT)
                self._union_names = has_union_of_named_types(self._reader.avro)
            else:
                self._reader = SchemaCodec.from_json(self_contained(reader), reader.fingerprint)

    def _plan(self, schema_id: int, data: bytes) -> tuple[WriterSchema, Any, Any]:
        writer = self._registry.by_id(schema_id, raw=data)
        reader = self._reader
        resolve = reader is not None and reader.fingerprint != writer.codec.fingerprint
        plan = (writer, writer.codec.fastavro, reader.fastavro if reader and resolve else None)
        self._plans[schema_id] = plan
        return plan

    def writer_schema(self, schema_id: int) -> WriterSchema:
        """The registered writer schema for ``schema_id`` (cached)."""
        return self._registry.by_id(schema_id)

    def deserialize(self, data: bytes) -> Decoded:
        schema_id = schema_id_of(data)
        if schema_id is None:
            schema_id, _body = unframe(data)  # raises BadMagicByte or TruncatedPayload
        plan = self._plans.get(schema_id)
        if plan is None:
            plan = self._plan(schema_id, data)
        writer, writer_schema, reader_schema = plan
        as_class = self._reader_class is not None
        names = self._union_names
        reader = self._reader
        try:
            # the value engine's reader is fastavro's; called directly on the hot path
            stream = io.BytesIO(data)  # shares the buffer, no copy
            stream.seek(HEADER_SIZE)
            value = schemaless_reader(stream, writer_schema, reader_schema, names, names)
        except EOFError as exc:
            raise TruncatedPayload(
                f"Avro body of schema id {schema_id} ends early ({len(data) - HEADER_SIZE} bytes)",
                raw=bytes(data),
                schema_id=schema_id,
            ) from exc
        except SchemaResolutionError as exc:
            raise SchemaMismatch(
                f"data written with schema id {schema_id} ({writer.parsed.fullname}) cannot be "
                f"read as {reader.root if reader else 'its own schema'}: {exc}",
                raw=bytes(data),
                schema_id=schema_id,
            ) from exc
        except (ValueError, IndexError, UnicodeDecodeError, OverflowError) as exc:
            raise TruncatedPayload(
                f"Avro body of schema id {schema_id} is corrupt: {exc}",
                raw=bytes(data),
                schema_id=schema_id,
            ) from exc
        if as_class:
            try:
                value = self._reader_class.from_avro_dict(value)
            except (TypeError, ValueError, KeyError) as exc:
                raise InvalidValue(
                    f"{self._reader_class.__name__}: decoded value does not fit the class: {exc}",
                    field_path=self._reader_class.__name__,
                    raw=bytes(data),
                    schema_id=schema_id,
                ) from exc
        return Decoded(schema_id, writer.parsed, value)
