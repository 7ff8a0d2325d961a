"""A service's group consumer reports broker trouble on the ``eventflow.kafka`` logger."""

from __future__ import annotations

import logging
import time

import pytest

from eventflow.kafka import GroupConsumer, KafkaCluster
from eventflow.kafka.local._broker import free_port


def _client_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # the error_cb lines; the quiet admin logger (eventflow.kafka.librdkafka) does not count
    return [
        r
        for r in caplog.records
        if r.name == "eventflow.kafka" and r.getMessage().startswith("kafka client error")
    ]


def test_a_group_consumer_logs_an_unreachable_broker(caplog: pytest.LogCaptureFixture) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"  # nothing listens there
    consumer = GroupConsumer(KafkaCluster(bootstrap), "g-log-test", ["events.raw.v1"])
    try:
        with caplog.at_level(logging.WARNING, logger="eventflow.kafka"):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not _client_errors(caplog):
                consumer.poll_batch(10, 0.5)
    finally:
        consumer.close()
    errors = _client_errors(caplog)
    assert errors, "the consumer's error_cb said nothing while its broker was unreachable"
    assert all(r.levelno >= logging.WARNING for r in errors)
    assert any(bootstrap in r.getMessage() or "brokers are down" in r.getMessage() for r in errors)


def test_a_failed_asynchronous_commit_is_logged_and_a_good_one_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from types import SimpleNamespace

    from confluent_kafka import KafkaError, TopicPartition

    from eventflow.kafka._consumer import _log_failed_commit

    with caplog.at_level(logging.WARNING, logger="eventflow.kafka"):
        _log_failed_commit(None, [TopicPartition("t", 0, 5)])
        assert caplog.records == []
        _log_failed_commit(
            KafkaError(KafkaError.REBALANCE_IN_PROGRESS), [TopicPartition("t", 1, 42)]
        )
        # librdkafka sets a partition's own error; Python cannot, so a stand-in carries it
        failed = SimpleNamespace(
            topic="t", partition=2, offset=7, error=KafkaError(KafkaError.ILLEGAL_GENERATION)
        )
        _log_failed_commit(None, [TopicPartition("t", 0, 5), failed])  # type: ignore[list-item]
    first, second = (r.getMessage() for r in caplog.records)
    assert first.startswith("offset commit failed") and "t/1@42" in first
    assert "t/2@7" in second and "t/0@5" not in second
