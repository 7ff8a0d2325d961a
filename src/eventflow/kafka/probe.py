"""Cheap reachability checks against a Kafka cluster."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka.admin import AdminClient

# librdkafka logs every refused connection while a broker starts; admin tools want silence
# (failures still surface as exceptions with a message).
QUIET_LOGGER = logging.getLogger("eventflow.kafka.librdkafka")
QUIET_LOGGER.addHandler(logging.NullHandler())
QUIET_LOGGER.propagate = False


def metadata_answers(bootstrap: str, *, timeout_s: float = 2.0) -> bool:
    """True when a broker at ``bootstrap`` answers a metadata request within the timeout."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "logger": QUIET_LOGGER}
    admin = AdminClient(config)
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except Exception:  # any failure means "not answering"
        return False
    return bool(metadata.brokers)
