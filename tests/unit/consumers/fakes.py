"""In-memory stand-ins for the consumer, the Avro codec (unit tests only); the producer is the
shipped :class:`eventflow.kafka.testing.FakeProducer`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from eventflow.events import DeadLetter
from eventflow.kafka._consumer import ConsumedRecord, Partition
from eventflow.kafka.testing import FakeProducer

__all__ = ["FakeCodec", "FakeProducer", "FakeSource", "UnknownId", "event_value", "record"]


class FakeSource:
    """A partitioned log with a group position and committed offsets."""

    def __init__(self, records: Sequence[ConsumedRecord]) -> None:
        self.log: dict[Partition, list[ConsumedRecord]] = {}
        for r in records:
            self.log.setdefault((r.topic, r.partition), []).append(r)
        self.position = {key: 0 for key in self.log}  # index into the partition list
        self.committed: dict[Partition, int] = {}
        self.commits: list[tuple[dict[Partition, int], bool]] = []  # (offsets, asynchronous)
        self.paused: set[Partition] = set()
        self.pause_calls = 0
        self.seeks: list[tuple[Partition, int]] = []
        self.closed = False

    def poll_batch(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        out: list[ConsumedRecord] = []
        for key in sorted(self.log):
            if key in self.paused:
                continue
            items = self.log[key]
            while self.position[key] < len(items) and len(out) < max_records:
                out.append(items[self.position[key]])
                self.position[key] += 1
        return out

    def commit(self, offsets: Mapping[Partition, int], *, asynchronous: bool = False) -> None:
        self.commits.append((dict(offsets), asynchronous))
        self.committed.update(offsets)

    def assignment(self) -> list[Partition]:
        return sorted(self.log)

    def pause(self, partitions: Sequence[Partition]) -> None:
        self.pause_calls += 1
        self.paused.update(partitions)

    def resume(self, partitions: Sequence[Partition]) -> None:
        self.paused.difference_update(partitions)

    def seek(self, partition: Partition, offset: int) -> bool:
        self.seeks.append((partition, offset))
        items = self.log[partition]
        self.position[partition] = next(i for i, r in enumerate(items) if r.offset == offset)
        return True

    def lag(self) -> dict[Partition, int]:
        return {k: len(v) - self.position[k] for k, v in self.log.items()}

    def close(self) -> None:
        self.closed = True


class UnknownId(Exception):
    error_type = "UnknownSchemaId"


class FakeCodec:
    """Confluent-like framing around JSON: magic 0, 4-byte id, JSON body."""

    known_ids = frozenset({7})

    def decode(self, data: bytes) -> tuple[int, dict[str, Any]]:
        if not data or data[0] != 0:
            err = ValueError("bad magic byte")
            err.error_type = "BadMagicByte"  # type: ignore[attr-defined]
            raise err
        schema_id = int.from_bytes(data[1:5], "big")
        if schema_id not in self.known_ids:
            raise UnknownId(f"schema id {schema_id} is unknown")
        return schema_id, json.loads(data[5:])

    def __init__(self) -> None:
        self.splices: list[tuple[bytes | None, int | None, Any]] = []  # encode's splice hints

    def decode_split(self, data: bytes) -> tuple[int, dict[str, Any], int | None]:
        schema_id, value = self.decode(data)
        return schema_id, value, len(data)

    def encode(
        self,
        schema_id: int,
        value: dict[str, Any],
        *,
        source: bytes | None = None,
        head_end: int | None = None,
        changed: Any = None,
    ) -> bytes:
        self.splices.append((source, head_end, changed))
        return b"\x00" + schema_id.to_bytes(4, "big") + json.dumps(value, default=str).encode()

    def encode_dead_letter(self, letter: DeadLetter) -> bytes:
        return json.dumps(
            letter.to_avro_dict(), default=lambda o: o.hex() if isinstance(o, bytes) else str(o)
        ).encode()


def event_value(n: int, event_type: str = "order.placed", **payload: Any) -> dict[str, Any]:
    return {
        "envelope": {"event_id": f"00000000-0000-0000-0000-{n:012d}", "event_type": event_type},
        "payload": payload or {"n": n},
        "validation": None,
        "enrichment": None,
    }


def record(
    n: int,
    *,
    partition: int = 0,
    topic: str = "events.raw.v1",
    value: bytes | None = None,
    headers: tuple[tuple[str, bytes | None], ...] = (),
    **payload: Any,
) -> ConsumedRecord:
    data = value if value is not None else FakeCodec().encode(7, event_value(n, **payload))
    return ConsumedRecord(topic, partition, n, f"k{n}".encode(), data, headers, 1_700_000_000_000)
