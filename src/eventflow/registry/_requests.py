"""Validation of request bodies and path/query values (pure): Confluent's rules and codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventflow.registry._data_contracts import Json, requested_metadata, requested_rule_set
from eventflow.registry._errors import Code, RegistryError, invalid_version
from eventflow.registry._records import Ref

MODES = ("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT")
MAX_VERSION = 2**31 - 1
LATEST = -1


@dataclass(frozen=True)
class SchemaRequest:
    schema: str
    schema_type: str
    references: tuple[Ref, ...]
    schema_id: int | None = None
    version: int | None = None
    metadata: Json | None = None  # canonical; None: not given (the registry may fill it)
    rule_set: Json | None = None


def _unprocessable(message: str) -> RegistryError:
    return RegistryError(422, message)


def schema_request(body: Any, *, empty_allowed: bool = False) -> SchemaRequest:
    """``empty_allowed``: a registration may omit the schema to re-register the latest one
    with other metadata or rules (Confluent fills it from the previous version); ``schema``
    is then ``""``."""
    if not isinstance(body, dict):
        raise _unprocessable("Unrecognized request body: expected a JSON object")
    schema = body.get("schema")
    if empty_allowed and (schema is None or (isinstance(schema, str) and not schema.strip())):
        schema = ""
    elif not isinstance(schema, str) or not schema.strip():
        raise RegistryError(Code.INVALID_SCHEMA, "Empty schema")
    schema_type = body.get("schemaType") or "AVRO"
    if schema_type != "AVRO":
        raise RegistryError(
            Code.INVALID_SCHEMA,
            f"Invalid schema type {schema_type}: this registry supports AVRO only",
        )
    refs_raw = body.get("references") or []
    if not isinstance(refs_raw, list):
        raise _unprocessable("references must be a list")
    refs: list[Ref] = []
    for i, ref in enumerate(refs_raw):
        if (
            not isinstance(ref, dict)
            or not isinstance(ref.get("name"), str)
            or not isinstance(ref.get("subject"), str)
            or not isinstance(ref.get("version"), int)
        ):
            raise RegistryError(
                Code.INVALID_SCHEMA,
                f"Invalid reference at references[{i}]: needs name, subject and integer version",
            )
        refs.append(Ref(ref["name"], ref["subject"], ref["version"]))
    schema_id = body.get("id")
    version = body.get("version")
    if schema_id is not None and (not isinstance(schema_id, int) or schema_id < 1):
        raise _unprocessable(f"id must be a positive integer, got {schema_id!r}")
    if version is not None and (not isinstance(version, int) or not 1 <= version <= MAX_VERSION):
        raise invalid_version(version)
    metadata = requested_metadata(body.get("metadata"))
    rule_set = requested_rule_set(body.get("ruleSet"))
    return SchemaRequest(schema, schema_type, tuple(refs), schema_id, version, metadata, rule_set)


def version_number(raw: str) -> int:
    """``latest``/``-1`` → LATEST; 1..2^31-1 → itself; anything else → 42202."""
    if raw == "latest":
        return LATEST
    try:
        number = int(raw)
    except ValueError:
        raise invalid_version(raw) from None
    if number == LATEST:
        return LATEST
    if not 1 <= number <= MAX_VERSION:
        raise invalid_version(raw)
    return number


def mode_value(body: Any) -> str:
    mode = body.get("mode") if isinstance(body, dict) else None
    if not isinstance(mode, str) or mode.upper() not in MODES:
        raise RegistryError(
            Code.INVALID_MODE,
            "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT.",
        )
    return mode.upper()


class Query(dict[str, str]):
    """Query parameters: the last value of each name, and :meth:`every` value of a repeated one
    (``/subjects/{s}/metadata?key=a&value=1&key=b&value=2``)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = list(pairs)

    def every(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]


def every(query: dict[str, str], name: str) -> list[str]:
    if isinstance(query, Query):
        return query.every(name)
    return [query[name]] if name in query else []


def flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "false").lower() == "true"


def schema_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise RegistryError(Code.SCHEMA_NOT_FOUND, "Schema not found") from None
