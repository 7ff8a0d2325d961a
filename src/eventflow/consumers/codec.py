"""The runtime's Codec over the real serde + registry.

Undecodable input raises the serde's typed errors (bad magic byte, unknown schema id,
truncated, mismatch) and is dead-lettered; a registry that cannot be reached is a
RetriableFailure (the batch waits and retries instead of dead-lettering good events).
"""

from __future__ import annotations

from typing import Any

from eventflow.consumers.dead_letter import DLQ_SUBJECT
from eventflow.consumers.outcome import RetriableFailure
from eventflow.errors import EventFlowError
from eventflow.serde import AvroDeserializer, AvroSerializer, SchemaLookup, SerdeError


class RegistryCodec:
    def __init__(self, lookup: SchemaLookup, *, dlq_subject: str = DLQ_SUBJECT) -> None:
        self._decoder = AvroDeserializer(lookup)
        self._encoder = AvroSerializer(lookup)
        self._dlq_subject = dlq_subject

    def decode(self, data: bytes) -> tuple[int, dict[str, Any]]:
        try:
            decoded = self._decoder.deserialize(data)
        except SerdeError:
            raise
        except EventFlowError as exc:  # registry down or answering 5xx
            raise RetriableFailure(f"schema registry: {exc}") from exc
        return decoded.schema_id, decoded.value

    def encode(self, schema_id: int, value: dict[str, Any]) -> bytes:
        try:
            return self._encoder.serialize_with_id(schema_id, value)
        except SerdeError:
            raise
        except EventFlowError as exc:
            raise RetriableFailure(f"schema registry: {exc}") from exc

    def encode_dead_letter(self, value: dict[str, Any]) -> bytes:
        try:
            return self._encoder.serialize(value, subject=self._dlq_subject)
        except SerdeError:
            raise
        except EventFlowError as exc:
            raise RetriableFailure(f"schema registry: {exc}") from exc
