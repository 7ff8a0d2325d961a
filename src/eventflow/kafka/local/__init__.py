"""A real Apache Kafka broker (KRaft combined mode) run from Maven Central jars on Java 17."""

from eventflow.kafka.local._broker import BrokerStatus, LocalBroker
from eventflow.kafka.local._distribution import KafkaDistribution, resolve_distribution

__all__ = ["BrokerStatus", "KafkaDistribution", "LocalBroker", "resolve_distribution"]
