"""A real Apache Kafka broker (KRaft combined mode) run from Maven Central jars on Java 17."""

from eventflow.kafka.local.broker import BrokerStatus, LocalBroker
from eventflow.kafka.local.distribution import KafkaDistribution, resolve_distribution

__all__ = ["BrokerStatus", "KafkaDistribution", "LocalBroker", "resolve_distribution"]
