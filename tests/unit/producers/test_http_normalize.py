"""Envelope completion, Kafka keys, and the pooled UUID source."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from eventflow.producers.http._envelope import from_model
from eventflow.producers.http._models import EventIn
from eventflow.producers.http._normalize import EventIds, build_record, partition_key


def test_event_ids_are_distinct_version_4_uuids_across_pool_refills():
    ids = EventIds()
    drawn = [ids() for _ in range(1000)]  # ~4 refills of the 4 KiB pool
    assert len(set(drawn)) == 1000
    parsed = [uuid.UUID(i) for i in drawn]
    assert {u.version for u in parsed} == {4}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}


def test_record_defaults_and_explicit_envelope_values():
    event = from_model(EventIn(event_type="order.placed", data={}))
    record = build_record(event, {"order_id": "o"}, event_id="e-1", source="shop", received_at_ms=5)
    assert record["envelope"] == {
        "event_id": "e-1",
        "event_type": "order.placed",
        "source": "shop",
        "occurred_at": 5,
        "received_at": 5,
        "correlation_id": "e-1",
        "causation_id": None,
    }
    assert record["validation"] is None and record["enrichment"] is None
    explicit = from_model(
        EventIn(
            event_type="order.placed",
            data={},
            correlation_id="flow",
            occurred_at=datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC),
        )
    )
    envelope = build_record(explicit, {}, event_id="e-2", source="s", received_at_ms=9)["envelope"]
    assert (envelope["occurred_at"], envelope["correlation_id"]) == (1500, "flow")


def test_partition_key_follows_the_dotted_path():
    record = {"payload": {"order_id": "o-7", "n": 42, "none": None}}
    assert partition_key(record, "payload.order_id") == b"o-7"
    assert partition_key(record, "payload.n") == b"42"
    assert partition_key(record, "payload.none") is None
    assert partition_key(record, "payload.missing.deeper") is None
