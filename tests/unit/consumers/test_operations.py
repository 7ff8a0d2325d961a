from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime

import click
import fastavro
import pytest
from click.testing import CliRunner

from eventflow import events
from eventflow.cli import main
from eventflow.cli._dlq import format_letter_line, letter_json, stored_json
from eventflow.cli._pipeline_common import parse_time
from eventflow.consumers._dead_letter import (
    ATTEMPT_HEADER,
    REPLAYED_FROM_HEADER,
    dead_letter_for,
    dead_letter_subject,
    previous_attempts,
    replay_headers,
)
from eventflow.consumers._demo import demo_events
from eventflow.consumers._operations import (
    DEAD_LETTER_HEADER,
    REPLAY_MARKER_HEADER,
    ReplayMarker,
    StoredDeadLetter,
    _replay_marker,
    replay_dead_letters,
    replay_offsets,
)
from eventflow.errors import ConfigError
from eventflow.events import DeadLetter
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._consumer import ConsumedRecord
from eventflow.serde._wire import schema_id_of
from tests.unit.consumers.fakes import FakeProducer, record

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def letter(**changes):
    rec = record(4, headers=(("trace", b"t"), (ATTEMPT_HEADER, b"1"), ("empty", None)))
    base = dead_letter_for(
        rec, error_type="rule:x", message="bad\n total", service="v", group="g", attempt=2, now=AT
    )
    return dataclasses.replace(base, **changes)


def test_dead_letter_is_the_generated_class_and_round_trips_through_its_schema():
    dl = letter()
    assert type(dl) is events.DeadLetter
    assert dl.attempt == 3, "1 earlier attempt (header) + 2 in this run"
    assert dl.error_message == "bad total", "one line"
    assert dl.schema_id == 7
    assert [(h.key, h.value) for h in dl.original_headers][2] == ("empty", None)
    schema = fastavro.parse_schema(json.loads(DeadLetter.AVRO_SCHEMA_JSON))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, dl.to_avro_dict())
    out.seek(0)
    read = fastavro.schemaless_reader(out, schema, None)
    assert isinstance(read, dict)
    assert DeadLetter.from_avro_dict(read) == dl


def test_the_dead_letter_subject_follows_the_topic():
    assert dead_letter_subject("events.dlq.v1") == "events.dlq.v1-value"
    assert dead_letter_subject("team.dlq") == "team.dlq-value"


def test_replay_headers_carry_attempt_and_origin_once():
    headers = dict(replay_headers(letter()))
    assert headers[ATTEMPT_HEADER] == b"3"
    assert headers[REPLAYED_FROM_HEADER] == b"events.raw.v1/0/4"
    assert headers["trace"] == b"t"
    assert len(replay_headers(letter())) == 4


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((), 0),
        (((ATTEMPT_HEADER, b"4"),), 4),
        (((ATTEMPT_HEADER, b"x"),), 0),
        (((ATTEMPT_HEADER, b"\xff"),), 0),
        (((ATTEMPT_HEADER, None),), 0),
    ],
)
def test_previous_attempts_tolerates_junk(headers, expected):
    assert previous_attempts(headers) == expected


def test_schema_id_only_from_an_intact_frame():
    assert schema_id_of(b"\x00\x00\x00\x01\x00rest") == 256
    assert schema_id_of(b"\x01\x00\x00\x01\x00") is None
    assert schema_id_of(b"\x00\x00") is None
    assert schema_id_of(None) is None


