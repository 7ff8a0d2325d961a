"""An in-memory registry that fits ``eventflow.serde.SchemaLookup`` (unit tests only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eventflow.errors import EventFlowError


class NotFound(EventFlowError):
    http_status = 404


@dataclass(frozen=True)
class Ref:
    name: str
    subject: str
    version: int


@dataclass(frozen=True)
class Registered:
    schema_id: int
    subject: str | None
    version: int | None
    schema: str
    references: tuple[Ref, ...] = ()


@dataclass
class FakeRegistry:
    by_id: dict[int, Registered] = field(default_factory=dict)
    subjects: dict[str, list[Registered]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def register(
        self, subject: str, schema: str, references: Sequence[Ref] = (), *, normalize: bool = False
    ) -> int:
        self.calls.append(f"register {subject}")
        for item in self.by_id.values():
            if item.schema == schema and item.references == tuple(references):
                schema_id = item.schema_id
                break
        else:
            schema_id = len(self.by_id) + 1
        versions = self.subjects.setdefault(subject, [])
        entry = Registered(schema_id, subject, len(versions) + 1, schema, tuple(references))
        versions.append(entry)
        self.by_id.setdefault(schema_id, entry)
        return schema_id

    def get_schema(self, schema_id: int) -> Registered:
        self.calls.append(f"get_schema {schema_id}")
        if schema_id not in self.by_id:
            raise NotFound(f"schema {schema_id} not found")
        return self.by_id[schema_id]

    def get_version(self, subject: str, version: int | str = "latest") -> Registered:
        self.calls.append(f"get_version {subject} {version}")
        versions = self.subjects.get(subject)
        if not versions:
            raise NotFound(f"subject {subject} not found")
        return versions[-1] if version == "latest" else versions[int(version) - 1]

    def list_versions(self, subject: str) -> list[int]:
        self.calls.append(f"list_versions {subject}")
        versions = self.subjects.get(subject)
        if not versions:
            raise NotFound(f"subject {subject} not found")
        return [entry.version for entry in versions if entry.version is not None]

    def lookup(self, subject: str, schema: str, references: Sequence[Ref] = ()) -> Registered:
        self.calls.append(f"lookup {subject}")
        for item in self.subjects.get(subject, []):
            if item.schema == schema:
                return item
        raise NotFound(f"schema not found under {subject}")
