"""Composition root of the three pipeline services: build from Settings, run until SIGTERM.

Each service is one ServiceRuntime (the same loop) with its own handler and output:

==================  ===================  ====================  ======================
service             group                input                 output
==================  ===================  ====================  ======================
validator           validator-service    events.raw.v1         events.validated.v1
enricher            ai-enricher          events.validated.v1   events.enriched.v1
writer              persistence-writer   events.enriched.v1    database (upsert)
==================  ===================  ====================  ======================
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from eventflow.config import Settings
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._dead_letter import dead_letter_subject
from eventflow.consumers._enricher import ENRICHER_GROUP, EnricherService
from eventflow.consumers._event_types import EventTypeGuard
from eventflow.consumers._metrics import ServiceMetrics, serve_metrics
from eventflow.consumers._outcome import Forward, InputEvent, Outcome
from eventflow.consumers._persistence import WRITER_GROUP, open_store
from eventflow.consumers._ports import EventStore, Handler
from eventflow.consumers._runtime import ServiceRuntime, ServiceSpec
from eventflow.consumers._validator import (
    VALIDATOR_GROUP,
    RegisteredRules,
    SchemasById,
    Validator,
    load_code_rules,
)
from eventflow.consumers.enrichment._config import load_enrichment
from eventflow.consumers.enrichment._plugin import load_enrichers
from eventflow.contracts import DataContract
from eventflow.kafka import (
    DurableProducer,
    GroupConsumer,
    KafkaCluster,
    TopicAdmin,
    pipeline_consumer_properties,
    pipeline_producer_properties,
)
from eventflow.registry import RegistryClient
from eventflow.workspace import load_workspace

ServiceKind = Literal["validator", "enricher", "writer"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("validator", "enricher", "writer")
GROUPS: dict[ServiceKind, str] = {
    "validator": VALIDATOR_GROUP,
    "enricher": ENRICHER_GROUP,
    "writer": WRITER_GROUP,
}

log = logging.getLogger("eventflow.consumers.services")
# the first field each service sets: the fields before it are copied as bytes, not re-encoded
_TAIL_FROM: dict[ServiceKind, str] = {"validator": "validation", "enricher": "enrichment"}


def registry_url_of(settings: Settings) -> str:
    return settings.registry_url()


@dataclass
class BuiltService:
    kind: ServiceKind
    runtime: ServiceRuntime
    metrics_port: int
    closers: list[Callable[[], object]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception as exc:  # closing is best effort; report and go on
                log.warning("%s: error while closing: %s", self.kind, exc)


def build_service(kind: ServiceKind, settings: Settings, *, cluster: KafkaCluster) -> BuiltService:
    """Everything one service needs, from configuration; raises ConfigError on bad files."""
    p = settings.pipeline
    handler: Handler
    store: EventStore | None = None
    closers: list[Callable[[], object]] = []
    output_topic: str | None
    registry = RegistryClient.from_settings(registry_url_of(settings), settings.registry)
    closers.append(registry.close)
    workspace = load_workspace(settings.schemas_dir)
    if kind == "validator":
        handler = validator_for(settings, registry, workspace.contracts)
        input_topic, output_topic = p.raw_topic, p.validated_topic
        port = p.validator_metrics_port
    elif kind == "enricher":
        plan = load_enrichment(p.enrichment_dir)
        enrichers = load_enrichers(
            {s.enricher for steps in plan.values() for s in steps}, settings=settings
        )
        enricher = EnricherService(
            plan,
            enrichers,
            on_failure=p.enricher_on_failure,
            timeout_ms=p.enricher_timeout_ms,
            workers=p.enricher_workers,
        )
        closers.append(enricher.close)
        handler = enricher
        input_topic, output_topic = p.validated_topic, p.enriched_topic
        port = p.enricher_metrics_port
    else:
        db = open_store(p.database_url)
        closers.append(db.close)
        store = db
        handler = _PassThrough()
        input_topic, output_topic = p.enriched_topic, None
        port = p.writer_metrics_port
    group = {
        "validator": p.validator_group,
        "enricher": p.enricher_group,
        "writer": p.writer_group,
    }[kind]
    # polled by the runtime's own thread while it waits for a batch (no poll thread); output
    # batching and input fetching from the typed settings (EVENTFLOW_PIPELINE__PRODUCER__* …)
    producer = DurableProducer(
        cluster,
        client_id=f"{settings.kafka.client_id}-{kind}",
        extra=pipeline_producer_properties(p.producer),
        background_poll=False,
    )
    closers.append(producer.close)
    # dead letters are built to fit the smallest limit on their way; outputs too large for
    # their topic are refused before they are sent (limits read once at start)
    admin, producer_limit = TopicAdmin(cluster), producer.max_message_bytes
    limit = admin.record_limit([p.dlq_topic], producer_limit)
    output_limit = admin.record_limit([output_topic], producer_limit) if output_topic else None
    spec = ServiceSpec(
        service=GROUPS[kind],
        group=group,
        input_topic=input_topic,
        output_topic=output_topic,
        dlq_topic=p.dlq_topic,
        batch_size=p.batch_size,
        poll_timeout_s=p.poll_timeout_ms / 1000,
        backoff_initial_s=p.backoff_initial_ms / 1000,
        backoff_max_s=p.backoff_max_ms / 1000,
        max_record_bytes=limit,
        max_record_attempts=p.max_record_attempts,
        max_output_bytes=output_limit if output_limit != producer_limit else None,
        max_batches_in_flight=p.max_batches_in_flight,
        commit_interval_s=p.commit_interval_ms / 1000,
    )
    built: list[ServiceRuntime] = []  # the runtime, once made: it hears of revocations

    def revoked(partitions: list[tuple[str, int]]) -> None:
        for runtime in built:
            runtime.partitions_revoked(partitions)

    consumer = GroupConsumer(
        cluster,
        group,
        [spec.input_topic],
        client_id=f"{settings.kafka.client_id}-{kind}",
        on_revoke=revoked,
        extra=pipeline_consumer_properties(p.consumer),
    )
    # poison that decodes (another registered type, a lying envelope) is named before handling
    manifest = workspace.manifest
    record_types = {entry.record_name: entry.event_type for entry in manifest.event_types}
    handler = EventTypeGuard(handler, registry, record_types)
    runtime = ServiceRuntime(
        spec,
        source=consumer,
        producer=producer,
        codec=RegistryCodec(
            registry, tail_from=_TAIL_FROM.get(kind), dlq_subject=dead_letter_subject(p.dlq_topic)
        ),
        handler=handler,
        store=store,
        metrics=ServiceMetrics(GROUPS[kind]),
    )
    built.append(runtime)
    return BuiltService(kind, runtime, port, closers)


def validator_for(
    settings: Settings, registry: SchemasById, contracts: Mapping[str, DataContract]
) -> Validator:
    """The validator of ``settings``: the rules registered with each event's schema (in force
    under the raw topic's subjects) and the contracts' code rules (ADR 0010)."""
    return Validator(
        contract_rules=RegisteredRules(registry, topic=settings.pipeline.raw_topic),
        code_rules=load_code_rules(contracts),
    )


class _PassThrough:
    """The writer's handler: every decoded event goes to the store as it is."""

    def handle(self, event: InputEvent) -> Outcome:
        return Forward(event.value)


def run_service(built: BuiltService, *, metrics_port: int | None = None) -> None:
    """Serve metrics, run until SIGTERM/SIGINT, finish the batch in flight, commit, close."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("%s: signal %d: finishing the batch in flight", built.kind, signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        serve_metrics(
            built.runtime.metrics, built.metrics_port if metrics_port is None else metrics_port
        )
        built.runtime.run(stop)
    finally:
        built.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
