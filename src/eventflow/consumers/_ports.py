"""What the consumer runtime needs of its surroundings (protocols): where records come from,
how outputs are sent, how values are encoded, what a handler and a store do."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from eventflow.consumers._outcome import InputEvent, Outcome
from eventflow.events import DeadLetter
from eventflow.kafka import ConsumedRecord, DeliveryGroup, GroupSender, Partition


class RecordSource(Protocol):
    def poll_batch(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]: ...
    def commit(self, offsets: Mapping[Partition, int], *, asynchronous: bool = False) -> None: ...
    def assignment(self) -> list[Partition]: ...
    def pause(self, partitions: Sequence[Partition]) -> None: ...
    def resume(self, partitions: Sequence[Partition]) -> None: ...
    def seek(self, partition: Partition, offset: int) -> bool: ...
    def lag(self) -> dict[Partition, int]: ...
    def close(self) -> None: ...


class LoopSender(GroupSender, Protocol):
    """What the loop needs of a producer (:class:`~eventflow.kafka._producer.DurableProducer`
    built with ``background_poll=False``; unit tests use a fake)."""

    def wait_for(self, group: DeliveryGroup, timeout_s: float) -> bool: ...
    def poll(self, timeout_s: float = 0.0) -> int: ...


class RecordCodec(Protocol):
    """Confluent-framed Avro: decode any event, re-encode under its writer id, encode DLQ.

    ``decode_split`` also tells where the fields a service never changes end (or None);
    ``encode`` may then copy those bytes from ``source`` instead of re-encoding them.
    """

    def decode_split(self, data: bytes) -> tuple[int, dict[str, Any], int | None]: ...
    def encode(
        self,
        schema_id: int,
        value: dict[str, Any],
        *,
        source: bytes | None = None,
        head_end: int | None = None,
        changed: Collection[str] | None = None,
    ) -> bytes: ...
    def encode_dead_letter(self, letter: DeadLetter) -> bytes: ...


class Handler(Protocol):
    def handle(self, event: InputEvent) -> Outcome: ...


class EventStore(Protocol):
    """A terminal output: writes a batch atomically and idempotently (by event id)."""

    name: str

    def write(self, events: Sequence[InputEvent]) -> None: ...
