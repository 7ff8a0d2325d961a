"""Confluent wire-format Avro serde (magic byte 0, 4-byte big-endian schema id, Avro binary).

Encode generated event classes or dicts with :class:`AvroSerializer`; decode with
:class:`AvroDeserializer`. The registry is reached only through :class:`SchemaLookup`.
"""

from eventflow.serde.deserializer import AvroDeserializer, Decoded
from eventflow.serde.errors import (
    BadMagicByte,
    InvalidValue,
    SchemaMismatch,
    SerdeError,
    TruncatedPayload,
    UnknownSchemaId,
)
from eventflow.serde.lookup import RegisteredSchemaLike, SchemaLookup, SchemaReferenceLike
from eventflow.serde.model import AvroEvent, AvroRecord
from eventflow.serde.serializer import AvroSerializer
from eventflow.serde.validate import validate_record
from eventflow.serde.wire import MAGIC_BYTE, frame, unframe

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
    "TruncatedPayload",
    "UnknownSchemaId",
    "frame",
    "unframe",
    "validate_record",
]
