"""The real adapters of the ingest API: contracts catalog, registry encoder, Kafka producer.

Imported only by the app factory when no components are injected (tests inject their own or
build these with :func:`build_components` pointed at their broker and registry).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from eventflow.config import Settings
from eventflow.contracts import ParsedSchema
from eventflow.errors import EventFlowError
from eventflow.kafka.client_config import KafkaCluster
from eventflow.kafka.local import LocalBroker
from eventflow.kafka.producer import DurableProducer
from eventflow.producers.http.avro_binary import Unsupported
from eventflow.producers.http.avro_source import compile_writer
from eventflow.producers.http.catalog import EventCatalog, EventTypeSpec, build_spec
from eventflow.producers.http.components import ApiComponents
from eventflow.producers.http.problems import ContractNotRegistered, FieldProblem, InvalidEvent
from eventflow.registry.client import RegistryClient
from eventflow.serde import AvroSerializer, InvalidValue, SchemaLookup, SchemaMismatch
from eventflow.serde.wire import HEADER_SIZE
from eventflow.workspace import Workspace, load_workspace


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
                event_type=entry.event_type, partition_key=entry.partition_key, topic=topic,
                record_schema=parsed.json, shared_schemas=shared,
            )
        )  # fmt: skip
    return EventCatalog(specs)


class RegistryEncoder:
    """Confluent wire format: the schema id from :class:`eventflow.serde.AvroSerializer`,
    the Avro body from the compiled encoder (:mod:`avro_source`).

    The schema id of each subject is looked up once (never registered at run time); values
    were already checked by the API, so the serializer does not validate them again. The
    first record of each event type goes through fastavro; the compiled encoder is used
    from then on only if it wrote the same bytes for it. A value the compiled encoder
    cannot write goes through fastavro too (which names the failing field).
    """

    def __init__(self, registry: SchemaLookup, schemas: Mapping[str, ParsedSchema]) -> None:
        self._serializer = AvroSerializer(registry, validate=False)
        self._schemas = dict(schemas)  # by event type
        self._compiled: dict[str, Callable[[Any], bytes] | None] = {}  # by event type

    def missing_contracts(self, catalog: EventCatalog) -> list[str]:
        """Event types whose contract is in no registered version of their subject."""
        missing = []
        for spec in catalog:
            try:
                self._serializer.schema_id_for(spec.subject, self._schemas[spec.event_type])
            except SchemaMismatch:
                missing.append(spec.event_type)
        return missing

    def encode(self, spec: EventTypeSpec, record: Mapping[str, Any]) -> bytes:
        compiled = self._compiled.get(spec.event_type)
        if compiled is not None:
            try:
                return compiled(record)
            except _WRITE_ERRORS:
                pass  # fastavro below raises the error that names the field
        try:
            value = self._serializer.serialize(
                record, subject=spec.subject, schema=self._schemas[spec.event_type]
            )
        except InvalidValue as exc:
            raise InvalidEvent(str(exc), fields=[FieldProblem("data", str(exc))]) from exc
        except SchemaMismatch as exc:  # permanent: retrying will not register the contract
            raise ContractNotRegistered(f"event type {spec.event_type!r}: {exc}") from exc
        if spec.event_type not in self._compiled:
            self._compiled[spec.event_type] = _compile(spec, value[:HEADER_SIZE], record, value)
        return value


_WRITE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError)


def _compile(
    spec: EventTypeSpec, header: bytes, first: Mapping[str, Any], expected: bytes
) -> Callable[[Any], bytes] | None:
    """The compiled encoder of ``spec`` with the wire header, if it writes ``expected``."""
    try:
        write = compile_writer(dict(spec.record_schema), spec.named)
    except Unsupported:
        return None

    def encode(record: Any) -> bytes:
        out = bytearray(header)
        write(record, out)
        return bytes(out)

    try:
        same = encode(first) == expected
    except _WRITE_ERRORS:
        same = False
    return encode if same else None


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
    workspace = load_workspace(schemas_dir or settings.schemas_dir)
    catalog = catalog_from_workspace(workspace, api.topic)
    url = registry_url or resolve_registry_url(settings)
    registry = RegistryClient.from_settings(url, settings.registry)
    probe_client = RegistryClient.from_settings(url, settings.registry, timeout_s=2.0)
    schemas = {
        spec.event_type: workspace.schema_for_event_type(spec.event_type) for spec in catalog
    }
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

    encoder = RegistryEncoder(registry, schemas)

    def contracts_registered() -> bool:
        """Every event type's contract is registered (an unregistered one is permanent)."""
        try:
            return not encoder.missing_contracts(catalog)
        except EventFlowError:  # the registry is away: the "registry" probe says so
            return False

    def close() -> None:
        producer.close(timeout_s=api.delivery_timeout_ms / 1000)
        registry.close()
        probe_client.close()

    return ApiComponents(
        catalog=catalog,
        encoder=encoder,
        sink=producer,
        probes=[
            ("kafka", lambda: producer.healthy(2.0)),
            ("registry", registry_answers),
            ("contracts", contracts_registered),
        ],
        close=close,
    )
