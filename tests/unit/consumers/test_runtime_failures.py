"""Permanent vs transient output failures in the runtime: a record the broker refuses for good
is dead-lettered and never blocks its partition; letters always fit; a batch whose records'
own outputs keep failing narrows down to the culprit, which alone is dead-lettered; an outage
never dead-letters and the stage says it is retrying."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
from confluent_kafka import KafkaError

from eventflow.consumers._dead_letter import dead_letter_for, fit_letter
from eventflow.consumers._metrics import metrics_app
from eventflow.consumers._outcome import Forward, InputEvent
from eventflow.consumers._output_failures import commit_offsets
from eventflow.consumers._runtime import ServiceRuntime, ServiceSpec
from eventflow.events import DeadLetter
from eventflow.kafka._delivery_errors import classify
from tests.unit.consumers.fakes import FakeCodec, FakeProducer, FakeSource, record

OUT = "events.validated.v1"
SPEC = ServiceSpec(
    service="test-service",
    group="test-group",
    input_topic="events.raw.v1",
    output_topic="events.validated.v1",
    backoff_initial_s=0.0,
    max_record_attempts=3,
)


class Stamp:
    def handle(self, event: InputEvent) -> Forward:
        return Forward({**event.value, "validation": {"by": "stamp"}})


def runtime(source: FakeSource, producer: FakeProducer, spec: ServiceSpec = SPEC) -> ServiceRuntime:
    return ServiceRuntime(
        spec,
        source=source,
        producer=producer,
        codec=FakeCodec(),
        handler=Stamp(),
        sleep=lambda s: None,
    )


def letters(producer: FakeProducer) -> list[dict[str, object]]:
    return [json.loads(s[2] or b"") for s in producer.on("events.dlq.v1")]


def forwarded_keys(producer: FakeProducer) -> list[bytes | None]:
    return [s[1] for s in producer.on("events.validated.v1")]


def test_librdkafka_errors_are_classified_permanent_unavailable_or_record_retriable():
    assert classify(KafkaError.MSG_SIZE_TOO_LARGE) == (False, False)
    assert classify(KafkaError.TOPIC_AUTHORIZATION_FAILED) == (False, False)
    assert classify(KafkaError.INVALID_RECORD) == (False, False)
    assert classify(KafkaError._UNKNOWN_TOPIC) == (False, False)
    assert classify(KafkaError._MSG_TIMED_OUT) == (True, True)
    assert classify(KafkaError._ALL_BROKERS_DOWN) == (True, True)
    assert classify(KafkaError.NOT_ENOUGH_REPLICAS) == (True, True)
    assert classify(KafkaError.KAFKA_STORAGE_ERROR) == (True, False)


def test_output_refused_at_queue_time_dead_letters_its_input_and_the_batch_goes_on():
    src = FakeSource([record(0), record(1), record(2)])
    prod = FakeProducer()
    prod.refuse_on_queue[(OUT, b"k1")] = KafkaError.MSG_SIZE_TOO_LARGE
    rt = runtime(src, prod)
    rt.run_once()
    assert forwarded_keys(prod) == [b"k0", b"k2"]
    [letter] = letters(prod)
    assert letter["error_type"] == "output.too_large" and letter["origin_offset"] == 1
    assert src.committed == {("events.raw.v1", 0): 3}
    assert rt.metrics.value("eventflow_batch_retries_total") == 0
    assert rt.retry_state is None


def test_output_refused_for_good_in_the_delivery_report_dead_letters_its_input():
    src = FakeSource([record(0), record(1), record(2)])
    prod = FakeProducer()
    prod.refuse[(OUT, b"k2")] = KafkaError.TOPIC_AUTHORIZATION_FAILED
    rt = runtime(src, prod)
    rt.run_once()
    [letter] = letters(prod)
    assert letter["error_type"] == "output.refused" and letter["origin_offset"] == 2
    assert src.committed == {("events.raw.v1", 0): 3}
    assert rt.metrics.value("eventflow_produced_total", destination="events.validated.v1") == 2
    assert rt.metrics.value("eventflow_dead_lettered_total", error_type="output.refused") == 1


def test_a_record_whose_own_output_keeps_failing_is_narrowed_down_and_dead_lettered_alone():
    src = FakeSource([record(i) for i in range(8)])
    prod = FakeProducer()
    prod.refuse[(OUT, b"k5")] = KafkaError.KAFKA_STORAGE_ERROR  # retriable, about this record
    rt = runtime(src, prod)
    for _ in range(30):
        if src.committed.get(("events.raw.v1", 0)) == 8:
            break
        rt.run_once()
    assert src.committed == {("events.raw.v1", 0): 8}
    [letter] = letters(prod)
    assert letter["error_type"] == "output.retries_exhausted" and letter["origin_offset"] == 5
    assert "3 times" in str(letter["error_message"])
    keys = forwarded_keys(prod)
    assert sorted({k or b"" for k in keys}) == [f"k{i}".encode() for i in range(8) if i != 5]
    assert keys.count(b"k0") == 1, "records delivered before the culprit are not re-sent"
    assert rt.retry_state is None, "the stage is back to normal"


def test_an_outage_never_dead_letters_and_the_stage_says_it_is_retrying():
    src = FakeSource([record(0), record(1)])
    prod = FakeProducer()
    prod.refuse[(OUT, b"k0")] = KafkaError._MSG_TIMED_OUT
    prod.refuse[(OUT, b"k1")] = KafkaError._MSG_TIMED_OUT
    rt = runtime(src, prod)
    for _ in range(10):
        rt.run_once()
    assert letters(prod) == [] and src.committed == {}
    state = rt.retry_state
    assert state is not None and state.attempts == 10
    assert "not delivered" in state.cause
    assert state.describe().startswith(f"retrying since {state.since.isoformat()[:16]}")
    since = rt.metrics.value("eventflow_retrying_since_seconds")
    assert since == state.since.timestamp()
    health = _get(rt, "/health")
    assert health["state"] == "retrying" and health["cause"] == state.cause
    prod.refuse.clear()
    rt.run_once()
    assert src.committed == {("events.raw.v1", 0): 2}
    assert rt.retry_state is None and rt.metrics.value("eventflow_retrying_since_seconds") == 0
    assert _get(rt, "/health")["state"] == "ok"


def _get(rt: ServiceRuntime, path: str) -> dict[str, object]:
    status: list[str] = []
    body = b"".join(
        metrics_app(rt.metrics)(
            {"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, h: status.append(s)
        )
    )
    assert status == ["200 OK"]
    parsed = orjson.loads(body)
    assert isinstance(parsed, dict)
    return parsed


def test_a_letter_that_would_not_fit_carries_a_reference_and_says_so():
    big = record(0, value=b"\x00\x00\x00\x00\x07" + b"x" * 50_000)
    letter = dead_letter_for(
        big,
        error_type="rule:x",
        message="no",
        service="s",
        group="g",
        attempt=1,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    codec = FakeCodec()

    def encode(candidate: DeadLetter) -> bytes:
        return codec.encode_dead_letter(candidate)

    same, key, data = fit_letter(letter, big.key, encode, 1_000_000)
    assert same is letter and key == b"k0"
    sent, key, data = fit_letter(letter, big.key, encode, 20_000)
    assert len(data) < 20_000 and key == b"k0"
    assert sent.original_value is None and sent.original_value_by_reference
    assert sent.original_value_prefix == big.value[:1024]  # type: ignore[index]
    assert sent.original_value_size == 50_005
    assert sent.original_value_sha256 is not None and len(sent.original_value_sha256) == 64
    assert (sent.origin_topic, sent.origin_partition, sent.origin_offset) == ("events.raw.v1", 0, 0)
    # a letter whose own context is too large is cut to its minimum
    huge = dead_letter_for(
        big,
        error_type="x",
        message="m" * 100_000,
        service="s",
        group="g",
        attempt=1,
        stack_trace="t" * 100_000,
    )
    small, key, data = fit_letter(huge, b"k" * 5000, encode, 30_000)
    assert len(data) < 30_000 and key is None
    assert small.stack_trace is not None and small.stack_trace.endswith("characters cut]")


def test_commit_offsets_stop_before_the_first_failed_record_of_each_partition():
    recs = [record(0), record(1), record(2), record(7, partition=1)]
    assert commit_offsets(recs, before=[recs[1]]) == {
        ("events.raw.v1", 0): 1,
        ("events.raw.v1", 1): 8,
    }
    assert commit_offsets(recs[:1], before=[recs[0]]) == {}


def test_an_output_too_large_for_its_topic_is_refused_before_it_is_sent():
    spec = ServiceSpec(
        service="s",
        group="g",
        input_topic="events.raw.v1",
        output_topic="events.validated.v1",
        max_output_bytes=400,
    )
    src = FakeSource([record(0), record(1, padding="p" * 400), record(2)])
    prod = FakeProducer()
    runtime(src, prod, spec).run_once()
    assert forwarded_keys(prod) == [b"k0", b"k2"]
    [letter] = letters(prod)
    assert letter["error_type"] == "output.too_large"
    assert "events.validated.v1 takes at most 400 bytes" in str(letter["error_message"])
    assert src.committed == {("events.raw.v1", 0): 3}


def test_too_large_among_several_outputs_is_narrowed_not_condemned():
    # the broker applies max.message.bytes to a whole batch: only a record alone is condemned
    src = FakeSource([record(0), record(1)])
    prod = FakeProducer()
    prod.refuse[(OUT, b"k0")] = KafkaError.MSG_SIZE_TOO_LARGE
    rt = runtime(src, prod)
    rt.run_once()
    assert letters(prod) == [] and rt.retry_state is not None
    rt.run_once()  # k0 alone: now it is the record's own size
    [letter] = letters(prod)
    assert letter["error_type"] == "output.too_large" and letter["origin_offset"] == 0
    rt.run_once()
    assert src.committed == {("events.raw.v1", 0): 2}
    # k1 followed the failed k0 in its partition: the retry starts at k0 and sends k1 again
    # (at-least-once; the writer keeps one row per event id)
    assert forwarded_keys(prod) == [b"k1", b"k1"]
