"""Confluent wire format v0: magic byte 0, 4-byte big-endian schema id, Avro binary body."""

from __future__ import annotations

from eventflow.serde._errors import BadMagicByte, TruncatedPayload

MAGIC_BYTE = 0
HEADER_SIZE = 5
MAX_SCHEMA_ID = 2**31 - 1


def header(schema_id: int) -> bytes:
    """The 5-byte prefix of a record written with ``schema_id``."""
    if not 0 <= schema_id <= MAX_SCHEMA_ID:
        raise ValueError(f"schema id {schema_id} is outside 0..{MAX_SCHEMA_ID}")
    return bytes((MAGIC_BYTE,)) + schema_id.to_bytes(4, "big")


def frame(schema_id: int, avro_body: bytes) -> bytes:
    """Prefix an Avro binary body with the magic byte and ``schema_id``."""
    return header(schema_id) + avro_body


def schema_id_of(data: bytes | None) -> int | None:
    """The schema id of a Confluent-framed payload, ``None`` when the frame is not intact
    (no payload, another first byte than 0, fewer than 5 bytes). The one place the header is
    read; :func:`unframe` says what is wrong with a frame."""
    if data is None or len(data) < HEADER_SIZE or data[0] != MAGIC_BYTE:
        return None
    return int.from_bytes(data[1:HEADER_SIZE], "big")


def unframe(data: bytes) -> tuple[int, memoryview]:
    """Split a Confluent-framed payload into (schema id, Avro body) without copying the body."""
    if len(data) < 1:
        raise TruncatedPayload("empty payload: expected a 5-byte Confluent header", raw=data)
    if data[0] != MAGIC_BYTE:
        raise BadMagicByte(
            f"first byte is {data[0]:#04x}, not the Confluent magic byte 0x00 "
            "(not written by a schema-registry serializer)",
            raw=bytes(data),
        )
    if len(data) < HEADER_SIZE:
        raise TruncatedPayload(
            f"payload has {len(data)} bytes; the Confluent header needs {HEADER_SIZE}",
            raw=bytes(data),
        )
    return int.from_bytes(data[1:HEADER_SIZE], "big"), memoryview(data)[HEADER_SIZE:]
