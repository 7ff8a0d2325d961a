"""Validation of request bodies and path/query values (pure): Confluent's rules and codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventflow.registry.engine import LEVELS
from eventflow.registry.errors import Code, RegistryError, invalid_version
from eventflow.registry.records import Ref

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


def _unprocessable(message: str) -> RegistryError:
    return RegistryError(422, message)


def schema_request(body: Any) -> SchemaRequest:
    if not isinstance(body, dict):
        raise _unprocessable("Unrecognized request body: expected a JSON object")
    schema = body.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise RegistryError(Code.INVALID_SCHEMA, "Empty schema")
    schema_type = body.get("schemaType") or "AVRO"
    if schema_type != "AVRO":
        raise RegistryError(Code.INVALID_SCHEMA, f"Invalid schema type {schema_type}: this "
                            "registry supports AVRO only")  # fmt: skip
    refs_raw = body.get("references") or []
    if not isinstance(refs_raw, list):
        raise _unprocessable("references must be a list")
    refs: list[Ref] = []
    for i, ref in enumerate(refs_raw):
        if (not isinstance(ref, dict) or not isinstance(ref.get("name"), str)
                or not isinstance(ref.get("subject"), str)
                or not isinstance(ref.get("version"), int)):  # fmt: skip
            raise RegistryError(Code.INVALID_SCHEMA,
                                f"Invalid reference at references[{i}]: needs name, subject "
                                "and integer version")  # fmt: skip
        refs.append(Ref(ref["name"], ref["subject"], ref["version"]))
    schema_id = body.get("id")
    version = body.get("version")
    if schema_id is not None and (not isinstance(schema_id, int) or schema_id < 1):
        raise _unprocessable(f"id must be a positive integer, got {schema_id!r}")
    if version is not None and (not isinstance(version, int) or not 1 <= version <= MAX_VERSION):
        raise invalid_version(version)
    return SchemaRequest(schema, schema_type, tuple(refs), schema_id, version)


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


def compatibility_level(body: Any) -> str:
    level = body.get("compatibility") if isinstance(body, dict) else None
    if not isinstance(level, str) or level.upper() not in LEVELS:
        raise RegistryError(
            Code.INVALID_COMPATIBILITY_LEVEL,
            "Invalid compatibility level. Valid values are none, backward, forward, full, "
            "backward_transitive, forward_transitive, and full_transitive",
        )
    return level.upper()


def mode_value(body: Any) -> str:
    mode = body.get("mode") if isinstance(body, dict) else None
    if not isinstance(mode, str) or mode.upper() not in MODES:
        raise RegistryError(
            Code.INVALID_MODE,
            "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT.",
        )
    return mode.upper()


def flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "false").lower() == "true"


def schema_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise RegistryError(Code.SCHEMA_NOT_FOUND, "Schema not found") from None
