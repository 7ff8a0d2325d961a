from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import pytest

from eventflow.consumers._dead_letter import ATTEMPT_HEADER
from eventflow.consumers._outcome import Forward, InputEvent, Reject, RetriableFailure, Skip
from eventflow.consumers._runtime import ServiceRuntime, ServiceSpec
from eventflow.kafka._consumer import ConsumedRecord
from tests.unit.consumers.fakes import FakeCodec, FakeProducer, FakeSource, record

SPEC = ServiceSpec(
    service="test-service",
    group="test-group",
    input_topic="events.raw.v1",
    output_topic="events.validated.v1",
    backoff_initial_s=0.0,
)


class Stamp:
    def handle(self, event: InputEvent):
        value = dict(event.value)
        value["validation"] = {"by": "stamp"}
        return Forward(value)


def runtime(source, producer, handler, **kw):
    return ServiceRuntime(
        kw.pop("spec", SPEC),
        source=source,
        producer=producer,
        codec=FakeCodec(),
        handler=handler,
        sleep=lambda s: None,
        **kw,
    )


def letter_of(sent):
    assert sent[2] is not None
    return json.loads(sent[2])


def decoded(sent):
    return FakeCodec().decode(sent[2])


def test_forwards_under_same_schema_id_keeps_key_and_headers_then_commits():
    src = FakeSource([record(0, headers=(("trace", b"t0"),)), record(1), record(5, partition=1)])
    prod = FakeProducer()
    rt = runtime(src, prod, Stamp())
    assert rt.run_once() == 3
    out = prod.on("events.validated.v1")
    assert [s[1] for s in out] == [b"k0", b"k1", b"k5"]
    assert out[0][3] == [("trace", b"t0")]
    schema_id, value = decoded(out[0])
    assert schema_id == 7 and value["validation"] == {"by": "stamp"}
    assert src.committed == {("events.raw.v1", 0): 2, ("events.raw.v1", 1): 6}
    assert rt.metrics.value("eventflow_consumed_total") == 3
    assert rt.metrics.value("eventflow_produced_total", destination="events.validated.v1") == 3


def test_commit_happens_only_after_outputs_are_acknowledged():
    src = FakeSource([record(0), record(1)])
    prod = FakeProducer()
    prod.fail_next = 1  # the first output is refused by the broker
    rt = runtime(src, prod, Stamp())
    rt.run_once()
    assert src.committed == {}, "nothing may be committed while an output is undelivered"
    assert src.seeks == [(("events.raw.v1", 0), 0)]
    rt.run_once()  # redelivered from the rewound position in a narrowed batch of one
    assert src.committed == {("events.raw.v1", 0): 1}
    rt.run_once()
    assert src.committed == {("events.raw.v1", 0): 2}
    assert [s[1] for s in prod.on("events.validated.v1")] == [b"k1", b"k0", b"k1"]


def test_the_codec_gets_the_source_bytes_and_what_the_handler_changed():
    class Sets:
        def handle(self, event):
            return Forward({**event.value, "validation": {"ok": True}}, frozenset({"validation"}))

    src = FakeSource([record(0)])
    codec = FakeCodec()
    rt = ServiceRuntime(SPEC, source=src, producer=FakeProducer(), codec=codec, handler=Sets())
    rt.run_once()
    first = record(0).value
    assert first is not None
    assert codec.splices == [(first, len(first), {"validation"})]
    codec.splices.clear()
    src = FakeSource([record(1)])
    ServiceRuntime(
        SPEC, source=src, producer=FakeProducer(), codec=codec, handler=Stamp()
    ).run_once()
    second = record(1).value
    assert second is not None
    assert codec.splices == [(second, len(second), None)], "None: unknown"


