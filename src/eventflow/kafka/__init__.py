"""The only package that imports ``confluent_kafka``: admin, producers, consumers, local broker.

``eventflow.kafka.testing`` ships an in-memory producer for unit tests; ``eventflow.kafka.local``
runs a real broker for development.
"""

from eventflow.kafka.admin import TopicAdmin
from eventflow.kafka.client_config import QUIET_LOGGER, KafkaCluster, client_config
from eventflow.kafka.consumer import (
    ConsumedRecord,
    Partition,
    offsets_for_time,
    read_one,
    read_range,
    set_group_offsets,
    watermarks,
)
from eventflow.kafka.probe import metadata_answers
from eventflow.kafka.producer import (
    DeliveryFailed,
    DeliveryGroup,
    DeliveryReport,
    DurableProducer,
    GroupSender,
    ProducerQueueFull,
    RecordSender,
)
from eventflow.kafka.schemas_log import KafkaSchemaLog, SchemaLogRecord
from eventflow.kafka.topics_file import TopicsFileError, TopicSpec, load_topics_file, parse_topics
from eventflow.kafka.topics_plan import Drift, ExistingTopic, TopicsPlan, plan_topics

__all__ = [
    "QUIET_LOGGER",
    "ConsumedRecord",
    "DeliveryFailed",
    "DeliveryGroup",
    "DeliveryReport",
    "Drift",
    "DurableProducer",
    "ExistingTopic",
    "GroupSender",
    "KafkaCluster",
    "KafkaSchemaLog",
    "Partition",
    "ProducerQueueFull",
    "RecordSender",
    "SchemaLogRecord",
    "TopicAdmin",
    "TopicSpec",
    "TopicsFileError",
    "TopicsPlan",
    "client_config",
    "load_topics_file",
    "metadata_answers",
    "offsets_for_time",
    "parse_topics",
    "plan_topics",
    "read_one",
    "read_range",
    "set_group_offsets",
    "watermarks",
]
