"""Turn an accepted request into the event record of ADR 0002 and its Kafka key (pure)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from eventflow.producers.http._envelope import EventFields


def build_record(
    event: EventFields, payload: Any, *, event_id: str, source: str, received_at_ms: int
) -> dict[str, Any]:
    """``{envelope, payload, validation: null, enrichment: null}`` with a complete envelope."""
    occurred = event.occurred_at_ms
    return {
        "envelope": {
            "event_id": event_id,
            "event_type": event.event_type,
            "source": source,
            "occurred_at": received_at_ms if occurred is None else occurred,
            "received_at": received_at_ms,
            "correlation_id": event.correlation_id or event_id,
            "causation_id": event.causation_id,
        },
        "payload": payload,
        "validation": None,
        "enrichment": None,
    }


def partition_key(record: Mapping[str, Any], dotted_path: str) -> bytes | None:
    """The Kafka key: the value at ``dotted_path`` (e.g. ``payload.order_id``) as UTF-8.

    ``None`` when the path leads nowhere or to null (the record is then keyed by nothing and
    spread by the partitioner; the manifest should name a required field).
    """
    current: Any = record
    for part in dotted_path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    if current is None:
        return None
    if isinstance(current, bytes):
        return current
    return str(current).encode("utf-8")


class EventIds:
    """Random (version 4, RFC 4122 variant) UUIDs as text, from ``os.urandom``.

    The bytes are drawn 4 KiB at a time (one system call per 256 ids) and formatted directly,
    without building :class:`uuid.UUID` objects: several times cheaper than
    ``str(uuid.uuid4())`` on the request path. Not thread-safe: one instance per event loop.
    """

    _CHUNK = 4096

    def __init__(self) -> None:
        self._pool = b""
        self._next = 0

    def __call__(self) -> str:
        if self._next >= len(self._pool):
            self._pool = os.urandom(self._CHUNK)
            self._next = 0
        raw = bytearray(self._pool[self._next : self._next + 16])
        self._next += 16
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
