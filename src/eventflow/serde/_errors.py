"""Typed serde errors. Each one carries what a dead-letter record needs.

``error_type`` is the stable label a dead-letter record stores; ``raw`` is the payload that
failed (when there was one) and ``schema_id`` the writer id read from it (when known)::

    SerdeError (EventFlowError)
    ├── BadMagicByte       first byte is not 0: not Confluent wire format
    ├── UnknownSchemaId    the registry has no schema with the framed id
    ├── TruncatedPayload   fewer bytes than the header or the Avro body needs
    ├── SchemaMismatch     writer and reader schemas cannot be resolved, or no registered
    │                      version of the subject equals the schema of the value
    └── InvalidValue       a value does not fit its schema; ``field_path`` names the field
"""

from __future__ import annotations

from eventflow.errors import ErrorCode, EventFlowError


class SerdeError(EventFlowError):
    """A record could not be serialized or deserialized."""

    code = ErrorCode.SERDE_INVALID_VALUE
    error_type: str = "invalid_value"

    def __init__(
        self, message: str, *, raw: bytes | None = None, schema_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.raw = raw
        self.schema_id = schema_id


class BadMagicByte(SerdeError):
    """The payload does not start with the Confluent magic byte 0."""

    code = ErrorCode.SERDE_BAD_MAGIC_BYTE
    error_type = "bad_magic_byte"


class UnknownSchemaId(SerdeError):
    """The schema id framed in the payload is not known to the registry."""

    code = ErrorCode.SERDE_UNKNOWN_SCHEMA_ID
    error_type = "unknown_schema_id"


class TruncatedPayload(SerdeError):
    """The payload ends before its header or its Avro body is complete."""

    code = ErrorCode.SERDE_TRUNCATED_PAYLOAD
    error_type = "truncated_payload"


class SchemaMismatch(SerdeError):
    """The writer schema cannot be read with the reader schema (or is not registered)."""

    code = ErrorCode.SERDE_SCHEMA_MISMATCH
    error_type = "schema_mismatch"


class InvalidValue(SerdeError, ValueError):
    """A value does not fit its schema. ``field_path`` is e.g. ``OrderPlaced.payload.total``."""

    code = ErrorCode.SERDE_INVALID_VALUE
    error_type = "invalid_value"

    def __init__(
        self,
        message: str,
        *,
        field_path: str,
        raw: bytes | None = None,
        schema_id: int | None = None,
    ) -> None:
        super().__init__(message, raw=raw, schema_id=schema_id)
        self.field_path = field_path
