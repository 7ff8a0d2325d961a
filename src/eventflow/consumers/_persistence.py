"""The persistence writer's store (group ``persistence-writer``): one row per event id.

SQLite by default (``sqlite:///path/to/file.db`` or a bare path), PostgreSQL by URL
(``postgresql://user:pass@host/db``, psycopg 3). Batches are written in one transaction with an
upsert keyed by ``event_id``, so replays and redeliveries never duplicate a row. Table layout
(documented in docs/pipeline.md)::

    events(event_id PK, event_type, source, occurred_at_ms, received_at_ms, correlation_id,
           causation_id, schema_id, payload JSON, validation JSON, enrichment JSON,
           origin_topic, origin_partition, origin_offset, stored_at_ms)

A connection failure (database down, locked) is a RetriableFailure: the runtime retries the
batch with backoff. Anything else refuses the row, and the runtime dead-letters that one event.

A stored event's payload never changes: an event id that comes back with a different payload
(a client reusing its event id, or an Idempotency-Key after the API forgot the first request;
docs/http-api.md) is refused with :class:`EventIdConflict` and dead-lettered
(``store.event_id_conflict``) instead of replacing the row. The same payload again (a retry,
a redelivery, a replay) updates the row as before.
"""

from __future__ import annotations

import base64
import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from eventflow.consumers._outcome import InputEvent, RetriableFailure
from eventflow.errors import ConfigError, ErrorCode, EventFlowError

WRITER_GROUP = "persistence-writer"

COLUMNS = (
    "event_id",
    "event_type",
    "source",
    "occurred_at_ms",
    "received_at_ms",
    "correlation_id",
    "causation_id",
    "schema_id",
    "payload",
    "validation",
    "enrichment",
    "origin_topic",
    "origin_partition",
    "origin_offset",
    "stored_at_ms",
)

_DDL = """
CREATE TABLE IF NOT EXISTS events (
    event_id         TEXT PRIMARY KEY,
    event_type       TEXT NOT NULL,
    source           TEXT,
    occurred_at_ms   BIGINT,
    received_at_ms   BIGINT,
    correlation_id   TEXT,
    causation_id     TEXT,
    schema_id        INTEGER NOT NULL,
    payload          {json} NOT NULL,
    validation       {json},
    enrichment       {json},
    origin_topic     TEXT NOT NULL,
    origin_partition INTEGER NOT NULL,
    origin_offset    BIGINT NOT NULL,
    stored_at_ms     BIGINT NOT NULL
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS events_type_time ON events (event_type, occurred_at_ms)"


class StoreUrlError(ConfigError):
    code = ErrorCode.PIPELINE_STORAGE_FAILED


class EventIdConflict(EventFlowError):
    """An event id already stored with a different payload (permanent for that event)."""

    code = ErrorCode.PIPELINE_STORAGE_FAILED
    error_type = "store.event_id_conflict"


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _check_conflicts(rows: Sequence[tuple[Any, ...]], stored: dict[str, Any]) -> None:
    """Raise when a row's payload differs from the one stored (or earlier in the batch) under
    its event id."""
    payload_at = COLUMNS.index("payload")
    seen = dict(stored)
    clashes: list[str] = []
    for row in rows:
        payload = _loads(row[payload_at])
        if row[0] in seen and seen[row[0]] != payload:
            clashes.append(row[0])
        seen.setdefault(row[0], payload)
    if clashes:
        shown = ", ".join(clashes[:5])
        raise EventIdConflict(
            f"event id(s) {shown} already stored with a different payload; the stored event is kept"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, default=_json_default).decode()


def _millis(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value) if value is not None else None


def event_row(event: InputEvent, stored_at_ms: int) -> tuple[Any, ...]:
    """One ``events`` row for an event (pure)."""
    value = event.value
    env = value["envelope"]
    return (
        str(env["event_id"]),
        str(env["event_type"]),
        env.get("source"),
        _millis(env.get("occurred_at")),
        _millis(env.get("received_at")),
        env.get("correlation_id"),
        env.get("causation_id"),
        event.schema_id,
        to_json(value.get("payload")),
        to_json(value.get("validation")),
        to_json(value.get("enrichment")),
        event.record.topic,
        event.record.partition,
        event.record.offset,
        stored_at_ms,
    )


def _upsert_sql(placeholder: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    marks = ", ".join([placeholder] * len(COLUMNS))
    # only constant column names are interpolated; values always go through placeholders
    return (
        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT (event_id) DO UPDATE SET {updates}"
    )


_SELECT = f"SELECT {', '.join(COLUMNS)} FROM events WHERE event_id = "  # noqa: S608


def open_store(url: str) -> SqliteStore | PostgresStore:
    """A store for ``url``: ``postgresql://…``, ``sqlite:///path`` or a bare file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if "://" in url:
        raise StoreUrlError(
            f"unsupported database URL {url!r}: use sqlite:///path/file.db or "
            "postgresql://user:pass@host/db"
        )
    return SqliteStore(Path(url))


