"""The registry's in-memory view, built only by applying log records in log order (pure).

Every instance applies the same log with the same rules, so every instance reaches the same
view, including which of two racing claims won (see ADR 0004):

* a claim for ``subject`` version ``v`` is accepted only if no other claim holds that slot and
  ``v`` is the subject's next version (max + 1), unless the claim is an IMPORT;
* its ``id`` must be the id the same schema already has, or an id no other schema has;
* a later record under the *winning* key updates it (soft delete); a tombstone of the winning
  key removes the version (hard delete); records under losing keys change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from eventflow.registry._records import CONFIG, MODE, SCHEMA, LogRecord, SchemaClaim, decode_claim
from eventflow.registry._subject_config import SubjectConfig, in_scope

DEFAULT_MODE = "READWRITE"


@dataclass(frozen=True)
class Version:
    claim: SchemaClaim
    key: bytes

    @property
    def deleted(self) -> bool:
        return self.claim.deleted


@dataclass
class RegistryState:
    """Mutable view; only :meth:`apply` changes it."""

    subjects: dict[str, dict[int, Version]] = field(default_factory=dict)
    schemas: dict[int, SchemaClaim] = field(default_factory=dict)
    ids_by_identity: dict[str, int] = field(default_factory=dict)
    configs: dict[str | None, SubjectConfig] = field(default_factory=dict)
    modes: dict[str | None, str] = field(default_factory=dict)
    max_id: int = 0
    losing_keys: dict[tuple[str, int], set[bytes]] = field(default_factory=dict)
    applied: int = 0

    # -- applying ---------------------------------------------------------------------------

    def apply_all(self, records: Iterable[LogRecord]) -> None:
        for record in records:
            self.apply(record)

    def apply(self, record: LogRecord) -> None:
        self.applied += 1
        if record.keytype == CONFIG:
            config = SubjectConfig.from_record(record.value)
            if config is None:
                self.configs.pop(record.subject, None)
            else:
                self.configs[record.subject] = config
        elif record.keytype == MODE:
            self._set_or_clear(self.modes, record.subject, record.value, "mode")
        elif record.keytype == SCHEMA:
            self._apply_schema(record)

    @staticmethod
    def _set_or_clear(
        target: dict[str | None, str], subject: str | None, value: object, field_name: str
    ) -> None:
        if isinstance(value, dict) and isinstance(value.get(field_name), str):
            target[subject] = value[field_name]
        else:
            target.pop(subject, None)

    def _apply_schema(self, record: LogRecord) -> None:
        if record.subject is None or record.version is None:
            return
        subject, version = record.subject, record.version
        versions = self.subjects.get(subject, {})
        holder = versions.get(version)
        if record.value is None:
            if holder is not None and holder.key == record.key:
                self._remove_version(subject, version)
            else:
                self.losing_keys.get((subject, version), set()).discard(record.key)
            return
        try:
            claim = decode_claim(record.value)
        except (KeyError, TypeError, ValueError):
            return
        if holder is not None:
            if holder.key == record.key and claim.schema == holder.claim.schema:
                versions[version] = Version(claim, record.key)
            elif holder.key != record.key:
                self.losing_keys.setdefault((subject, version), set()).add(record.key)
            return
        if claim.subject != subject or claim.version != version or not self._claim_valid(claim):
            self.losing_keys.setdefault((subject, version), set()).add(record.key)
            return
        self.subjects.setdefault(subject, {})[version] = Version(claim, record.key)
        self.schemas.setdefault(claim.schema_id, claim)  # only its text, type and refs are read
        self.ids_by_identity.setdefault(claim.identity, claim.schema_id)
        self.max_id = max(self.max_id, claim.schema_id)

    def _claim_valid(self, claim: SchemaClaim) -> bool:
        identity = claim.identity
        known_id = self.ids_by_identity.get(identity)
        if known_id is not None and known_id != claim.schema_id:
            return False
        existing = self.schemas.get(claim.schema_id)
        if existing is not None and existing.identity != identity:
            return False
        versions = self.subjects.get(claim.subject, {})
        if claim.imported:
            return True
        if claim.version != max(versions, default=0) + 1:
            return False
        return not any(not v.deleted and v.claim.identity == identity for v in versions.values())

    def _remove_version(self, subject: str, version: int) -> None:
        versions = self.subjects[subject]
        removed = versions.pop(version)
        if not versions:
            del self.subjects[subject]
        schema_id = removed.claim.schema_id
        still_used = any(
            v.claim.schema_id == schema_id for vs in self.subjects.values() for v in vs.values()
        )
        if not still_used:
            gone = self.schemas.pop(schema_id, None)
            if gone is not None:
                self.ids_by_identity.pop(gone.identity, None)

    # -- reading ----------------------------------------------------------------------------

    def holder_key(self, subject: str, version: int) -> bytes | None:
        held = self.subjects.get(subject, {}).get(version)
        return None if held is None else held.key

    def versions(self, subject: str, *, deleted: bool = False) -> list[Version]:
        return [
            v for _, v in sorted(self.subjects.get(subject, {}).items()) if deleted or not v.deleted
        ]

    def subject_names(self, *, deleted: bool = False) -> list[str]:
        return sorted(s for s in self.subjects if deleted or self.versions(s))

    def next_version(self, subject: str) -> int:
        return max(self.subjects.get(subject, {}), default=0) + 1

    def next_id(self) -> int:
        return self.max_id + 1

    def config(self, subject: str | None) -> SubjectConfig | None:
        """The config set at this level (``None``: global), if any."""
        return self.configs.get(subject)

    def compatibility(self, subject: str | None) -> str | None:
        own = self.configs.get(subject)
        return None if own is None else own.compatibility_level

    def config_in_scope(self, subject: str | None) -> SubjectConfig:
        own = None if subject is None else self.configs.get(subject)
        return in_scope(self.configs.get(None), own)

    def effective_compatibility(self, subject: str) -> str:
        return self.config_in_scope(subject).compatibility_level or "BACKWARD"

    def mode(self, subject: str | None) -> str | None:
        return self.modes.get(subject)

    def effective_mode(self, subject: str | None) -> str:
        if subject is not None and subject in self.modes:
            return self.modes[subject]
        return self.modes.get(None, DEFAULT_MODE)

    def uses_of(self, schema_id: int, *, deleted: bool = False) -> list[tuple[str, int]]:
        return sorted(
            (subject, number)
            for subject, versions in self.subjects.items()
            for number, v in versions.items()
            if v.claim.schema_id == schema_id and (deleted or not v.deleted)
        )

    def referenced_by(self, subject: str, version: int) -> list[int]:
        return sorted(
            {
                v.claim.schema_id
                for versions in self.subjects.values()
                for v in versions.values()
                if not v.deleted
                and any(r.subject == subject and r.version == version for r in v.claim.references)
            }
        )
