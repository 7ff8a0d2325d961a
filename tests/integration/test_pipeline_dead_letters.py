"""Poison input and business-rule failures land on the dead-letter topic with their context
while the pipeline keeps going; a DLQ replay after a fix lands the events in the database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from eventflow.cli import main
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._operations import DEAD_LETTER_HEADER
from eventflow.consumers._persistence import SqliteStore
from eventflow.kafka._consumer import read_range
from eventflow.registry._client import RegistryClient
from eventflow.workspace import load_workspace
from tests.integration.pipeline_support import (
    SCHEMAS,
    Events,
    Lane,
    ServiceProcess,
    make_lane,
    produce,
    register_contracts,
    register_raw_rules,
    wait_until,
)

pytestmark = pytest.mark.integration

STRICT = {
    "domainRules": [
        {
            "name": "order_total_minimum",
            "doc": "orders total at least 1000 (a rules bug)",
            "kind": "CONDITION",
            "mode": "WRITE",
            "type": "CEL",
            "expr": "message.payload.total >= decimal('1000')",
            "onFailure": "ERROR",
        }
    ]
}
DECLARED_ORDER_RULES = load_workspace(SCHEMAS).contracts["order.placed"].rule_set or {}


def dlq_cli(lane: Lane, *args: str) -> subprocess.CompletedProcess[str]:
    """`eventflow dlq ARGS` against the lane's topics, output captured (not a TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "eventflow", "dlq", *args],
        check=False,
        env=lane.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


def test_each_poison_kind_is_dead_lettered_with_context_and_the_stream_continues(
    kafka_bootstrap, registry, tmp_path
):
    lane = make_lane(kafka_bootstrap, registry, tmp_path, partitions=1)
    events = Events(registry, rules=False)
    good = [events.order(f"good-{i}") for i in range(5)]
    _, _, sample = good[0]
    poison: dict[str, bytes | None] = {
        "bad_magic_byte": b"\x07not avro at all",
        "unknown_schema_id": b"\x00\x00\x0f\x42\x3f" + sample[5:],
        "truncated_payload": sample[: len(sample) // 2],
        "NullValue": None,
    }
    records: list[tuple[bytes | None, bytes | None]] = [(good[0][1], good[0][2])]
    for i, value in enumerate(poison.values()):  # good, poison, good, poison, ..., good
        records.append((f"poison-{i}".encode(), value))
        records.append((good[i + 1][1], good[i + 1][2]))
    positions = produce(kafka_bootstrap, lane.raw, records)
    validator = ServiceProcess("validator", lane)
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 4, 90, "4 dead letters")
        wait_until(lambda: lane.size(lane.validated) >= 5, 30, "the good events to go on")
    finally:
        assert validator.stop() == 0, validator.output()
    letters = {d.letter.error_type: d.letter for d in lane.dead_letters()}
    assert set(letters) == set(poison)
    offsets: dict[bytes | None, int] = {v: positions[i][1] for i, (_k, v) in enumerate(records)}
    for kind, raw in poison.items():
        letter = letters[kind]
        assert letter.original_value == raw
        assert letter.origin_topic == lane.raw and letter.origin_partition == 0
        assert letter.origin_offset == offsets[raw]
        assert letter.failing_service == "validator-service"
        assert letter.consumer_group == f"validator-{lane.run}"
        assert letter.attempt == 1 and letter.error_message
    assert letters["unknown_schema_id"].schema_id == 0x0F423F
    assert (
        letters["truncated_payload"].stack_trace
        and "Traceback" in letters["truncated_payload"].stack_trace
    )
    assert letters["bad_magic_byte"].original_key == b"poison-0"
    assert lane.size(lane.validated) == 5, "every good event went on exactly once"
    # the operator's view of the same dead letters
    listed = CliRunner().invoke(main, ["dlq", "list", "--format", "json"], env=lane.env())
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]  # JSON Lines
    assert sorted(r["error_type"] for r in rows) == sorted(poison)
    only = CliRunner().invoke(
        main, ["dlq", "list", "--error-type", "unknown_schema"], env=lane.env()
    )
    assert only.exit_code == 0 and "1 dead letter(s)" in only.output
    shown = CliRunner().invoke(main, ["dlq", "show", str(rows[0]["dlq_offset"])], env=lane.env())
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["origin_topic"] == lane.raw
    missing = CliRunner().invoke(main, ["dlq", "show", "999999"], env=lane.env())
    assert missing.exit_code == 1 and "no dead letter" in missing.output


