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
