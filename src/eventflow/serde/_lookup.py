"""What serde needs from a schema registry client: exactly the methods it calls.

``eventflow.registry._client.RegistryClient`` fits these protocols; unit tests use a fake.
A client signals "not found" by raising an :class:`~eventflow.errors.EventFlowError` whose
``http_status`` is 404 (Confluent codes 40401/40402/40403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class SchemaReferenceLike(Protocol):
    """A Confluent schema reference: a type ``name`` defined in ``subject`` at ``version``."""

    @property
    def name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def version(self) -> int: ...


class RegisteredSchemaLike(Protocol):
    """A schema as the registry returns it."""

    @property
    def schema_id(self) -> int: ...
    @property
    def schema(self) -> str: ...
    @property
    def references(self) -> Sequence[SchemaReferenceLike]: ...


class SchemaLookup(Protocol):
    """Read side of a registry: schemas by id, a subject's versions, and id of a given schema."""

    def get_schema(self, schema_id: int) -> RegisteredSchemaLike: ...

    def get_version(self, subject: str, version: int | str = "latest") -> RegisteredSchemaLike: ...

    def list_versions(self, subject: str) -> list[int]: ...

    def lookup(
        self, subject: str, schema: str, references: Sequence[Any] = ()
    ) -> RegisteredSchemaLike: ...


class SchemaRegistrar(SchemaLookup, Protocol):
    """A registry that can also register (used only when ``auto_register=True``)."""

    def register(
        self, subject: str, schema: str, references: Sequence[Any] = (), *, normalize: bool = False
    ) -> int: ...


def is_not_found(exc: BaseException) -> bool:
    """True when a registry client error means 404 (no such schema, subject or version)."""
    return getattr(exc, "http_status", None) == 404