def test_unacknowledged_outputs_time_out_into_a_rewind_without_commit():
    src = FakeSource([record(0), record(1)])
    prod = FakeProducer()
    prod.hold = True  # the broker never answers
    rt = runtime(src, prod, Stamp())
    rt.run_once()
    assert src.committed == {}
    assert src.seeks == [(("events.raw.v1", 0), 0)]
    assert rt.metrics.value("eventflow_batch_retries_total") == 1
    prod.hold = False
    rt.run_once()
    assert src.committed == {("events.raw.v1", 0): 2}
    assert prod.waits <= 2, "at most one wait per batch, not one per record"


def test_handler_exception_dead_letters_that_record_only_with_stack_and_context():
    class Boom:
        def handle(self, event):
            if event.record.offset == 1:
                raise KeyError("payload.total")
            return Forward(event.value)

    src = FakeSource([record(0), record(1), record(2)])
    prod = FakeProducer()
    rt = runtime(src, prod, Boom())
    rt.run_once()
    assert [s[1] for s in prod.on("events.validated.v1")] == [b"k0", b"k2"]
    [dlq] = prod.on("events.dlq.v1")
    letter = letter_of(dlq)
    assert letter["error_type"] == "handler.failed"
    assert "KeyError: 'payload.total'" in letter["error_message"]
    assert "Traceback" in letter["stack_trace"] and "raise KeyError" in letter["stack_trace"]
    assert (letter["origin_topic"], letter["origin_partition"], letter["origin_offset"]) == (
        "events.raw.v1",
        0,
        1,
    )
    assert letter["failing_service"] == "test-service" and letter["consumer_group"] == "test-group"
    assert letter["attempt"] == 1 and letter["schema_id"] == 7
    assert bytes.fromhex(letter["original_value"]) == record(1).value
    assert dlq[1] == b"k1"
    assert src.committed == {("events.raw.v1", 0): 3}
    assert rt.metrics.value("eventflow_dead_lettered_total", error_type="handler.failed") == 1


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (b"\x05garbage", "BadMagicByte"),
        (b"\x00\x00\x00\x00\x63{}", "UnknownSchemaId"),
        (b"\x00\x00\x00\x00\x07{not json", "decode.failed"),
    ],
)
def test_undecodable_input_is_dead_lettered_and_the_stream_continues(value, error_type):
    src = FakeSource([record(0, value=value), record(1)])
    prod = FakeProducer()
    rt = runtime(src, prod, Stamp())
    rt.run_once()
    [dlq] = prod.on("events.dlq.v1")
    letter = letter_of(dlq)
    assert letter["error_type"] == error_type
    assert bytes.fromhex(letter["original_value"]) == value
    assert len(prod.on("events.validated.v1")) == 1
    assert src.committed == {("events.raw.v1", 0): 2}


def test_null_value_and_reject_and_skip():
    class Decide:
        def handle(self, event):
            return (
                Reject("rule:positive", "total must be > 0") if event.record.offset == 1 else Skip()
            )

    tombstone = ConsumedRecord("events.raw.v1", 0, 2, b"k2", None, (), 0)
    src = FakeSource([record(0), record(1), tombstone])
    prod = FakeProducer()
    rt = runtime(src, prod, Decide())
    rt.run_once()
    letters = [letter_of(s) for s in prod.on("events.dlq.v1")]
    assert [(x["origin_offset"], x["error_type"]) for x in letters] == [
        (1, "rule:positive"),
        (2, "NullValue"),
    ]
    assert letters[0]["stack_trace"] is None
    assert prod.on("events.validated.v1") == []
    assert rt.metrics.value("eventflow_skipped_total") == 1
    assert src.committed == {("events.raw.v1", 0): 3}


def test_replayed_record_carries_its_attempt_count_into_the_next_dead_letter():
    class No:
        def handle(self, event):
            return Reject("rule:x", "still wrong")

    src = FakeSource([record(0, headers=((ATTEMPT_HEADER, b"2"),))])
    prod = FakeProducer()
    runtime(src, prod, No()).run_once()
    assert letter_of(prod.on("events.dlq.v1")[0])["attempt"] == 3


