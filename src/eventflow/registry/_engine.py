"""The schema engine the registry uses: parsing and compatibility, from ``eventflow.contracts``.

The registry never judges Avro itself; it asks the contracts engine (the same one the offline
``eventflow schema check`` uses), so the registry and the CI gate always agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from eventflow.contracts import (
    CompatibilityLevel,
    SchemaParseError,
    check_compatibility,
    confluent_messages,
    parse_schema,
)
from eventflow.registry._errors import Code, RegistryError, invalid_schema

LEVELS = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)


@dataclass(frozen=True)
class EngineSchema:
    """A parsed schema: ``text`` is what the registry stores and returns."""

    text: str
    parsed: Any


class SchemaEngine(Protocol):
    def parse(
        self,
        text: str,
        references: Sequence[EngineSchema],
        *,
        normalize: bool,
        source: str,
        new: bool = False,
    ) -> EngineSchema:
        """``new``: a schema being registered or checked (not one the registry holds)."""
        ...

    def check(
        self,
        new: EngineSchema,
        previous_oldest_first: Sequence[EngineSchema],
        level: str,
        *,
        versions: Sequence[int] = (),
    ) -> tuple[bool, list[str]]:
        """``versions``: the subject version of each previous schema, for the messages."""
        ...


def compact_json(text: str) -> str:
    """The stored form of a schema: the same JSON without insignificant whitespace."""
    try:
        return orjson.dumps(orjson.loads(text)).decode()
    except orjson.JSONDecodeError as exc:
        raise invalid_schema(f"not valid JSON: {exc}") from exc


class ContractsEngine:
    """:class:`SchemaEngine` backed by ``eventflow.contracts`` (parse + compatibility).

    ``validate_defaults`` is Confluent's ``avro.validate.defaults`` (off by default, as there):
    when on, the field defaults of a *new* schema must match their types; schemas the registry
    already holds are never re-judged on their defaults.
    """

    def __init__(self, *, validate_defaults: bool = False) -> None:
        self.validate_defaults = validate_defaults

    def parse(
        self,
        text: str,
        references: Sequence[EngineSchema],
        *,
        normalize: bool,
        source: str,
        new: bool = False,
    ) -> EngineSchema:
        try:
            parsed = parse_schema(
                text,
                source=source,
                references=tuple(r.parsed for r in references),
                validate_defaults=new and self.validate_defaults,
            )
        except SchemaParseError as exc:
            raise invalid_schema(str(exc)) from exc
        stored = compact_json(text)
        if normalize:  # same meaning, one spelling: object keys sorted (field order kept)
            stored = orjson.dumps(orjson.loads(stored), option=orjson.OPT_SORT_KEYS).decode()
        return EngineSchema(stored, parsed)

    def check(
        self,
        new: EngineSchema,
        previous_oldest_first: Sequence[EngineSchema],
        level: str,
        *,
        versions: Sequence[int] = (),
    ) -> tuple[bool, list[str]]:
        if level not in LEVELS:
            raise RegistryError(Code.INVALID_COMPATIBILITY_LEVEL, f"unknown level {level}")
        chosen = CompatibilityLevel(level)
        previous = [p.parsed for p in previous_oldest_first]
        result = check_compatibility(new.parsed, previous, chosen)
        if result.compatible:
            return True, []
        messages = confluent_messages(result, level=chosen, previous=previous)
        if versions:  # the engine numbers by position; Confluent names the subject version
            messages = [_OLD_VERSION.sub(lambda m: _real_version(m, versions), m) for m in messages]
        return False, messages


_OLD_VERSION = re.compile(r"\{oldSchemaVersion: (\d+)\}")


def _real_version(match: re.Match[str], versions: Sequence[int]) -> str:
    position = int(match.group(1))
    if 1 <= position <= len(versions):
        return f"{{oldSchemaVersion: {versions[position - 1]}}}"
    return match.group(0)
