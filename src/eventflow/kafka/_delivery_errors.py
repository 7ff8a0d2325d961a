# ruff: noqa: SLF001 - librdkafka's local error codes are public API with a leading underscore
"""Which librdkafka errors are permanent for a record and which mean "the cluster is away".

A permanent error fails the same record the same way on every retry (too large, invalid, not
authorized, unknown topic): callers dead-letter that record or refuse it to the client. An
availability error says nothing about the record (broker unreachable, timed out, leader
moving): callers wait and retry. Any other error is retriable but attributed to the record, so
a stage that narrows a failing batch down may give up on it (docs/adr/0006).
"""

from __future__ import annotations

from confluent_kafka import KafkaError

# the record itself is refused: every retry fails the same way
TOO_LARGE_CODES = frozenset(
    {
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.RECORD_LIST_TOO_LARGE,
        KafkaError.INVALID_MSG_SIZE,
    }
)
PERMANENT_CODES = TOO_LARGE_CODES | {
    KafkaError.INVALID_RECORD,
    KafkaError.INVALID_TIMESTAMP,
    KafkaError.POLICY_VIOLATION,
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError.TOPIC_EXCEPTION,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_TOPIC,
    KafkaError._UNKNOWN_PARTITION,
    KafkaError._INVALID_ARG,
    KafkaError.UNSUPPORTED_FOR_MESSAGE_FORMAT,
}
# nothing is wrong with the record: the cluster is away or slow
UNAVAILABLE_CODES = frozenset(
    {
        KafkaError._MSG_TIMED_OUT,
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._TIMED_OUT,
        KafkaError._RESOLVE,
        KafkaError.REQUEST_TIMED_OUT,
        KafkaError.NETWORK_EXCEPTION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.NOT_ENOUGH_REPLICAS,
        KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    }
)
DEFAULT_MESSAGE_MAX_BYTES = 1_000_000  # librdkafka's default message.max.bytes


def classify(code: int) -> tuple[bool, bool]:
    """(retriable, unavailable) for a librdkafka error code: permanent codes are never
    retriable (whatever ``KafkaError.retriable()`` says); any other code is retriable, and
    counted against the record by callers that narrow a failing batch down unless it is an
    availability code."""
    if code in PERMANENT_CODES:
        return False, False
    if code in UNAVAILABLE_CODES:
        return True, True
    return True, False
