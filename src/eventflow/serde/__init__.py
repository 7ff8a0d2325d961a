"""Confluent wire-format Avro serde (magic byte 0, 4-byte big-endian schema id, Avro binary).

Encode generated event classes or dicts with :class:`AvroSerializer`; decode with
:class:`AvroDeserializer`. The registry is reached only through :class:`SchemaLookup`.
"""

from eventflow.serde._avro_json import collect_named_types, inline_references
from eventflow.serde._deserializer import AvroDeserializer, Decoded
from eventflow.serde._errors import (
    BadMagicByte,
    InvalidValue,
    SchemaMismatch,
    SerdeError,
    TruncatedPayload,
    UnknownSchemaId,
)
from eventflow.serde._lookup import RegisteredSchemaLike, SchemaLookup, SchemaReferenceLike
from eventflow.serde._serializer import AvroSerializer
from eventflow.serde._splice import SplicingCodec
from eventflow.serde._validate import validate_record
from eventflow.serde._wire import MAGIC_BYTE, frame, header, schema_id_of, unframe
from eventflow.serde.model import AvroEvent, AvroRecord

__all__ = [
    "MAGIC_BYTE",
    "AvroDeserializer",
    "AvroEvent",
    "AvroRecord",
    "AvroSerializer",
    "BadMagicByte",
    "Decoded",
    "InvalidValue",
    "RegisteredSchemaLike",
    "SchemaLookup",
    "SchemaMismatch",
    "SchemaReferenceLike",
    "SerdeError",
    "SplicingCodec",
    "TruncatedPayload",
    "UnknownSchemaId",
    "collect_named_types",
    "frame",
    "header",
    "inline_references",
    "schema_id_of",
    "unframe",
    "validate_record",
]
