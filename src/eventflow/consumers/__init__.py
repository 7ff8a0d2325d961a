"""The processing pipeline: one consumer runtime for every service, dead letters, the
validator, the AI enricher, the persistence writer and the operator tools (docs/pipeline.md)."""

from eventflow.consumers.dead_letter import DLQ_SUBJECT, DLQ_TOPIC, dead_letter_subject
from eventflow.consumers.outcome import Forward, InputEvent, Outcome, Reject, RetriableFailure, Skip
from eventflow.consumers.ports import EventStore, Handler, RecordCodec, RecordSource
from eventflow.consumers.runtime import ServiceRuntime, ServiceSpec

__all__ = [
    "DLQ_SUBJECT",
    "DLQ_TOPIC",
    "EventStore",
    "Forward",
    "Handler",
    "InputEvent",
    "Outcome",
    "RecordCodec",
    "RecordSource",
    "Reject",
    "RetriableFailure",
    "ServiceRuntime",
    "ServiceSpec",
    "Skip",
    "dead_letter_subject",
]
