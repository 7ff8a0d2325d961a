"""Operator tools over the pipeline's topics: replay a group, list/show/replay dead letters,
trace one event. Kafka I/O goes through ``eventflow.kafka``; rendering is the CLI's job."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from eventflow.consumers._dead_letter import replay_headers
from eventflow.errors import ConfigError
from eventflow.events import DeadLetter
from eventflow.kafka import (
    ConsumedRecord,
    DeliveryReport,
    KafkaCluster,
    RecordSender,
    offsets_for_time,
    read_one,
    read_range,
    set_group_offsets,
    watermarks,
)

Progress = Callable[[int], None]


class Decoder(Protocol):
    def decode(self, data: bytes) -> tuple[int, dict[str, Any]]: ...


# ---- replay a consumer group ---------------------------------------------------------------


def replay_offsets(
    cluster: KafkaCluster,
    topic: str,
    *,
    from_offset: int | None = None,
    from_time_ms: int | None = None,
) -> dict[int, int]:
    """Per partition, where a replay starts: ``from_offset`` clamped to what the partition
    still holds, or the first offset at/after ``from_time_ms``."""
    if (from_offset is None) == (from_time_ms is None):
        raise ConfigError("give exactly one of --from-offset and --from-time")
    if from_offset is not None:
        if from_offset < 0:
            raise ConfigError(f"--from-offset must be >= 0, got {from_offset}")
        return {
            p: min(max(from_offset, low), high)
            for p, (low, high) in watermarks(cluster, topic).items()
        }
    assert from_time_ms is not None
    return offsets_for_time(cluster, topic, from_time_ms)


def replay_group(
    cluster: KafkaCluster,
    topic: str,
    group: str,
    *,
    from_offset: int | None = None,
    from_time_ms: int | None = None,
) -> dict[int, int]:
    """Point ``group`` (new, or stopped) at the replay start; its service reprocesses on start."""
    offsets = replay_offsets(cluster, topic, from_offset=from_offset, from_time_ms=from_time_ms)
    set_group_offsets(cluster, group, topic, offsets)
    return offsets


# ---- dead letters --------------------------------------------------------------------------


# A replay leaves a marker on the dead-letter topic itself: a record in the letter's partition,
# keyed and headed by the letter's coordinates, whose JSON value says when and where the
# original went. It lives as long as the letter (same topic, same retention), needs no other
# store, and is no DeadLetter (readers tell it by the header and skip it).
REPLAY_MARKER_HEADER = "eventflow-replay-marker"
# on the re-sent record: which dead letter it is (``<dlq topic>/<partition>/<offset>``)
DEAD_LETTER_HEADER = "eventflow-dead-letter"


@dataclass(frozen=True)
class ReplayMarker:
    replayed_at: str  # ISO 8601, UTC
    sent_to: str  # <topic>/<partition>/<offset> of the re-sent record


@dataclass(frozen=True)
class StoredDeadLetter:
    partition: int
    offset: int
    letter: DeadLetter
    replayed: ReplayMarker | None = None  # the latest replay of this letter, if any


def list_dead_letters(
    cluster: KafkaCluster,
    dlq_topic: str,
    decoder: Decoder,
    *,
    error_type: str | None = None,
    service: str | None = None,
    from_offset: int | None = None,
    progress: Progress | None = None,
) -> Iterator[StoredDeadLetter]:
    """Dead letters on ``dlq_topic`` (oldest first), filtered by error type prefix / service,
    each with its latest replay marker (markers follow their letter in its partition)."""
    start = None
    if from_offset is not None:
        start = {p: from_offset for p in watermarks(cluster, dlq_topic)}
    letters: list[StoredDeadLetter] = []
    markers: dict[tuple[int, int], ReplayMarker] = {}
    for record in read_range(cluster, dlq_topic, start=start):
        if progress is not None:
            progress(1)
        marked = _replay_marker(record)
        if marked is not None:
            markers[marked[0]] = marked[1]
            continue
        letter = _letter(record, decoder)
        if letter is None:
            continue
        if error_type is not None and not letter.error_type.startswith(error_type):
            continue
        if service is not None and letter.failing_service != service:
            continue
        letters.append(StoredDeadLetter(record.partition, record.offset, letter))
    for stored in letters:
        marker = markers.get((stored.partition, stored.offset))
        yield StoredDeadLetter(stored.partition, stored.offset, stored.letter, marker)


def _replay_marker(record: ConsumedRecord) -> tuple[tuple[int, int], ReplayMarker] | None:
    coordinates = next((v for k, v in record.headers if k == REPLAY_MARKER_HEADER), None)
    if coordinates is None:
        return None
    partition, _, offset = coordinates.decode().partition(":")
    body = json.loads(record.value or b"{}")
    marker = ReplayMarker(str(body.get("replayed_at")), str(body.get("sent_to")))
    return (int(partition), int(offset)), marker


def replay_marker_record(
    stored: StoredDeadLetter, sent: DeliveryReport
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the marker saying ``stored`` was re-sent as ``sent``."""
    coordinates = f"{stored.partition}:{stored.offset}".encode()
    value = {
        "replay_of": {"dlq_partition": stored.partition, "dlq_offset": stored.offset},
        "replayed_at": datetime.now(UTC).isoformat(),
        "sent_to": f"{sent.topic}/{sent.partition}/{sent.offset}",
    }
    return coordinates, json.dumps(value).encode(), [(REPLAY_MARKER_HEADER, coordinates)]


