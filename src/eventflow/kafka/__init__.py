"""The only package that imports ``confluent_kafka``: admin, producers, consumers, local broker.

``eventflow.kafka.testing`` ships an in-memory producer for unit tests; ``eventflow.kafka.local``
runs a real broker for development.
"""

from eventflow.kafka._admin import ApplyResult, TopicAdmin
from eventflow.kafka._cel_rules import DomainRules
from eventflow.kafka._client_config import (
    QUIET_LOGGER,
    KafkaCluster,
    client_config,
    pipeline_consumer_properties,
    pipeline_producer_properties,
)
from eventflow.kafka._consumer import (
    ConsumedRecord,
    GroupConsumer,
    Partition,
    offsets_for_time,
    read_one,
    read_range,
    set_group_offsets,
    watermarks,
)
from eventflow.kafka._delivery_errors import DEFAULT_MESSAGE_MAX_BYTES
from eventflow.kafka._probe import metadata_answers
from eventflow.kafka._producer import (
    DeliveryFailed,
    DeliveryGroup,
    DeliveryReport,
    DurableProducer,
    GroupSender,
    ProducerQueueFull,
    RecordSender,
)
from eventflow.kafka._refusals import ConnectionRefused
from eventflow.kafka._schemas_log import KafkaSchemaLog, SchemaLogRecord
from eventflow.kafka._topics_file import TopicsFileError, TopicSpec, load_topics_file, parse_topics
from eventflow.kafka._topics_plan import Drift, ExistingTopic, TopicsPlan, plan_topics

__all__ = [
    "DEFAULT_MESSAGE_MAX_BYTES",
    "QUIET_LOGGER",
    "ApplyResult",
    "ConnectionRefused",
    "ConsumedRecord",
    "DeliveryFailed",
    "DeliveryGroup",
    "DeliveryReport",
    "DomainRules",
    "Drift",
    "DurableProducer",
    "ExistingTopic",
    "GroupConsumer",
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
    "pipeline_consumer_properties",
    "pipeline_producer_properties",
    "plan_topics",
    "read_one",
    "read_range",
    "set_group_offsets",
    "watermarks",
]
