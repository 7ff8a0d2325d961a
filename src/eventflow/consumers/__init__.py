"""The processing pipeline: one consumer runtime for every service, dead letters, the
validator, the AI enricher, the persistence writer and the operator tools (docs/pipeline.md)."""

from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._dead_letter import DLQ_SUBJECT, DLQ_TOPIC, dead_letter_subject
from eventflow.consumers._demo import DemoSummary, run_demo
from eventflow.consumers._operations import (
    Decoder,
    ReplayMarker,
    StoredDeadLetter,
    fetch_from_origin,
    list_dead_letters,
    replay_dead_letters,
    replay_group,
    show_dead_letter,
    topic_size,
    trace_event,
)
from eventflow.consumers._outcome import (
    Forward,
    InputEvent,
    Outcome,
    Reject,
    RetriableFailure,
    Skip,
)
from eventflow.consumers._persistence import open_store
from eventflow.consumers._ports import EventStore, Handler, RecordCodec, RecordSource
from eventflow.consumers._replay_check import failing_again
from eventflow.consumers._runtime import ServiceRuntime, ServiceSpec
from eventflow.consumers._services import (
    ServiceKind,
    build_service,
    registry_url_of,
    run_service,
    validator_for,
)
from eventflow.consumers._validator import CodeRuleError, Finding, Validator

__all__ = [
    "DLQ_SUBJECT",
    "DLQ_TOPIC",
    "CodeRuleError",
    "Decoder",
    "DemoSummary",
    "EventStore",
    "Finding",
    "Forward",
    "Handler",
    "InputEvent",
    "Outcome",
    "RecordCodec",
    "RecordSource",
    "RegistryCodec",
    "Reject",
    "ReplayMarker",
    "RetriableFailure",
    "ServiceKind",
    "ServiceRuntime",
    "ServiceSpec",
    "Skip",
    "StoredDeadLetter",
    "Validator",
    "build_service",
    "dead_letter_subject",
    "failing_again",
    "fetch_from_origin",
    "list_dead_letters",
    "open_store",
    "registry_url_of",
    "replay_dead_letters",
    "replay_group",
    "run_demo",
    "run_service",
    "show_dead_letter",
    "topic_size",
    "trace_event",
    "validator_for",
]
