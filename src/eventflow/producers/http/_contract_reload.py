"""Which contracts the API serves, read again on demand (SIGHUP), and what the registry holds
for each of them (ADR 0012).

A reload reads the contracts folder again and switches to it only when the registry holds
every event type's schema: an API never starts answering for a contract that producers could
not encode under a registered id. Otherwise it keeps serving what it had and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from eventflow.contracts import ParsedSchema
from eventflow.errors import ConfigError, EventFlowError
from eventflow.producers.http._catalog import EventCatalog, EventTypeSpec
from eventflow.producers.http._components import ReloadedContracts
from eventflow.serde import SchemaLookup, SchemaMismatch
from eventflow.workspace import Workspace, load_workspace


class ContractEncoder(Protocol):
    """The encoder's side of a reload (``RegistryEncoder`` fits)."""

    def schema_id_of(self, spec: EventTypeSpec, schema: ParsedSchema | None = None) -> int: ...

    def replace_schemas(self, schemas: Mapping[str, ParsedSchema]) -> None: ...


class ContractReloadRefused(ConfigError):
    """The reloaded contracts are invalid or not registered: the old ones stay in service."""


class ContractSource:
    """The API's current contracts: their catalog, their registered versions, their reload."""

    def __init__(
        self,
        schemas_dir: Path,
        topic: str,
        registry: SchemaLookup,
        encoder: ContractEncoder,
        build_catalog: Callable[[Workspace, str], EventCatalog],
    ) -> None:
        self._dir, self._topic = schemas_dir, topic
        self._registry, self._encoder = registry, encoder
        self._build_catalog = build_catalog
        workspace = load_workspace(schemas_dir)
        self.catalog = build_catalog(workspace, topic)
        self.schemas = _schemas_of(workspace, self.catalog)
        self._versions: dict[tuple[str, int], int | None] = {}

    def missing(self) -> list[str]:
        """Event types of the current catalog whose schema no registered version holds."""
        return _missing(self._encoder, self.catalog, self.schemas)

    def info(self, spec: EventTypeSpec) -> Mapping[str, Any] | None:
        """``{"schema_id", "version", "fingerprint"}`` of the contract ``spec`` is on."""
        schema = self.schemas.get(spec.event_type)
        if schema is None:
            return None
        fingerprint = f"{schema.fingerprint & 0xFFFFFFFFFFFFFFFF:016x}"
        try:
            schema_id = self._encoder.schema_id_of(spec, schema)
        except SchemaMismatch:
            return {"schema_id": None, "version": None, "fingerprint": fingerprint}
        except EventFlowError:
            return None  # the registry is away: the readiness probe says so
        version = self._version(spec.subject, schema_id)
        return {"schema_id": schema_id, "version": version, "fingerprint": fingerprint}

    def reload(self) -> ReloadedContracts:
        """Read the folder again; refuse (keeping the current contracts) unless every event
        type's schema is registered. Blocking (files, registry)."""
        try:
            workspace = load_workspace(self._dir)
        except EventFlowError as exc:
            raise ContractReloadRefused(f"contracts in {self._dir} are invalid: {exc}") from exc
        catalog = self._build_catalog(workspace, self._topic)
        schemas = _schemas_of(workspace, catalog)
        missing = _missing(self._encoder, catalog, schemas)
        if missing:
            raise ContractReloadRefused(
                f"contracts in {self._dir} are not registered for {', '.join(missing)}: "
                "run `eventflow schema register` first"
            )
        before = {t: self.info(spec) for t, spec in _by_type(self.catalog).items()}

        def activate() -> None:
            self._encoder.replace_schemas(schemas)
            self.catalog, self.schemas = catalog, schemas

        summary = self._changes(before, catalog, schemas)
        return ReloadedContracts(catalog, activate, summary)

    def _changes(
        self,
        before: Mapping[str, Mapping[str, Any] | None],
        catalog: EventCatalog,
        schemas: Mapping[str, ParsedSchema],
    ) -> str:
        parts = []
        for event_type, spec in _by_type(catalog).items():
            schema_id = self._encoder.schema_id_of(spec, schemas[event_type])
            version = self._version(spec.subject, schema_id)
            old = before.get(event_type)
            was = f"v{old['version']} (id {old['schema_id']})" if old else "new"
            now = f"v{version} (id {schema_id})"
            parts.append(f"{event_type} {was} -> {now}" if was != now else f"{event_type} {now}")
        return "; ".join(parts) or "no event types"

    def _version(self, subject: str, schema_id: int) -> int | None:
        """The newest version number of ``subject`` registered as ``schema_id`` (cached)."""
        key = (subject, schema_id)
        if key not in self._versions:
            found = None
            for number in sorted(self._registry.list_versions(subject), reverse=True):
                if self._registry.get_version(subject, number).schema_id == schema_id:
                    found = number
                    break
            self._versions[key] = found
        return self._versions[key]


def _by_type(catalog: EventCatalog) -> dict[str, EventTypeSpec]:
    return {spec.event_type: spec for spec in catalog}


def _schemas_of(workspace: Workspace, catalog: EventCatalog) -> dict[str, ParsedSchema]:
    return {spec.event_type: workspace.schema_for_event_type(spec.event_type) for spec in catalog}


def _missing(
    encoder: ContractEncoder, catalog: EventCatalog, schemas: Mapping[str, ParsedSchema]
) -> list[str]:
    missing = []
    for spec in catalog:
        try:
            encoder.schema_id_of(spec, schemas[spec.event_type])
        except SchemaMismatch:
            missing.append(spec.event_type)
    return missing
