"""Registration, lookup and deletion of subject versions (the write side of the controller)."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import replace
from typing import Any

from eventflow.registry import _errors as e
from eventflow.registry._data_contracts import (
    CONFLUENT_VERSION,
    Json,
    merge_metadata,
    merge_rule_sets,
    property_of,
    with_confluent_version,
)
from eventflow.registry._engine import EngineSchema, SchemaEngine
from eventflow.registry._errors import Code, RegistryError
from eventflow.registry._records import SchemaClaim, encode_claim, schema_key
from eventflow.registry._requests import LATEST, SchemaRequest
from eventflow.registry._state import RegistryState, Version
from eventflow.registry._store import RegistryStore
from eventflow.registry._subject_config import SubjectConfig

CLAIM_ATTEMPTS = 20
Append = tuple[bytes, bytes | None]


class SchemaResolver:
    """Parses stored and incoming schemas with their references; caches parsed ids."""

    def __init__(self, engine: SchemaEngine) -> None:
        self.engine = engine
        self._by_id: dict[int, EngineSchema] = {}

    def stored(self, state: RegistryState, claim: SchemaClaim) -> EngineSchema:
        cached = self._by_id.get(claim.schema_id)
        if cached is None:
            refs = [self._reference(state, r.subject, r.version) for r in claim.references]
            cached = self.engine.parse(
                claim.schema, refs, normalize=False, source=f"schema id {claim.schema_id}"
            )
            self._by_id[claim.schema_id] = cached
        return cached

    def _reference(self, state: RegistryState, subject: str, version: int) -> EngineSchema:
        held = state.subjects.get(subject, {}).get(version)
        if held is None:
            raise e.invalid_schema(f"reference to {subject} version {version} not found")
        return self.stored(state, held.claim)

    def incoming(
        self,
        state: RegistryState,
        request: SchemaRequest,
        *,
        normalize: bool,
        subject: str,
        new: bool = True,
    ) -> EngineSchema:
        """``new``: judged as a new schema (defaults too, if so configured); a lookup is not."""
        refs = [self._reference(state, r.subject, r.version) for r in request.references]
        return self.engine.parse(
            request.schema,
            refs,
            normalize=normalize,
            source=f"schema for subject {subject}",
            new=new,
        )

    def prune(self, live_ids: Container[int]) -> None:
        """Drop parsed schemas whose ids no longer exist (after a hard delete)."""
        for schema_id in [i for i in self._by_id if i not in live_ids]:
            del self._by_id[schema_id]


def find_version(
    state: RegistryState, subject: str, number: int, *, deleted: bool = False
) -> Version:
    visible = state.versions(subject, deleted=deleted)
    if subject not in state.subjects or not (visible or deleted):
        raise e.subject_not_found(subject)
    if number == LATEST:
        if not visible:
            raise e.version_not_found("latest")
        return visible[-1]
    for v in visible:
        if v.claim.version == number:
            return v
    raise e.version_not_found(number)


def version_json(v: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "subject": v.claim.subject,
        "version": v.claim.version,
        "id": v.claim.schema_id,
        "schema": v.claim.schema,
    }
    return {**out, **schema_extras(v.claim)}


def schema_extras(claim: SchemaClaim) -> dict[str, Any]:
    """The optional parts of a schema answer: references, type, metadata and rule set."""
    out: dict[str, Any] = {}
    if claim.references:
        out["references"] = [r.to_json() for r in claim.references]
    if claim.schema_type != "AVRO":
        out["schemaType"] = claim.schema_type
    if claim.metadata is not None:
        out["metadata"] = claim.metadata
    if claim.rule_set is not None:
        out["ruleSet"] = claim.rule_set
    return out


def with_contract(
    config: SubjectConfig, request: SchemaRequest, previous: SchemaClaim | None
) -> SchemaRequest:
    """Confluent's ``maybeSetMetadataRuleSet``: what the request gives, else the previous
    version's; then merged over the config's defaults and under its overrides."""
    metadata, rule_set = request.metadata, request.rule_set
    if metadata is None and previous is not None:
        metadata = previous.metadata
    if rule_set is None and previous is not None:
        rule_set = previous.rule_set
    merged_metadata = merge_metadata(
        merge_metadata(config.default_metadata, metadata), config.override_metadata
    )
    merged_rules = merge_rule_sets(
        merge_rule_sets(config.default_rule_set, rule_set), config.override_rule_set
    )
    return replace(request, metadata=merged_metadata, rule_set=merged_rules)


def same_group(
    previous: Sequence[Version], group: str | None, metadata: Json | None
) -> list[Version]:
    """Only versions in the new schema's compatibility group (Confluent's
    ``compatibilityGroup``: the versions whose metadata property of that name is equal)."""
    if group is None:
        return list(previous)
    wanted = property_of(metadata, group)
    return [v for v in previous if property_of(v.claim.metadata, group) == wanted]


class SubjectWrites:
    """Register and delete under this instance's write lock, confirmed through the log."""

    def __init__(self, store: RegistryStore, resolver: SchemaResolver) -> None:
        self._store = store
        self._resolver = resolver

    def register(self, subject: str, request: SchemaRequest, *, normalize: bool) -> SchemaClaim:
        """The version now holding the schema (registered now or before)."""
        for _ in range(CLAIM_ATTEMPTS):
            with self._store.writing():
                with self._store.view() as state:
                    outcome = self._attempt(state, subject, request, normalize=normalize)
                if isinstance(outcome, SchemaClaim):
                    return outcome
                key, value, version = outcome
                self._store.append(key, value)  # readers are not blocked while it is written
                with self._store.view() as state:
                    if state.holder_key(subject, version) == key:
                        return state.subjects[subject][version].claim
                self._store.append(key, None)  # tidy our losing claim; then try again
        raise RegistryError(
            Code.STORE_ERROR,
            f"could not register under {subject}: too many concurrent registrations, try again",
        )

    def _attempt(
        self, state: RegistryState, subject: str, request: SchemaRequest, *, normalize: bool
    ) -> SchemaClaim | tuple[bytes, bytes, int]:
        mode = state.effective_mode(subject)
        if mode in ("READONLY", "READONLY_OVERRIDE"):
            raise e.read_only(subject)
        live = state.versions(subject)
        if mode != "IMPORT":
            request = self._contract_filled(state, subject, request, live)
        elif not request.schema:
            raise e.invalid_schema("Empty schema")
        parsed = self._resolver.incoming(state, request, normalize=normalize, subject=subject)
        candidate = self._claim(subject, 0, 0, parsed.text, request)
        identity = candidate.identity
        for v in live:
            if v.claim.identity == identity:
                if request.schema_id is not None and request.schema_id != v.claim.schema_id:
                    raise _id_mismatch(request.schema_id, v.claim.schema_id)
                return v.claim
        known_id = state.ids_by_identity.get(identity)
        imported = mode == "IMPORT"
        if imported:
            if request.schema_id is None:
                raise e.not_permitted(f"Subject {subject} is in import mode: give an id")
            if known_id is not None and known_id != request.schema_id:
                raise _id_mismatch(request.schema_id, known_id)
            taken = state.schemas.get(request.schema_id)
            if taken is not None and taken.identity != identity:
                raise _id_mismatch(request.schema_id, None)
            schema_id = request.schema_id
            version = request.version or state.next_version(subject)
            if version in state.subjects.get(subject, {}):
                raise e.not_permitted(f"Subject {subject} already has version {version}")
        else:
            if request.version is not None and request.version != state.next_version(subject):
                raise e.not_permitted(
                    f"version {request.version} can only be chosen in IMPORT mode"
                )
            schema_id = known_id if known_id is not None else state.next_id()
            if request.schema_id is not None and request.schema_id != schema_id:
                raise _id_mismatch(request.schema_id, schema_id)
            self._check_compatible(state, subject, parsed, request.metadata)
            version = state.next_version(subject)
        claim = self._claim(subject, version, schema_id, parsed.text, request, imported=imported)
        return schema_key(subject, version), encode_claim(claim), version

    @staticmethod
    def _claim(
        subject: str,
        version: int,
        schema_id: int,
        text: str,
        request: SchemaRequest,
        *,
        imported: bool = False,
    ) -> SchemaClaim:
        return SchemaClaim(
            subject,
            version,
            schema_id,
            text,
            request.schema_type,
            request.references,
            imported=imported,
            metadata=request.metadata,
            rule_set=request.rule_set,
        )

    @staticmethod
    def _contract_filled(
        state: RegistryState, subject: str, request: SchemaRequest, live: list[Version]
    ) -> SchemaRequest:
        """Confluent's ``maybePopulateFromPrevious``: an omitted schema is the latest one; the
        metadata and rules come from the request, else the latest version, and the config."""
        previous = live[-1].claim if live else None
        if not request.schema:
            if previous is None:
                raise e.invalid_schema("Empty schema")
            request = replace(
                request,
                schema=previous.schema,
                schema_type=previous.schema_type,
                references=previous.references,
            )
        asked_version = property_of(request.metadata, CONFLUENT_VERSION) is not None
        filled = with_contract(state.config_in_scope(subject), request, previous)
        if request.version is not None or asked_version:
            stamped = with_confluent_version(filled.metadata, state.next_version(subject))
            filled = replace(filled, metadata=stamped)
        return filled

    def _check_compatible(
        self, state: RegistryState, subject: str, new: EngineSchema, metadata: Json | None
    ) -> None:
        level = state.effective_compatibility(subject)
        group = state.config_in_scope(subject).compatibility_group
        previous = same_group(state.versions(subject), group, metadata)
        if level == "NONE" or not previous:
            return
        old = [self._resolver.stored(state, v.claim) for v in previous]
        numbers = [v.claim.version for v in previous]
        ok, messages = self._resolver.engine.check(new, old, level, versions=numbers)
        if not ok:
            raise RegistryError(
                Code.INCOMPATIBLE,
                "Schema being registered is incompatible with an earlier schema for subject "
                f'"{subject}", details: [{", ".join(messages)}]',
            )

    def delete_version(self, subject: str, number: int, *, permanent: bool) -> int:
        with self._store.writing():
            with self._store.view() as state:
                version, appends = self._plan_delete_version(state, subject, number, permanent)
            self._apply(appends)
            return version

    def _plan_delete_version(
        self, state: RegistryState, subject: str, number: int, permanent: bool
    ) -> tuple[int, list[Append]]:
        target = find_version(state, subject, number, deleted=True)
        version = target.claim.version
        if state.effective_mode(subject) in ("READONLY", "READONLY_OVERRIDE"):
            raise e.read_only(subject)
        if state.referenced_by(subject, version):
            raise e.reference_exists(subject, version)
        if permanent:
            if not target.deleted:
                raise e.version_not_soft_deleted(subject, version)
            return version, self._hard_delete(state, subject, version)
        if target.deleted:
            raise e.version_soft_deleted(subject, version)
        return version, [self._soft_delete(target)]

    def delete_subject(self, subject: str, *, permanent: bool) -> list[int]:
        with self._store.writing():
            with self._store.view() as state:
                numbers, appends = self._plan_delete_subject(state, subject, permanent)
            self._apply(appends)
            return numbers

    def _plan_delete_subject(
        self, state: RegistryState, subject: str, permanent: bool
    ) -> tuple[list[int], list[Append]]:
        if subject not in state.subjects:
            raise e.subject_not_found(subject)
        if state.effective_mode(subject) in ("READONLY", "READONLY_OVERRIDE"):
            raise e.read_only(subject)
        everything = state.versions(subject, deleted=True)
        live = [v for v in everything if not v.deleted]
        for v in live:
            if state.referenced_by(subject, v.claim.version):
                raise e.reference_exists(subject, v.claim.version)
        if permanent:
            if live:
                raise e.subject_not_soft_deleted(subject)
            numbers = [v.claim.version for v in everything]
            appends = [a for n in numbers for a in self._hard_delete(state, subject, n)]
            return numbers, appends
        if not live:
            raise e.subject_soft_deleted(subject)
        return [v.claim.version for v in live], [self._soft_delete(v) for v in live]

    def _apply(self, appends: list[Append]) -> None:
        for key, value in appends:
            self._store.append(key, value)
        with self._store.view() as state:
            self._resolver.prune(state.schemas)

    def _soft_delete(self, target: Version) -> Append:
        claim = target.claim
        return target.key, encode_claim(replace(claim, deleted=True))

    def _hard_delete(self, state: RegistryState, subject: str, version: int) -> list[Append]:
        held = state.subjects[subject][version]
        keys = [*sorted(state.losing_keys.get((subject, version), set())), held.key]
        tombstones: list[Append] = [(key, None) for key in keys]
        return tombstones


def _id_mismatch(wanted: int, existing: int | None) -> RegistryError:
    detail = "already used by a different schema" if existing is None else f"has id {existing}"
    return RegistryError(
        Code.ID_DOES_NOT_MATCH, f"Schema id {wanted} does not match: the schema {detail}"
    )