def show_dead_letter(
    cluster: KafkaCluster, dlq_topic: str, decoder: Decoder, offset: int, partition: int = 0
) -> StoredDeadLetter | None:
    record = read_one(cluster, dlq_topic, partition, offset)
    if record is None:
        return None
    letter = _letter(record, decoder)
    return None if letter is None else StoredDeadLetter(partition, offset, letter)


def _letter(record: ConsumedRecord, decoder: Decoder) -> DeadLetter | None:
    if record.value is None:
        return None
    try:
        _schema_id, value = decoder.decode(record.value)
        return DeadLetter.from_avro_dict(value)
    except Exception:  # a foreign record on the DLQ topic: not ours to replay
        return None


def replay_dead_letters(
    letters: Sequence[StoredDeadLetter],
    producer: RecordSender,
    *,
    dlq_topic: str,
    fetch_original: Callable[[DeadLetter], bytes | None] | None = None,
    timeout_s: float = 60.0,
    progress: Progress | None = None,
) -> int:
    """Put each original record back on its origin topic (key, value, headers + attempt count
    and the letter's coordinates); once the broker acknowledged them all, leave a replay
    marker per letter on ``dlq_topic``; return how many were re-sent (raises on the first
    failure). A letter that carries a reference instead of its value is replayed from the
    origin record, read back with ``fetch_original`` and checked against its SHA-256."""
    futures: list[Future[DeliveryReport]] = []
    for stored in letters:
        letter = stored.letter
        value = letter.original_value
        if letter.original_value_by_reference:
            value = _original_of(letter, fetch_original)
        coordinates = f"{dlq_topic}/{stored.partition}/{stored.offset}"
        headers = [
            (k, v) for k, v in replay_headers(letter) if v is not None and k != DEAD_LETTER_HEADER
        ]
        headers.append((DEAD_LETTER_HEADER, coordinates.encode()))
        futures.append(
            producer.send(letter.origin_topic, value, key=letter.original_key, headers=headers)
        )
    reports: list[DeliveryReport] = []
    for future in futures:
        reports.append(future.result(timeout=timeout_s))
        if progress is not None:
            progress(1)
    marks = []
    for stored, report in zip(letters, reports, strict=True):
        key, value, headers = replay_marker_record(stored, report)
        mark = producer.send(dlq_topic, value, key=key, headers=headers, partition=stored.partition)
        marks.append(mark)
    for mark in marks:
        mark.result(timeout=timeout_s)
    return len(reports)


def fetch_from_origin(cluster: KafkaCluster) -> Callable[[DeadLetter], bytes | None]:
    """Read a letter's original value back from its origin topic/partition/offset."""

    def fetch(letter: DeadLetter) -> bytes | None:
        record = read_one(
            cluster, letter.origin_topic, letter.origin_partition, letter.origin_offset
        )
        return None if record is None else record.value

    return fetch


def _original_of(letter: DeadLetter, fetch: Callable[[DeadLetter], bytes | None] | None) -> bytes:
    where = f"{letter.origin_topic}/{letter.origin_partition}/{letter.origin_offset}"
    value = fetch(letter) if fetch is not None else None
    if value is None:
        raise ConfigError(
            f"the dead letter of {where} carries a reference and the origin "
            "record is gone (retention); it cannot be replayed"
        )
    if hashlib.sha256(value).hexdigest() != letter.original_value_sha256:
        raise ConfigError(
            f"the record now at {where} is not the one dead-lettered "
            "(SHA-256 differs); it cannot be replayed"
        )
    return value


# ---- trace ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    detail: str = ""


@dataclass(frozen=True)
class TraceReport:
    event_id: str
    sightings: tuple[Sighting, ...]
    dead_letters: tuple[StoredDeadLetter, ...]
    row: dict[str, Any] | None


def find_event(
    cluster: KafkaCluster,
    topic: str,
    decoder: Decoder,
    event_id: str,
    *,
    progress: Progress | None = None,
) -> list[Sighting]:
    """Every record of ``topic`` whose envelope carries ``event_id`` (a byte pre-filter keeps
    the scan cheap: only records containing the id's bytes are decoded)."""
    needle = event_id.encode()
    found: list[Sighting] = []
    for record in read_range(cluster, topic):
        if progress is not None:
            progress(1)
        if record.value is None or needle not in record.value:
            continue
        try:
            _sid, value = decoder.decode(record.value)
        except Exception:  # noqa: S112 - undecodable: the DLQ tells that story
            continue
        envelope = value.get("envelope") or {}
        if str(envelope.get("event_id")) == event_id:
            found.append(
                Sighting(
                    topic,
                    record.partition,
                    record.offset,
                    record.timestamp_ms,
                    str(envelope.get("event_type", "")),
                )
            )
    return found


def trace_event(
    cluster: KafkaCluster,
    topics: Sequence[str],
    dlq_topic: str,
    decoder: Decoder,
    event_id: str,
    *,
    row_lookup: Callable[[str], dict[str, Any] | None] | None = None,
    progress: Progress | None = None,
) -> TraceReport:
    sightings: list[Sighting] = []
    for topic in topics:
        sightings.extend(find_event(cluster, topic, decoder, event_id, progress=progress))
    needle = event_id.encode()
    letters = tuple(
        d
        for d in list_dead_letters(cluster, dlq_topic, decoder, progress=progress)
        if needle in (d.letter.original_value or d.letter.original_value_prefix or b"")
    )
    row = row_lookup(event_id) if row_lookup is not None else None
    return TraceReport(event_id, tuple(sightings), letters, row)


def topic_size(cluster: KafkaCluster, topic: str) -> int:
    """Records currently held by ``topic`` (for progress bars)."""
    return sum(high - low for low, high in watermarks(cluster, topic).values())
