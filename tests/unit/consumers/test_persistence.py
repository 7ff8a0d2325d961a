from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from eventflow.consumers._outcome import InputEvent, RetriableFailure
from eventflow.consumers._persistence import SqliteStore, StoreUrlError, event_row, open_store
from tests.unit.consumers.fakes import record

AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def event(n, **payload):
    value = {
        "envelope": {
            "event_id": f"id-{n}",
            "event_type": "order.placed",
            "source": "shop",
            "occurred_at": AT,
            "received_at": AT,
            "correlation_id": f"id-{n}",
            "causation_id": None,
        },
        "payload": payload or {"total": Decimal("12.50"), "blob": b"\x00\x01", "n": n},
        "validation": {"valid": True, "validated_at": AT},
        "enrichment": {"enriched_at": AT, "outputs": []},
    }
    return InputEvent(record(n, topic="events.enriched.v1"), 7, value)


def test_row_layout_keeps_decimals_exact_and_bytes_as_base64():
    row = dict(
        zip(
            [
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
            ],
            event_row(event(3), 99),
            strict=True,
        )
    )
    assert row["event_id"] == "id-3" and row["schema_id"] == 7
    assert row["occurred_at_ms"] == int(AT.timestamp() * 1000)
    assert json.loads(row["payload"]) == {"total": "12.50", "blob": "AAE=", "n": 3}
    assert json.loads(row["validation"])["valid"] is True
    assert (row["origin_topic"], row["origin_offset"], row["stored_at_ms"]) == (
        "events.enriched.v1",
        3,
        99,
    )


def test_upsert_by_event_id_never_duplicates(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    assert isinstance(store, SqliteStore)
    store.write([event(1), event(2)])
    store.write([event(2), event(3)])  # a redelivered batch overlapping the first
    store.write([event(1)])
    assert store.count() == 3
    assert store.count(["id-1", "id-3", "id-9"]) == 2
    row = store.get("id-2")
    assert row is not None and row["event_type"] == "order.placed"
    assert store.get("missing") is None
    store.close()


def test_locked_database_is_a_retriable_failure(tmp_path):
    path = tmp_path / "e.db"
    store = SqliteStore(path)
    store._conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(RetriableFailure, match="locked"):
        store.write([event(1)])
    blocker.execute("ROLLBACK")
    store.write([event(1)])
    assert store.count() == 1


def test_bad_database_urls_are_refused(tmp_path):
    with pytest.raises(StoreUrlError, match="unsupported database URL 'mysql://x'"):
        open_store("mysql://x")
    with pytest.raises(StoreUrlError, match="does not exist"):
        open_store(str(tmp_path / "nope" / "e.db"))


def test_an_event_id_back_with_another_payload_is_refused_and_the_stored_event_kept(tmp_path):
    from eventflow.consumers._persistence import EventIdConflict

    store = SqliteStore(tmp_path / "e.db")
    store.write([event(1, total="1.00")])
    store.write([event(1, total="1.00"), event(2)])  # the same payload again: a retry
    assert store.count() == 2
    with pytest.raises(EventIdConflict, match="id-1 already stored with a different payload"):
        store.write([event(3), event(1, total="999.00")])
    row = store.get("id-1")
    assert row is not None and json.loads(row["payload"]) == {"total": "1.00"}
    assert store.count() == 2, "the refused batch wrote nothing"
    assert EventIdConflict.error_type == "store.event_id_conflict"
    store.close()


def test_an_event_id_twice_in_one_batch_with_different_payloads_is_refused(tmp_path):
    from eventflow.consumers._persistence import EventIdConflict

    store = SqliteStore(tmp_path / "e.db")
    with pytest.raises(EventIdConflict):
        store.write([event(1, total="1.00"), event(1, total="1.00"), event(1, total="2.00")])
    assert store.count() == 0
    store.close()
