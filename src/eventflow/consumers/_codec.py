"""The runtime's RecordCodec over the real serde + registry.

Undecodable input raises the serde's typed errors (bad magic byte, unknown schema id,
truncated, mismatch) and is dead-lettered; a registry that cannot be reached is a
RetriableFailure (the batch waits and retries instead of dead-lettering good events).

With ``tail_from`` (the first field the service sets: ``validation`` for the validator,
``enrichment`` for the enricher) records are read in two parts and re-encoded by copying the
unchanged leading fields' bytes (``eventflow.serde._splice``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from eventflow.consumers._dead_letter import DLQ_SUBJECT
from eventflow.consumers._outcome import RetriableFailure
from eventflow.errors import EventFlowError
from eventflow.events import DeadLetter
from eventflow.serde import (
    AvroDeserializer,
    AvroSerializer,
    SchemaLookup,
    SerdeError,
    SplicingCodec,
)


class RegistryCodec:
    def __init__(
        self, lookup: SchemaLookup, *, dlq_subject: str = DLQ_SUBJECT, tail_from: str | None = None
    ) -> None:
        self._decoder = AvroDeserializer(lookup)
        self._encoder = AvroSerializer(lookup)
        self._splicer = SplicingCodec(lookup, tail_from) if tail_from else None
        self._dlq_subject = dlq_subject

    def decode(self, data: bytes) -> tuple[int, dict[str, Any]]:
        with _registry_failures_retriable():
            decoded = self._decoder.deserialize(data)
        return decoded.schema_id, decoded.value

    def decode_split(self, data: bytes) -> tuple[int, dict[str, Any], int | None]:
        """(schema id, value, where the fields before ``tail_from`` end or None)."""
        if self._splicer is None:
            schema_id, value = self.decode(data)
            return schema_id, value, None
        with _registry_failures_retriable():
            return self._splicer.decode(data)

    def encode(
        self,
        schema_id: int,
        value: dict[str, Any],
        *,
        source: bytes | None = None,
        head_end: int | None = None,
        changed: Collection[str] | None = None,
    ) -> bytes:
        with _registry_failures_retriable():
            if self._splicer is not None:
                return self._splicer.encode(
                    schema_id, value, source=source, head_end=head_end, changed=changed
                )
            return self._encoder.serialize_with_id(schema_id, value)

    def encode_dead_letter(self, letter: DeadLetter) -> bytes:
        """The generated dead letter under the dead-letter topic's subject (``<topic>-value``),
        with the id of THIS code's DeadLetter schema, found among all versions of the subject
        (a newer version registered later does not stop older services)."""
        with _registry_failures_retriable():
            return self._encoder.serialize(letter, subject=self._dlq_subject, schema=DeadLetter)


@contextmanager
def _registry_failures_retriable() -> Iterator[None]:
    """Serde errors (bad input) pass through; a registry that is down or answers 5xx becomes a
    :class:`RetriableFailure`, so the batch waits and retries instead of dead-lettering."""
    try:
        yield
    except SerdeError:
        raise
    except EventFlowError as exc:
        raise RetriableFailure(f"schema registry: {exc}") from exc
