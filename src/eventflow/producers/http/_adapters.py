"""The real adapters of the ingest API: contracts catalog, registry encoder, Kafka producer.

Imported only by the app factory when no components are injected (tests inject their own or
build these with :func:`build_components` pointed at their broker and registry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eventflow.config import Settings
from eventflow.contracts import ParsedSchema
from eventflow.errors import EventFlowError
from eventflow.kafka import DurableProducer, KafkaCluster, TopicAdmin
from eventflow.kafka.local import LocalBroker
from eventflow.producers.http._catalog import EventCatalog, EventTypeSpec, build_spec
from eventflow.producers.http._components import ApiComponents
from eventflow.producers.http._contract_reload import ContractSource
from eventflow.producers.http._problems import ContractNotRegistered, FieldProblem, InvalidEvent
from eventflow.registry import RegistryClient
from eventflow.serde import AvroSerializer, SchemaLookup, SchemaMismatch, header
from eventflow.serde.avro import ValueRejected
from eventflow.workspace import Workspace

log = logging.getLogger("eventflow.producers.http")


def catalog_from_workspace(workspace: Workspace, topic: str) -> EventCatalog:
    """One spec per event type of the manifest that travels ``topic``."""
    shared = [schema.json for schema in workspace.schemas.values()]
    specs: list[EventTypeSpec] = []
    for entry in workspace.manifest.event_types:
        if entry.topics and topic not in entry.topics:
            continue
        parsed = workspace.schema_for_event_type(entry.event_type)
        specs.append(
            build_spec(
                event_type=entry.event_type,
                partition_key=entry.partition_key,
                topic=topic,
                record_schema=parsed.json,
                shared_schemas=shared,
            )
        )
    return EventCatalog(specs)


_PAYLOAD = ("payload",)


class RegistryEncoder:
    """Confluent wire format: the schema id from :class:`eventflow.serde.AvroSerializer`,
    the Avro body from the value engine's writer of the event type (``spec.values``).

    The schema id of each contract is looked up once (never registered at run time). The
    payload is what the API's JSON check converted (``spec.converter``), proven and written
    without re-checking; the envelope the API built is checked as it is written, and a value
    the writer refuses is reported as an invalid event naming the field. The header
    follows the spec's own record schema, so a request prepared before a contract reload
    is still framed with the id of the schema its body is written with.
    """

    def __init__(self, registry: SchemaLookup, schemas: Mapping[str, ParsedSchema]) -> None:
        self._serializer = AvroSerializer(registry)
        self._schemas: dict[str, ParsedSchema] = {}  # by event type: the ones in use
        self._by_record: dict[int, ParsedSchema] = {}  # by id() of a spec's record schema
        self._headers: dict[int, bytes] = {}  # by id() of a spec's record schema
        self.replace_schemas(schemas)

    def missing_contracts(self, catalog: EventCatalog) -> list[str]:
        """Event types whose contract is in no registered version of their subject."""
        missing = []
        for spec in catalog:
            try:
                self.schema_id_of(spec)
            except SchemaMismatch:
                missing.append(spec.event_type)
        return missing

    def schema_id_of(self, spec: EventTypeSpec, schema: ParsedSchema | None = None) -> int:
        """The registered id of ``schema`` (default: the contract ``spec`` was built from)."""
        return self._serializer.schema_id_for(spec.subject, schema or self._schema_of(spec))

    def replace_schemas(self, schemas: Mapping[str, ParsedSchema]) -> None:
        """Use ``schemas`` for their event types from now on (a contract reload). Schemas
        already known stay known (a few per reload), for requests prepared before it."""
        self._schemas = dict(schemas)
        for schema in schemas.values():
            self._by_record[id(schema.json)] = schema

    def encode(self, spec: EventTypeSpec, record: Mapping[str, Any]) -> bytes:
        prefix = self._headers.get(id(spec.record_schema))
        if prefix is None:
            try:
                schema_id = self.schema_id_of(spec)
            except SchemaMismatch as exc:  # permanent: retrying will not register the contract
                raise ContractNotRegistered(f"event type {spec.event_type!r}: {exc}") from exc
            if id(spec.record_schema) in self._by_record:
                self._headers[id(spec.record_schema)] = header(schema_id)
            prefix = header(schema_id)
        try:
            # the payload is what spec.converter returned: proven, written unchecked
            return spec.values.encode(record, prefix, root="record", converted_fields=_PAYLOAD)
        except ValueRejected as exc:
            fields = [FieldProblem(p.path, p.message) for p in exc.problems]
            raise InvalidEvent(str(exc), fields=fields) from exc

    def _schema_of(self, spec: EventTypeSpec) -> ParsedSchema:
        """The contract ``spec`` was built from (its record schema is that schema's JSON)."""
        return self._by_record.get(id(spec.record_schema)) or self._schemas[spec.event_type]


def api_cluster(settings: Settings) -> KafkaCluster:
    """The configured cluster (EVENTFLOW_KAFKA__*), else the local development broker."""
    bootstrap = settings.kafka.bootstrap_servers or (
        LocalBroker(settings.dev.state_dir).bootstrap or f"127.0.0.1:{settings.dev.kafka_port}"
    )
    return KafkaCluster.from_settings(settings.kafka, bootstrap)


def resolve_registry_url(settings: Settings) -> str:
    return settings.registry_url()


def build_components(
    settings: Settings,
    *,
    cluster: KafkaCluster | None = None,
    registry_url: str | None = None,
    schemas_dir: Path | None = None,
) -> ApiComponents:
    """Producer, encoder and catalog from configuration (arguments override it)."""
    api = settings.api
    url = registry_url or resolve_registry_url(settings)
    registry = RegistryClient.from_settings(url, settings.registry)
    probe_client = RegistryClient.from_settings(url, settings.registry, timeout_s=2.0)
    encoder = RegistryEncoder(registry, {})
    folder = schemas_dir or settings.schemas_dir
    contracts = ContractSource(folder, api.topic, registry, encoder, catalog_from_workspace)
    encoder.replace_schemas(contracts.schemas)
    producer = DurableProducer(
        cluster or api_cluster(settings),
        client_id=f"{settings.kafka.client_id}-http-api",
        delivery_timeout_ms=api.delivery_timeout_ms,
        linger_ms=api.linger_ms,
        background_poll=False,  # the app's DeliveryPump polls it
    )

    def registry_answers() -> bool:
        try:
            probe_client.get_compatibility()
        except EventFlowError:
            return False
        return True

    def contracts_registered() -> bool:
        """Every event type's contract is registered (an unregistered one is permanent)."""
        try:
            return not contracts.missing()
        except EventFlowError:  # the registry is away: the "registry" probe says so
            return False

    def close() -> None:
        producer.close(timeout_s=api.delivery_timeout_ms / 1000)
        registry.close()
        probe_client.close()

    return ApiComponents(
        catalog=contracts.catalog,
        encoder=encoder,
        sink=producer,
        probes=[
            ("kafka", lambda: producer.healthy(2.0)),
            ("registry", registry_answers),
            ("contracts", contracts_registered),
        ],
        close=close,
        record_limit=_record_limit(cluster or api_cluster(settings), api.topic, producer),
        reload=contracts.reload,
        contract_info=contracts.info,
    )


def _record_limit(cluster: KafkaCluster, topic: str, producer: DurableProducer) -> int:
    """The largest record Kafka takes on ``topic`` (read once at startup; a broker that does
    not answer yet leaves the producer's own limit, which librdkafka enforces anyway)."""
    try:
        return TopicAdmin(cluster, timeout_s=5.0).record_limit([topic], producer.max_message_bytes)
    except EventFlowError as exc:
        log.warning(
            "could not read %s's max.message.bytes (%s); using the producer's limit %d",
            topic,
            exc,
            producer.max_message_bytes,
        )
        return producer.max_message_bytes
