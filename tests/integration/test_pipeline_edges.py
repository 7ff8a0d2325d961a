"""Edges of the pipeline on the real stack: no record stalls a stage (issue 12).

* The stall case: a ``user.registered`` whose ``bio`` makes the record just under the
  producer's 1,000,000-byte ``message.max.bytes`` is dead-lettered by the validator's rules;
  its dead letter would not fit, so it carries a reference; the stage's lag drains and the
  records after it reach the database exactly once.
* A record that grows past the producer's limit in a stage is dead-lettered (refused for
  good, by reference) while a forwarded record just under that limit goes on.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._dead_letter import dead_letter_for
from eventflow.consumers._persistence import SqliteStore
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._consumer import ConsumedRecord, committed_offsets, watermarks
from eventflow.kafka._topics_file import TopicSpec
from eventflow.registry._client import RegistryClient
from tests.integration.pipeline_support import (
    Events,
    Lane,
    ServiceProcess,
    produce,
    register_contracts,
    register_dead_letter_subject,
    wait_until,
)

pytestmark = pytest.mark.integration

PRODUCER_LIMIT = 1_000_000  # librdkafka's default message.max.bytes


@pytest.fixture(scope="module")
def registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


def lane_with(
    bootstrap: str, registry_url: str, workdir: Path, validated_config: dict[str, str]
) -> Lane:
    lane = Lane(bootstrap, registry_url, uuid.uuid4().hex[:10], workdir)
    TopicAdmin(lane.cluster).apply(
        [
            TopicSpec(lane.raw, 1, 1, {}),
            TopicSpec(lane.validated, 1, 1, validated_config),
            TopicSpec(lane.enriched, 1, 1, {}),
            TopicSpec(lane.dlq, 1, 1, {}),
        ]
    )
    register_dead_letter_subject(lane)
    return lane


def user_of_size(events: Events, user_id: str, size: int) -> tuple[str, bytes, bytes]:
    """A user.registered whose encoded record is exactly ``size`` bytes."""
    event_id, key, value = events.user(user_id, "b" * 1000)
    grow = size - len(value)
    event_id, key, value = events.user(user_id, "b" * (1000 + grow))
    while len(value) != size:  # the bio's length prefix may take one byte more or less
        grow += size - len(value)
        event_id, key, value = events.user(user_id, "b" * (1000 + grow))
    return event_id, key, value


def drained(lane: Lane, group: str, topic: str) -> bool:
    ends = {p: high for p, (_low, high) in watermarks(lane.cluster, topic).items()}
    return committed_offsets(lane.cluster, group, topic) == ends


def test_a_record_whose_dead_letter_would_not_fit_is_dead_lettered_by_reference_and_the_stage_drains(
    kafka_bootstrap, registry, tmp_path
):
    lane = lane_with(kafka_bootstrap, registry, tmp_path, {})
    events = Events(registry, rules=True)  # the big bio breaks the registered user_bio_length
    before = [events.user(f"u-{i}", "hello") for i in range(3)]
    big_id, big_key, big = user_of_size(events, "u-big", PRODUCER_LIMIT - 400)
    after = [events.user(f"u-{i}", "hello") for i in range(3, 6)]
    records = [(k, v) for _i, k, v in before] + [(big_key, big)] + [(k, v) for _i, k, v in after]
    positions = produce(kafka_bootstrap, lane.raw, records)
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    validator = services[0]
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 1, 120, "the big event's dead letter")
        ids = [i for i, _k, _v in before + after]
        wait_until(
            lambda: lane.db_path.exists() and SqliteStore(lane.db_path).count(ids) == 6,
            120,
            "the six small events in the database",
        )
        wait_until(
            lambda: drained(lane, f"validator-{lane.run}", lane.raw), 60, "the validator's lag"
        )
        assert validator.metric("eventflow_batch_retries_total") == 0, validator.output()
        assert validator.metric("eventflow_retrying_since_seconds") == 0
    finally:
        for service in services:
            service.stop()
    [stored] = lane.dead_letters()
    letter = stored.letter
    assert letter.error_type == "rule:user_bio_length"
    assert letter.original_value is None and letter.original_value_by_reference
    assert letter.original_value_size == len(big)
    assert letter.original_value_sha256 == hashlib.sha256(big).hexdigest()
    assert letter.original_value_prefix == big[:1024]
    assert (letter.origin_topic, letter.origin_partition) == (lane.raw, 0)
    assert letter.origin_offset == positions[3][1]
    assert lane.size(lane.validated) == 6, "every small event went on exactly once"
    assert lane.size(lane.enriched) == 6
    store = SqliteStore(lane.db_path)
    assert store.count() == 6 and store.get(big_id) is None
    store.close()


def test_a_record_growing_past_the_producer_limit_is_dead_lettered_and_one_just_under_goes_on(
    kafka_bootstrap, registry, tmp_path
):
    lane = lane_with(kafka_bootstrap, registry, tmp_path, {})
    events = Events(registry, rules=False)  # no user_bio_length: the size limit decides
    # librdkafka takes a value of at most 1,000,000 - 36 - len(key) bytes; the validator adds
    # its result (validator name, ruleset, timestamp: more than 10 bytes) to the first one
    grows_id, grows_key, grows = user_of_size(events, "u-grows", PRODUCER_LIMIT - 36 - 7 - 10)
    under_id, under_key, under = user_of_size(events, "u-under", PRODUCER_LIMIT - 3_000)
    tail = [events.user(f"u-{i}", "hello") for i in range(3)]
    produce(
        kafka_bootstrap,
        lane.raw,
        [(grows_key, grows), (under_key, under), *[(k, v) for _i, k, v in tail]],
    )
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    ids = [under_id, *[i for i, _k, _v in tail]]
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 1, 120, "the grown event's dead letter")
        wait_until(
            lambda: lane.db_path.exists() and SqliteStore(lane.db_path).count(ids) == 4,
            120,
            "the event just under the limit and the tail in the database",
        )
        wait_until(
            lambda: drained(lane, f"validator-{lane.run}", lane.raw), 60, "the validator's lag"
        )
        assert services[0].metric("eventflow_batch_retries_total") == 0, services[0].output()
    finally:
        for service in services:
            service.stop()
    [stored] = lane.dead_letters()
    letter = stored.letter
    assert letter.error_type == "output.too_large", letter.error_message
    assert "refused for good" in letter.error_message
    assert letter.original_value_by_reference and letter.original_value_size == len(grows)
    assert letter.original_value_sha256 == hashlib.sha256(grows).hexdigest()
    assert lane.size(lane.validated) == 4, "the others went on exactly once"
    store = SqliteStore(lane.db_path)
    assert store.get(grows_id) is None and store.count() == 4
    row = store.get(under_id)
    assert row is not None and len(row["payload"]) > PRODUCER_LIMIT - 10_000
    store.close()


def test_poison_that_decodes_is_named_and_never_stored(kafka_bootstrap, registry, tmp_path):
    lane = lane_with(kafka_bootstrap, registry, tmp_path, {})
    events = Events(registry, rules=False)
    codec = RegistryCodec(RegistryClient(registry))
    client = RegistryClient(registry)
    currency_id = client.get_version("com.eventflow.common.Currency").schema_id
    currency = b"\x00" + currency_id.to_bytes(4, "big") + b"\x00"  # the enum's first symbol
    sample = dead_letter_for(
        ConsumedRecord(lane.raw, 0, 0, None, b"x", (), 0),
        error_type="rule:x",
        message="m",
        service="s",
        group="g",
        attempt=1,
    )
    dead_letter = codec.encode_dead_letter(sample)

    def order_claiming(order_id: str, event_type: str) -> bytes:
        _id, _key, data = events.order(order_id)
        _sid, value = codec.decode(data)
        value["envelope"]["event_type"] = event_type
        return events.encode("order.placed", value)

    good = [events.order(f"g-{i}") for i in range(3)]
    poison = {
        "currency": currency,
        "dead_letter": dead_letter,
        "foo_bar": order_claiming("p-1", "foo.bar"),
        "claims_user": order_claiming("p-2", "user.registered"),
    }
    names = list(poison)
    records: list[tuple[bytes | None, bytes | None]] = [
        (good[0][1], good[0][2]),
        (names[0].encode(), poison[names[0]]),
        (names[1].encode(), poison[names[1]]),
        (good[1][1], good[1][2]),
        (names[2].encode(), poison[names[2]]),
        (names[3].encode(), poison[names[3]]),
        (good[2][1], good[2][2]),
    ]
    produce(kafka_bootstrap, lane.raw, records)
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 4, 120, "four dead letters")
        wait_until(
            lambda: lane.db_path.exists() and SqliteStore(lane.db_path).count() >= 3,
            120,
            "the good events in the database",
        )
    finally:
        for service in services:
            service.stop()
    letters = {d.letter.original_key: d.letter for d in lane.dead_letters()}
    assert set(letters) == {name.encode() for name in poison}
    for name in ("currency", "dead_letter"):
        letter = letters[name.encode()]
        assert letter.error_type == "schema.unexpected_type", letter.error_message
    assert f"schema id {currency_id} is com.eventflow.common.Currency" in (
        letters[b"currency"].error_message
    )
    assert "is com.eventflow.dlq.DeadLetter" in letters[b"dead_letter"].error_message
    for name, claimed in (("foo_bar", "foo.bar"), ("claims_user", "user.registered")):
        letter = letters[name.encode()]
        assert letter.error_type == "envelope.event_type_mismatch", letter.error_message
        assert f"envelope.event_type is {claimed!r}" in letter.error_message
    store = SqliteStore(lane.db_path)
    assert store.count() == 3
    store.close()
