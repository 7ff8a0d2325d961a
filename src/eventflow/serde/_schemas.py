"""Writer schemas by registry id, resolved through Confluent references and cached."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventflow.contracts import ParsedSchema, SchemaParseError, parse_schema
from eventflow.errors import EventFlowError
from eventflow.serde._avro_json import collect_named_types, inline_references
from eventflow.serde._errors import SchemaMismatch, UnknownSchemaId
from eventflow.serde._lookup import SchemaLookup, SchemaReferenceLike, is_not_found
from eventflow.serde.avro import SchemaValues, compile_values


@dataclass(frozen=True, slots=True)
class SchemaCodec:
    """One Avro schema ready to encode (the value engine) and decode (fastavro)."""

    avro: Any  # self-contained schema JSON (logical types kept)
    fastavro: Any  # fastavro's parsed form of ``avro``
    root: str  # simple name of the top-level type, the first segment of error paths
    fingerprint: int
    values: SchemaValues  # the value engine of this schema: writer, checks, reader

    @classmethod
    def from_json(cls, avro: Any, fingerprint: int) -> SchemaCodec:
        name = avro.get("name", "") if isinstance(avro, dict) else ""
        node = parse_schema(json.dumps(avro), validate_defaults=False).root
        values = compile_values(node, avro)
        root = str(name).rpartition(".")[2] or "value"
        return cls(avro, values.fastavro_schema, root, fingerprint, values)


@dataclass(frozen=True, slots=True)
class WriterSchema:
    """A registered schema: its id, the contracts view and the codec."""

    schema_id: int
    parsed: ParsedSchema
    codec: SchemaCodec


@dataclass(frozen=True, slots=True)
class _Resolved:
    parsed: ParsedSchema
    named: dict[str, Any]  # every named type visible to it (its references' included)
    closure: tuple[ParsedSchema, ...]  # its references, transitively, dependencies first


class RegistrySchemas:
    """Fetches schemas by id (and their references by subject version) once, then caches."""

    def __init__(self, lookup: SchemaLookup) -> None:
        self._lookup = lookup
        self._by_id: dict[int, WriterSchema] = {}
        self._refs: dict[tuple[str, int], _Resolved] = {}

    def by_id(self, schema_id: int, *, raw: bytes | None = None) -> WriterSchema:
        cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        try:
            registered = self._lookup.get_schema(schema_id)
        except EventFlowError as exc:
            if is_not_found(exc):
                raise UnknownSchemaId(
                    f"schema id {schema_id} is not known to the schema registry",
                    raw=raw,
                    schema_id=schema_id,
                ) from exc
            raise
        try:
            resolved = self._resolve(
                registered.schema, registered.references, f"registry schema id {schema_id}"
            )
        except SchemaParseError as exc:
            raise SchemaMismatch(
                f"registry schema id {schema_id} is not a valid Avro schema: {exc}",
                raw=raw,
                schema_id=schema_id,
            ) from exc
        try:
            avro = inline_references(resolved.parsed.json, resolved.named)
            codec = SchemaCodec.from_json(avro, resolved.parsed.fingerprint)
        except Exception as exc:
            raise SchemaMismatch(
                f"registry schema id {schema_id} cannot be used by fastavro: {exc}",
                raw=raw,
                schema_id=schema_id,
            ) from exc
        writer = WriterSchema(schema_id, resolved.parsed, codec)
        self._by_id[schema_id] = writer
        return writer

    def _resolve(
        self, text: str, references: Sequence[SchemaReferenceLike], source: str
    ) -> _Resolved:
        closure: list[ParsedSchema] = []
        named: dict[str, Any] = {}
        for ref in references:
            dep = self._reference(ref)
            for item in (*dep.closure, dep.parsed):
                if item not in closure:
                    closure.append(item)
            named.update(dep.named)
        parsed = parse_schema(text, source=source, references=tuple(closure))
        named.update(collect_named_types(parsed.json))
        return _Resolved(parsed, named, tuple(closure))

    def _reference(self, ref: SchemaReferenceLike) -> _Resolved:
        key = (ref.subject, ref.version)
        cached = self._refs.get(key)
        if cached is None:
            registered = self._lookup.get_version(ref.subject, ref.version)
            cached = self._resolve(
                registered.schema, registered.references, f"{ref.subject} v{ref.version}"
            )
            self._refs[key] = cached
        return cached


def codec_for_json_text(text: str, fingerprint: int) -> SchemaCodec:
    """A codec for a self-contained schema JSON text (e.g. a generated class's)."""
    return SchemaCodec.from_json(json.loads(text), fingerprint)


def self_contained(schema: ParsedSchema) -> Any:
    """The JSON of a schema that defines every named type it uses (no foreign references)."""
    foreign = sorted(set(schema.types) - set(schema.named_types))
    if foreign:
        raise SchemaMismatch(
            f"schema {schema.fullname} ({schema.source}) uses {', '.join(foreign)} defined in "
            "other schemas; pass the generated class, or a schema with those types inlined"
        )
    return schema.json