def test_replay_sends_originals_back_to_their_topic():
    producer = FakeProducer(partitions=3)
    sent = replay_dead_letters([StoredDeadLetter(2, 9, letter())], producer, dlq_topic="dlq")
    assert sent == 1
    [(topic, key, value, headers), (mark_topic, mark_key, mark_value, mark_headers)] = producer.sent
    assert (topic, key, value) == ("events.raw.v1", b"k4", record(4).value)
    assert (ATTEMPT_HEADER, b"3") in headers and all(v is not None for _k, v in headers)
    assert dict(headers)[DEAD_LETTER_HEADER] == b"dlq/2/9"
    # the marker: on the DLQ, keyed by the letter's coordinates, read back as this letter's
    assert (mark_topic, mark_key, mark_headers) == ("dlq", b"2:9", [(REPLAY_MARKER_HEADER, b"2:9")])
    assert mark_value is not None
    assert json.loads(mark_value)["sent_to"].startswith("events.raw.v1/")
    consumed = ConsumedRecord("dlq", 2, 10, mark_key, mark_value, tuple(mark_headers), 0)
    parsed = _replay_marker(consumed)
    assert parsed is not None and parsed[0] == (2, 9)
    assert parsed[1].sent_to == json.loads(mark_value)["sent_to"]
    assert _replay_marker(record(4)) is None, "a dead letter is no marker"


def test_a_replayed_dead_letter_shows_its_marker():
    marker = ReplayMarker("2026-11-27T11:00:00+00:00", "events.raw.v1/0/77")
    line = format_letter_line(0, 9, letter(), marker)
    assert "[replayed 2026-11-27T11:00:00 as events.raw.v1/0/77]" in line
    assert stored_json(StoredDeadLetter(0, 9, letter(), marker))["replayed"] == {
        "at": marker.replayed_at,
        "sent_to": "events.raw.v1/0/77",
    }
    assert stored_json(StoredDeadLetter(0, 9, letter()))["replayed"] is None


def test_letter_rendering():
    line = format_letter_line(0, 9, letter())
    assert "rule:x" in line and "events.raw.v1/0/4" in line and "attempt 3" in line
    as_json = letter_json(0, 9, letter())
    assert as_json["dlq_offset"] == 9 and as_json["original_key"] == b"k4".hex()
    assert as_json["failed_at"] == AT.isoformat()


def test_parse_time():
    assert parse_time("1700000000000") == 1_700_000_000_000
    assert parse_time("2026-11-27T10:00:00Z") == int(AT.timestamp() * 1000)
    assert parse_time("2026-11-27T10:00:00") == int(AT.timestamp() * 1000)
    with pytest.raises(click.BadParameter, match="neither ISO 8601"):
        parse_time("yesterday")


def test_replay_offsets_needs_exactly_one_start():
    with pytest.raises(ConfigError, match="exactly one of --from-offset and --from-time"):
        replay_offsets(KafkaCluster("unused:1"), "t")
    with pytest.raises(ConfigError, match="exactly one"):
        replay_offsets(KafkaCluster("unused:1"), "t", from_offset=1, from_time_ms=2)
    with pytest.raises(ConfigError, match="--from-offset must be >= 0"):
        replay_offsets(KafkaCluster("unused:1"), "t", from_offset=-1)


def test_cli_input_errors_exit_2():
    runner = CliRunner()
    result = runner.invoke(main, ["replay", "--topic", "t", "--group", "g", "--bootstrap", "x:1"])
    assert result.exit_code == 2 and "exactly one of --from-offset" in result.output
    result = runner.invoke(
        main,
        ["replay", "--topic", "t", "--group", "g", "--from-time", "soon", "--bootstrap", "x:1"],
    )
    assert result.exit_code == 2 and "neither ISO 8601" in result.output
    result = runner.invoke(main, ["demo"], env={"EVENTFLOW_PIPELINE__DEMO_API_KEY": ""})
    assert result.exit_code == 2 and "no API key" in result.output


def test_demo_events_mix_types_and_break_one_rule_each():
    valid, invalid = demo_events("r", 6)
    assert [e["event_type"] for e in valid] == [
        "order.placed",
        "user.registered",
        "payment.failed",
    ] * 2
    assert (
        len(invalid) == 3
        and len({e["data"].get("order_id", e["data"].get("user_id")) for e in invalid}) == 3
    )