class FlakyStore:
    name = "db"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.rows: dict[str, int] = {}
        self.writes: list[list[int]] = []

    def write(self, events: Sequence[InputEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise RetriableFailure("database is down")
        self.writes.append([e.record.offset for e in events])
        for e in events:
            if e.value["payload"].get("bad"):
                raise ValueError(f"row {e.event_id} refused")
            self.rows[e.event_id] = e.record.offset


STORE_SPEC = ServiceSpec(
    service="writer", group="w", input_topic="events.enriched.v1", backoff_initial_s=0.0
)


def test_retriable_store_failure_rewinds_pauses_and_retries_in_order_without_dead_letters():
    src = FakeSource([record(i, topic="events.enriched.v1") for i in range(4)])
    prod = FakeProducer()
    store = FlakyStore(failures=2)
    rt = runtime(src, prod, Stamp(), spec=STORE_SPEC, store=store)
    for _ in range(3):
        rt.run_once()
    assert store.writes == [[0, 1, 2, 3]], "the same batch, in order, once the store is back"
    assert src.pause_calls == 2 and src.paused == set()
    assert prod.sent == []
    assert src.committed == {("events.enriched.v1", 0): 4}
    assert rt.metrics.value("eventflow_batch_retries_total") == 2
    assert rt.metrics.value("eventflow_produced_total", destination="db") == 4


def test_store_refusing_one_row_dead_letters_it_and_keeps_the_rest():
    recs = [
        record(0, topic="events.enriched.v1"),
        record(1, topic="events.enriched.v1", bad=True),
        record(2, topic="events.enriched.v1"),
    ]
    src = FakeSource(recs)
    prod = FakeProducer()
    store = FlakyStore(failures=0)
    rt = runtime(src, prod, Stamp(), spec=STORE_SPEC, store=store)
    rt.run_once()
    assert sorted(store.rows.values()) == [0, 2]
    [dlq] = prod.on("events.dlq.v1")
    assert letter_of(dlq)["error_type"] == "store.refused"
    assert (
        "(ValueError): row 00000000-0000-0000-0000-000000000001 refused"
        in (letter_of(dlq)["error_message"])
    )
    assert src.committed == {("events.enriched.v1", 0): 3}


def test_attempt_count_grows_while_a_batch_is_retried():
    class FailTwiceThenReject:
        calls = 0

        def handle(self, event):
            FailTwiceThenReject.calls += 1
            if FailTwiceThenReject.calls <= 2:
                raise RetriableFailure("lookup service away")
            return Reject("rule:x", "no")

    src = FakeSource([record(0)])
    prod = FakeProducer()
    rt = runtime(src, prod, FailTwiceThenReject())
    for _ in range(3):
        rt.run_once()
    assert letter_of(prod.on("events.dlq.v1")[0])["attempt"] == 3


def test_run_stops_on_signal_after_finishing_and_closes_the_consumer():
    src = FakeSource([record(i) for i in range(10)])
    prod = FakeProducer()
    stop = threading.Event()

    class StopAfterFirst(Stamp):
        def handle(self, event):
            stop.set()  # SIGTERM arrives mid-batch: the batch still completes and commits
            return super().handle(event)

    spec = ServiceSpec(
        service="s",
        group="g",
        input_topic="events.raw.v1",
        output_topic="events.validated.v1",
        batch_size=4,
    )
    ServiceRuntime(
        spec, source=src, producer=prod, codec=FakeCodec(), handler=StopAfterFirst()
    ).run(stop)
    assert len(prod.sent) == 4
    assert src.committed == {("events.raw.v1", 0): 4}
    assert src.closed


def test_a_service_needs_exactly_one_output():
    with pytest.raises(ValueError, match="exactly one output"):
        ServiceRuntime(
            STORE_SPEC,
            source=FakeSource([]),
            producer=FakeProducer(),
            codec=FakeCodec(),
            handler=Stamp(),
        )
