"""The registry controller: one method per REST operation, returning JSON-ready values.

Routers parse HTTP and call these; these validate (``requests``), read the state under the
store's view lock, and delegate writes to :class:`SubjectWrites` or config/mode records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from eventflow.registry import _errors as e
from eventflow.registry import _requests as rq
from eventflow.registry._engine import SchemaEngine
from eventflow.registry._errors import Code, RegistryError
from eventflow.registry._records import config_key, mode_key
from eventflow.registry._state import RegistryState, Version
from eventflow.registry._store import RegistryStore
from eventflow.registry._subject_config import SubjectConfig, config_changes
from eventflow.registry._subjects import (
    Append,
    SchemaResolver,
    SubjectWrites,
    find_version,
    same_group,
    schema_extras,
    version_json,
    with_contract,
)


class RegistryController:
    def __init__(self, store: RegistryStore, engine: SchemaEngine) -> None:
        self.store = store
        self.resolver = SchemaResolver(engine)
        self.writes = SubjectWrites(store, self.resolver)

    # -- subjects ----------------------------------------------------------------------------

    def list_subjects(self, query: dict[str, str]) -> list[str]:
        prefix = query.get("subjectPrefix", "")
        with self.store.view() as state:
            if rq.flag(query, "deletedOnly"):
                names = [s for s in state.subject_names(deleted=True) if not state.versions(s)]
            else:
                names = state.subject_names(deleted=rq.flag(query, "deleted"))
        return [n for n in names if n.startswith(prefix)]

    def list_versions(self, subject: str, query: dict[str, str]) -> list[int]:
        deleted = rq.flag(query, "deleted")
        with self.store.view() as state:
            versions = state.versions(subject, deleted=deleted)
            if not versions:
                raise e.subject_not_found(subject)
            return [v.claim.version for v in versions]

    def get_version(self, subject: str, raw: str, query: dict[str, str]) -> dict[str, Any]:
        number = rq.version_number(raw)
        with self.store.view() as state:
            return version_json(
                find_version(state, subject, number, deleted=rq.flag(query, "deleted"))
            )

    def get_version_schema(self, subject: str, raw: str, query: dict[str, str]) -> Any:
        return orjson.loads(self.get_version(subject, raw, query)["schema"])

    def referenced_by(self, subject: str, raw: str) -> list[int]:
        number = rq.version_number(raw)
        with self.store.view() as state:
            found = find_version(state, subject, number)
            return state.referenced_by(subject, found.claim.version)

    def register(self, subject: str, body: Any, query: dict[str, str]) -> dict[str, Any]:
        request = rq.schema_request(body, empty_allowed=True)
        claim = self.writes.register(subject, request, normalize=rq.flag(query, "normalize"))
        as_asked = (claim.metadata, claim.rule_set) == (request.metadata, request.rule_set)
        if as_asked and request.schema:
            return {"id": claim.schema_id}
        # the registry filled in the schema or the contract: answer with what it stored
        stored = {"id": claim.schema_id, "version": claim.version, "schema": claim.schema}
        return {**stored, **schema_extras(claim)}

    def lookup(self, subject: str, body: Any, query: dict[str, str]) -> dict[str, Any]:
        """The version holding this schema; its metadata and rules count, as in Confluent, and
        when the request has none the latest version's (and the config's) are tried too."""
        request = rq.schema_request(body)
        deleted = rq.flag(query, "deleted")
        with self.store.view() as state:
            if subject not in state.subjects or not (state.versions(subject) or deleted):
                raise e.subject_not_found(subject)
            parsed = self.resolver.incoming(
                state, request, normalize=rq.flag(query, "normalize"), subject=subject, new=False
            )
            candidates = state.versions(subject, deleted=deleted)
            tries = [request]
            live = state.versions(subject)
            if live:
                filled = with_contract(state.config_in_scope(subject), request, live[-1].claim)
                if filled != request:
                    tries.append(filled)
            for attempt in tries:
                wanted = (parsed.text, attempt.references, attempt.metadata, attempt.rule_set)
                for v in reversed(candidates):
                    claim = v.claim
                    if (claim.schema, claim.references, claim.metadata, claim.rule_set) == wanted:
                        return version_json(v)
        raise e.schema_not_found()

    def latest_with_metadata(self, subject: str, query: dict[str, str]) -> dict[str, Any]:
        """``GET /subjects/{s}/metadata?key=k&value=v...``: the newest version whose metadata
        properties include every given pair."""
        wanted = dict(zip(rq.every(query, "key"), rq.every(query, "value"), strict=False))
        deleted = rq.flag(query, "deleted")
        with self.store.view() as state:
            versions = state.versions(subject, deleted=deleted)
            for v in reversed(versions):
                properties = (v.claim.metadata or {}).get("properties", {})
                if v.claim.metadata is not None and all(
                    properties.get(k) == value for k, value in wanted.items()
                ):
                    return version_json(v)
            if not versions:
                raise e.subject_not_found(subject)
        raise e.schema_not_found()

    def delete_subject(self, subject: str, query: dict[str, str]) -> list[int]:
        return self.writes.delete_subject(subject, permanent=rq.flag(query, "permanent"))

    def delete_version(self, subject: str, raw: str, query: dict[str, str]) -> int:
        number = rq.version_number(raw)
        return self.writes.delete_version(subject, number, permanent=rq.flag(query, "permanent"))

    # -- schemas by id -----------------------------------------------------------------------

    def schema_by_id(self, raw: str) -> dict[str, Any]:
        schema_id = rq.schema_id(raw)
        with self.store.view() as state:
            claim = state.schemas.get(schema_id)
            if claim is None:
                raise e.schema_not_found()
            return {"schema": claim.schema, **schema_extras(claim)}

    def schema_text_by_id(self, raw: str) -> Any:
        return orjson.loads(self.schema_by_id(raw)["schema"])

    def subjects_by_id(self, raw: str, query: dict[str, str]) -> list[str]:
        return sorted({s for s, _ in self._uses(raw, query)})

    def versions_by_id(self, raw: str, query: dict[str, str]) -> list[dict[str, Any]]:
        return [{"subject": s, "version": v} for s, v in self._uses(raw, query)]

    def _uses(self, raw: str, query: dict[str, str]) -> list[tuple[str, int]]:
        schema_id = rq.schema_id(raw)
        with self.store.view() as state:
            if schema_id not in state.schemas:
                raise e.schema_not_found()
            return state.uses_of(schema_id, deleted=rq.flag(query, "deleted"))

    # -- compatibility -----------------------------------------------------------------------

    def check_compatibility(
        self, subject: str, raw: str | None, body: Any, query: dict[str, str]
    ) -> dict[str, Any]:
        request = rq.schema_request(body)
        number = None if raw is None else rq.version_number(raw)
        with self.store.view() as state:
            new = self.resolver.incoming(
                state, request, normalize=rq.flag(query, "normalize"), subject=subject
            )
            level = state.effective_compatibility(subject)
            group = state.config_in_scope(subject).compatibility_group
            chosen = self._against(state, subject, number)
            chosen = same_group(chosen, group, request.metadata)
            against = [self.resolver.stored(state, v.claim) for v in chosen]
            numbers = [v.claim.version for v in chosen]
            ok, messages = (
                (True, [])
                if not against or level == "NONE"
                else (self.resolver.engine.check(new, against, level, versions=numbers))
            )
        out: dict[str, Any] = {"is_compatible": ok}
        if rq.flag(query, "verbose"):
            out["messages"] = messages
        return out

    @staticmethod
    def _against(state: RegistryState, subject: str, number: int | None) -> list[Version]:
        live = state.versions(subject)
        if number is None:  # all versions: the group, then the level decide which ones matter
            chosen = live
        elif number == rq.LATEST:
            chosen = live[-1:]
        else:
            if not live:
                raise e.subject_not_found(subject)
            chosen = [find_version(state, subject, number)]
        return chosen

    # -- config and mode ---------------------------------------------------------------------

    def get_config(self, subject: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self.store.view() as state:
            own = state.config(subject)
            if subject is None or rq.flag(query, "defaultToGlobal"):
                return state.config_in_scope(subject).to_json()
            if own is None:
                raise RegistryError(
                    Code.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                    f"Subject '{subject}' does not have subject-level compatibility configured",
                )
            return own.to_json()

    def put_config(self, subject: str | None, body: Any) -> dict[str, Any]:
        changes = config_changes(body)
        written: list[SubjectConfig] = []

        def decide(state: RegistryState) -> Append | None:
            if subject is not None and state.effective_mode(subject) == "READONLY":
                raise e.read_only(subject)
            current = state.config(subject)
            wanted = (current or SubjectConfig()).updated(changes)
            written.append(wanted)
            if current == wanted:
                return None
            return config_key(subject), orjson.dumps(wanted.to_json())

        self._write_if(decide)
        return written[0].update_answer()

    def delete_config(self, subject: str | None) -> dict[str, Any]:
        previous: list[SubjectConfig] = []

        def decide(state: RegistryState) -> Append | None:
            if subject is not None and subject not in state.subjects:
                raise e.subject_not_found(subject)
            current = state.config(subject)
            previous.append(current or SubjectConfig(compatibility_level="BACKWARD"))
            return None if current is None else (config_key(subject), None)

        self._write_if(decide)
        return previous[0].to_json()

    def _write_if(self, decide: Callable[[RegistryState], Append | None]) -> None:
        """Decide under the view, then append (if anything) outside it, holding the write lock."""
        with self.store.writing():
            with self.store.view() as state:
                record = decide(state)
            if record is not None:
                self.store.append(*record)

    def get_mode(self, subject: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self.store.view() as state:
            mode = state.mode(subject)
            if mode is None:
                if subject is not None and not rq.flag(query, "defaultToGlobal"):
                    raise RegistryError(
                        Code.SUBJECT_LEVEL_MODE_NOT_CONFIGURED,
                        f"Subject '{subject}' does not have subject-level mode configured",
                    )
                mode = state.effective_mode(None)
        return {"mode": mode}

    def put_mode(self, subject: str | None, body: Any, query: dict[str, str]) -> dict[str, Any]:
        mode = rq.mode_value(body)

        def decide(state: RegistryState) -> Append | None:
            if mode == "IMPORT" and not rq.flag(query, "force"):
                has_schemas = (
                    bool(state.versions(subject, deleted=True))
                    if subject is not None
                    else bool(state.subjects)
                )
                if has_schemas:
                    raise e.not_permitted("Cannot import since found existing subjects")
            if state.mode(subject) == mode:
                return None
            return mode_key(subject), orjson.dumps({"mode": mode})

        self._write_if(decide)
        return {"mode": mode}

    def delete_mode(self, subject: str) -> dict[str, Any]:
        previous: list[str] = []

        def decide(state: RegistryState) -> Append | None:
            current = state.mode(subject)
            if current is None:
                raise e.subject_not_found(subject)
            previous.append(current)
            return mode_key(subject), None

        self._write_if(decide)
        return {"mode": previous[0]}
