"""`eventflow dev up|status|down` and `eventflow topics apply` as a user runs them."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from tests.integration.cli_support import run_eventflow

pytestmark = pytest.mark.integration


@pytest.fixture
def dev_env(tmp_path):
    env = dict(
        os.environ,
        EVENTFLOW_DEV__STATE_DIR=str(tmp_path / "state"),
        EVENTFLOW_DEV__KAFKA_PORT="0",
        COLUMNS="200",
    )
    env.pop("EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS", None)
    yield env
    run_eventflow(["dev", "down"], env)


def test_dev_up_status_restart_keeps_data_and_port_then_down(dev_env):
    up = run_eventflow(["dev", "up", "--kafka-only"], dev_env)
    assert up.returncode == 0, up.stdout + up.stderr
    for topic in ("events.raw.v1", "events.validated.v1", "events.enriched.v1", "events.dlq.v1"):
        assert f"created  {topic}" in up.stdout
    status = run_eventflow(["dev", "status"], dev_env)
    assert status.returncode == 0 and "answering" in status.stdout
    bootstrap = status.stdout.split(" on ")[1].split(",")[0].strip()

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    marker = uuid.uuid4().hex.encode()
    producer.produce("events.dlq.v1", value=marker)
    assert producer.flush(30) == 0

    assert run_eventflow(["dev", "down"], dev_env).stdout.strip() == "Kafka stopped."
    stopped = run_eventflow(["dev", "status"], dev_env)
    assert stopped.returncode == 1 and "stopped" in stopped.stdout
    state = Path(dev_env["EVENTFLOW_DEV__STATE_DIR"])
    assert not (state / "dev-api-key").exists(), "status/down of a Kafka-only stack write no key"

    again = run_eventflow(["dev", "up", "--kafka-only"], dev_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"answering on {bootstrap}" in again.stdout.replace("\n", " ")
    assert "in sync  events.dlq.v1" in again.stdout and "created" not in again.stdout

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex})
    consumer.assign([TopicPartition("events.dlq.v1", 0, 0)])
    values = []
    for _ in range(40):
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            values.append(msg.value())
        if marker in values:
            break
    consumer.close()
    assert marker in values, "data written before the restart must survive it"


def test_second_dev_up_is_idempotent(dev_env):
    assert run_eventflow(["dev", "up", "--kafka-only"], dev_env).returncode == 0
    second = run_eventflow(["dev", "up", "--kafka-only"], dev_env)
    assert second.returncode == 0
    assert second.stdout.count("in sync") == 4


def test_topics_apply_reports_drift_and_destroys_nothing(kafka_bootstrap, tmp_path):
    name = f"drift.{uuid.uuid4().hex[:8]}.v1"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])[name].result(30)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(name, value=b"keep me", partition=1)
    assert producer.flush(30) == 0
    topics_file = tmp_path / "topics.yaml"
    topics_file.write_text(
        f"topics:\n  - name: {name}\n    partitions: 3\n    config:\n      retention.ms: '1000'\n"
    )
    env = dict(os.environ, COLUMNS="200")
    result = run_eventflow(
        ["topics", "apply", "--file", str(topics_file), "--bootstrap", kafka_bootstrap], env
    )
    assert result.returncode == 1
    assert f"DRIFT    {name}: partitions is 2 on the cluster, declared 3" in result.stdout
    assert f"{name}: retention.ms is 604800000 on the cluster, declared 1000" in result.stdout
    metadata = admin.list_topics(timeout=10)
    assert len(metadata.topics[name].partitions) == 2
    low, high = Consumer(
        {"bootstrap.servers": kafka_bootstrap, "group.id": "x"}
    ).get_watermark_offsets(TopicPartition(name, 1), timeout=10)
    assert (low, high) == (0, 1), "the record written before apply is still there"


def test_topics_apply_with_a_bad_file_exits_2_naming_the_line(tmp_path):
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics:\n  - name: a\n    partitions: 0\n")
    result = run_eventflow(
        ["topics", "apply", "--file", str(bad), "--bootstrap", "127.0.0.1:1"], dict(os.environ)
    )
    assert result.returncode == 2
    assert f"{bad}:3: topics[0].partitions must be a whole number ≥ 1" in result.stderr
