"""Cheap reachability checks against a Kafka cluster."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient

from eventflow.kafka._client_config import KafkaCluster, client_config


def metadata_answers(cluster: KafkaCluster, *, timeout_s: float = 2.0) -> bool:
    """True when a broker of ``cluster`` answers a metadata request within the timeout."""
    admin = AdminClient(client_config(cluster, {}))
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except Exception:  # any failure means "not answering"
        return False
    return bool(metadata.brokers)