class SqliteStore:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.parent.exists():
            raise StoreUrlError(f"{path}: the database folder {path.parent} does not exist")
        self._conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_DDL.format(json="TEXT"))
        self._conn.execute(_INDEX)
        self._sql = _upsert_sql("?")

    def write(self, events: Sequence[InputEvent]) -> None:
        now = int(time.time() * 1000)
        rows = [event_row(e, now) for e in events]
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                _check_conflicts(rows, self._payloads([row[0] for row in rows]))
                self._conn.executemany(self._sql, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # locked, disk I/O, read-only: transient
            raise RetriableFailure(
                f"sqlite {self.path}: {exc}", code=ErrorCode.PIPELINE_STORAGE_FAILED
            ) from exc

    def _payloads(self, event_ids: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(event_ids), 500):
            chunk = list(event_ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT event_id, payload FROM events WHERE event_id IN ({marks})"  # noqa: S608
            for event_id, payload in self._conn.execute(sql, chunk):
                found[event_id] = _loads(payload)
        return found

    def get(self, event_id: str) -> dict[str, Any] | None:
        cur = self._conn.execute(_SELECT + "?", (event_id,))
        row = cur.fetchone()
        return dict(zip(COLUMNS, row, strict=True)) if row else None

    def count(self, event_ids: Sequence[str] | None = None) -> int:
        if event_ids is None:
            return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        total = 0
        for start in range(0, len(event_ids), 500):
            chunk = list(event_ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT COUNT(*) FROM events WHERE event_id IN ({marks})"  # noqa: S608
            total += int(self._conn.execute(sql, chunk).fetchone()[0])
        return total

    def close(self) -> None:
        self._conn.close()


class PostgresStore:
    name = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self._url = url
        self._conn: Any = None
        self._sql = _upsert_sql("%s")
        self._connect()

    def _connect(self) -> Any:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = self._psycopg.connect(self._url, connect_timeout=5)
                with self._conn.transaction():
                    self._conn.execute(_DDL.format(json="JSONB"))
                    self._conn.execute(_INDEX)
            except self._psycopg.OperationalError as exc:
                self._conn = None
                raise RetriableFailure(
                    f"postgresql unreachable: {exc}", code=ErrorCode.PIPELINE_STORAGE_FAILED
                ) from exc
        return self._conn

    def write(self, events: Sequence[InputEvent]) -> None:
        now = int(time.time() * 1000)
        rows = [event_row(e, now) for e in events]
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "SELECT event_id, payload FROM events WHERE event_id = ANY(%s)",
                    ([row[0] for row in rows],),
                )
                _check_conflicts(rows, dict(cur.fetchall()))
                cur.executemany(self._sql, rows)
        except self._psycopg.OperationalError as exc:
            conn.close()
            raise RetriableFailure(
                f"postgresql write failed: {exc}", code=ErrorCode.PIPELINE_STORAGE_FAILED
            ) from exc

    def get(self, event_id: str) -> dict[str, Any] | None:
        conn = self._connect()
        with conn.cursor() as cur:
            cur.execute(_SELECT + "%s", (event_id,))
            row = cur.fetchone()
        conn.rollback()
        return dict(zip(COLUMNS, row, strict=True)) if row else None

    def count(self, event_ids: Sequence[str] | None = None) -> int:
        conn = self._connect()
        with conn.cursor() as cur:
            if event_ids is None:
                cur.execute("SELECT COUNT(*) FROM events")
            else:
                cur.execute(
                    "SELECT COUNT(*) FROM events WHERE event_id = ANY(%s)", (list(event_ids),)
                )
            (total,) = cur.fetchone()
        conn.rollback()
        return int(total)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