def test_rule_failures_are_dead_lettered_then_replayed_after_the_fix(
    kafka_bootstrap, registry, tmp_path
):
    # a rules "bug", registered for the lane's raw subject: orders must total at least 1000,
    # so normal orders are dead-lettered
    lane = make_lane(kafka_bootstrap, registry, tmp_path)
    register_raw_rules(lane, "order.placed", STRICT)
    events = Events(registry, rules=False)  # the rules in force for a schema are its subject's
    orders = [events.order(f"o-{i}") for i in range(20)]
    produce(kafka_bootstrap, lane.raw, [(k, v) for _id, k, v in orders])
    validator = ServiceProcess("validator", lane)
    enricher = ServiceProcess("enricher", lane)
    writer = ServiceProcess("writer", lane)
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 20, 90, "20 rule dead letters")
        letter = lane.dead_letters()[0].letter
        assert letter.error_type == "rule:order_total_minimum"
        assert letter.error_message == "orders total at least 1000 (a rules bug)"
        assert letter.stack_trace is None
        assert validator.stop() == 0
        # before the fix the rule still fails them: the replay says so and sends nothing
        refused = subprocess.run(
            [
                sys.executable,
                "-m",
                "eventflow",
                "dlq",
                "replay",
                "--error-type",
                "rule:order_total",
            ],
            check=False,
            env=lane.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "20 would fail again: rule:order_total_minimum" in refused.stdout
        assert "nothing sent" in refused.stdout
        assert lane.size(lane.raw) == 20, "nothing was sent back"
        # the fix: the declared rules, registered as the subject's next version (same schema);
        # then replay the dead letters to their origin topic
        register_raw_rules(lane, "order.placed", DECLARED_ORDER_RULES)
        validator = ServiceProcess("validator", lane)
        dry = subprocess.run(
            [
                sys.executable,
                "-m",
                "eventflow",
                "dlq",
                "replay",
                "--error-type",
                "rule:order_total",
                "--dry-run",
            ],
            check=False,
            env=lane.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert dry.returncode == 0, dry.stderr
        assert "20 dead letter(s) would be replayed" in dry.stdout
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "eventflow",
                "dlq",
                "replay",
                "--error-type",
                "rule:order_total",
                "--service",
                "validator-service",
            ],
            check=False,
            env=lane.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "replayed 20 dead letter(s)" in done.stdout
        store = SqliteStore(lane.db_path)
        wait_until(
            lambda: store.count([i for i, _k, _v in orders]) == 20,
            120,
            "the replayed orders in the database",
        )
        row = store.get(orders[0][0])
        assert row is not None and '"valid":true' in row["validation"]
        assert len(lane.dead_letters()) == 20, "nothing failed a second time"
        store.close()
        # the replay marked what it sent: a header on each re-sent record, a marker on the DLQ
        marks = {
            dict(r.headers).get(DEAD_LETTER_HEADER) for r in read_range(lane.cluster, lane.raw)
        }
        marks.discard(None)
        assert len(marks) == 20 and all(m and m.startswith(f"{lane.dlq}/".encode()) for m in marks)
        # so a second replay sends nothing (and says why); --force would send them again
        raw_size = lane.size(lane.raw)
        again = dlq_cli(lane, "replay", "--error-type", "rule:order_total")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "20 dead letter(s) already replayed: skipped" in again.stdout
        assert "nothing to replay" in again.stdout
        assert lane.size(lane.raw) == raw_size == 40, "the second replay sent nothing"
        forced = dlq_cli(lane, "replay", "--error-type", "rule:order_total", "--force", "--dry-run")
        assert "20 dead letter(s) would be replayed" in forced.stdout, forced.stdout
        # `dlq list --format json` is JSON Lines: one letter per line, with its replay marker
        listed = dlq_cli(lane, "list", "--format", "json")
        assert listed.returncode == 0, listed.stderr
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert len(rows) == 20
        assert all(row["replayed"]["sent_to"].startswith(f"{lane.raw}/") for row in rows)
        assert {row["error_type"] for row in rows} == {"rule:order_total_minimum"}
    finally:
        for service in (validator, enricher, writer):
            service.stop()


def test_registered_cel_rules_and_code_rules_dead_letter_by_name_and_none_only_reports(
    kafka_bootstrap, registry, tmp_path
):
    """The declared rules end to end: the CEL rules registered with the schema (ERROR: a dead
    letter naming the rule; NONE: a finding on the stored row) and the file's code rule."""
    lane = make_lane(kafka_bootstrap, registry, tmp_path, partitions=1)
    events = Events(registry, rules=True)
    codec = RegistryCodec(RegistryClient(registry))

    def changed(encoded: tuple[str, bytes, bytes], event_type: str, **paths: Any) -> bytes:
        _sid, value = codec.decode(encoded[2])
        for path, new in paths.items():
            part, name = path.split("__")
            value[part][name] = new
        return events.encode(event_type, value)

    good = events.order("o-good")
    soft = events.user("u-soft", "hi")  # locale breaks only a NONE rule
    bad = {
        "rule:order_quantity_positive": changed(
            events.order("o-q"),
            "order.placed",
            payload__line_items=[{"sku": "S", "quantity": 0, "unit_price": Decimal("1.00")}],
            payload__total=Decimal("0.00"),
        ),
        "rule:order_total_matches_lines": changed(
            events.order("o-t"), "order.placed", payload__total=Decimal("99.00")
        ),
        "rule:order_not_in_future": changed(
            events.order("o-f"),
            "order.placed",
            envelope__occurred_at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1),
        ),
        "rule:user_email_format": changed(
            events.user("u-mail", None), "user.registered", payload__email="not-an-address"
        ),
    }
    records = [
        (good[1], good[2]),
        (soft[1], changed(soft, "user.registered", payload__locale="english")),
        *[(b"bad", value) for value in bad.values()],
    ]
    produce(kafka_bootstrap, lane.raw, records)
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    store = SqliteStore(lane.db_path)
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 4, 120, "4 rule dead letters")
        wait_until(
            lambda: lane.db_path.exists() and store.count([good[0], soft[0]]) == 2, 120, "2 rows"
        )
    finally:
        for service in services:
            service.stop()
    letters = {d.letter.error_type: d.letter for d in lane.dead_letters()}
    assert set(letters) == set(bad)
    assert "+1 more: order_total_positive" in letters["rule:order_quantity_positive"].error_message
    assert "the items add up to 19.90" in letters["rule:order_total_matches_lines"].error_message
    row = store.get(soft[0])
    assert row is not None
    validation = json.loads(row["validation"])
    assert validation["valid"] is True
    assert [(f["rule"], f["severity"]) for f in validation["findings"]] == [
        ("user_locale_format", "WARNING")
    ]
    assert lane.size(lane.validated) == 2
    store.close()
