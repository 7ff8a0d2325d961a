"""Cheap reachability checks against a Kafka cluster."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from confluent_kafka.admin import AdminClient

if TYPE_CHECKING:
    from eventflow.kafka.client_config import KafkaCluster

# librdkafka logs every refused connection while a broker starts; admin tools want silence
# (failures still surface as exceptions with a message).
QUIET_LOGGER = logging.getLogger("eventflow.kafka.librdkafka")
QUIET_LOGGER.addHandler(logging.NullHandler())
QUIET_LOGGER.propagate = False


def metadata_answers(cluster: KafkaCluster, *, timeout_s: float = 2.0) -> bool:
    """True when a broker of ``cluster`` answers a metadata request within the timeout."""
    from eventflow.kafka.client_config import client_config

    admin = AdminClient(client_config(cluster, {}))
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except Exception:  # any failure means "not answering"
        return False
    return bool(metadata.brokers)
