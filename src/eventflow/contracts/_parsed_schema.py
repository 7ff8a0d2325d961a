"""``parse_schema``: JSON text in, a validated :class:`ParsedSchema` out (pure, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from eventflow.contracts._avro_model import AvroNode
from eventflow.contracts._canonical import canonical_form, rabin_fingerprint64
from eventflow.contracts._json_positions import scan_positions
from eventflow.contracts._schema_errors import SchemaParseError
from eventflow.contracts._schema_parser import SchemaGraphBuilder
from eventflow.contracts._schema_resolution import InvalidSchema

__all__ = ["ParsedSchema", "parse_schema"]


@dataclass(frozen=True)
class ParsedSchema:
    """A parsed, validated Avro schema and everything needed to report on it."""

    source: str
    text: str
    json: Any
    fullname: str | None
    named_types: Mapping[str, Any]
    root: AvroNode = field(repr=False, compare=False)
    # every named type usable by name from this schema (its own and its references')
    types: Mapping[str, AvroNode] = field(repr=False, compare=False)
    # identity of the schema for caches: its text and its references' texts
    identity: tuple[str, ...] = field(default=(), repr=False, compare=False)
    has_field_aliases: bool = field(default=False, repr=False, compare=False)
    # text of every schema this one draws named types from (its references', transitively)
    reference_texts: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def canonical(self) -> str:
        """Avro Parsing Canonical Form (references inlined), computed on first use."""
        return canonical_form(self.root)

    @cached_property
    def fingerprint(self) -> int:
        """CRC-64-AVRO (Rabin) of ``canonical``, as Java's ``SchemaNormalization``."""
        return rabin_fingerprint64(self.canonical.encode("utf-8"))

    @cached_property
    def _positions(self) -> dict[str, tuple[int, int]]:
        return scan_positions(self.text)

    def locate(self, pointer: str) -> tuple[int, int] | None:
        """1-based (line, column) where the value at JSON ``pointer`` starts in ``text``."""
        return self._positions.get(pointer)

    def locate_in(self, source: str, pointer: str) -> tuple[int, int] | None:
        """Like :meth:`locate`, in this schema's text or in one of its references' texts."""
        if source == self.source:
            return self.locate(pointer)
        positions = self._reference_positions.get(source)
        if positions is None:
            text = self.reference_texts.get(source)
            if text is None:
                return None
            positions = self._reference_positions[source] = scan_positions(text)
        return positions.get(pointer)

    @cached_property
    def _reference_positions(self) -> dict[str, dict[str, tuple[int, int]]]:
        return {}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _constant_position(text: str, constant: str) -> tuple[int | None, int | None]:
    """Where a NaN/Infinity literal (rejected like Java's parser does) starts."""
    line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    for line, column in sorted(scan_positions(text).values()):
        offset = line_starts[line - 1] + column - 1
        if text.startswith(constant, offset) or text.startswith("-" + constant, offset):
            return line, column
    return None, None


def parse_schema(
    text: str,
    *,
    source: str = "<schema>",
    references: Sequence[ParsedSchema] = (),
    validate_defaults: bool = True,
) -> ParsedSchema:
    """Parse and validate an Avro schema like Java's ``Schema.Parser`` (Avro 1.12).

    ``references`` are schemas whose named types ``text`` may use by name (Confluent
    schema references). ``validate_defaults=False`` is the registry's mode for schemas it
    already holds (Confluent parses registered versions without checking defaults).
    Raises :class:`SchemaParseError` naming ``source:line:col``.
    """
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SchemaParseError(source, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}") from exc
    except ValueError as exc:  # NaN / Infinity literals
        line, column = _constant_position(text, str(exc).split(" ", 1)[0])
        raise SchemaParseError(source, line, column, f"invalid JSON: {exc}") from exc
    known: dict[str, AvroNode] = {}
    for reference in references:
        known.update(reference.types)
    known_json: dict[str, Any] = {}
    for reference in references:
        known_json.update(reference.named_types)
    builder = SchemaGraphBuilder(source, known, known_json, validate_defaults=validate_defaults)
    try:
        root = builder.build(doc)
    except InvalidSchema as exc:
        position = scan_positions(text).get(exc.pointer)
        line, column = position if position else (None, None)
        raise SchemaParseError(source, line, column, exc.message) from None
    except RecursionError:
        raise SchemaParseError(source, None, None, "schema is nested too deeply") from None
    return ParsedSchema(
        source=source,
        text=text,
        json=doc,
        fullname=root.fullname,
        named_types=dict(builder.defined_json),
        root=root,
        types={**known, **builder.defined},
        identity=(text, *(t for r in references for t in r.identity)),
        has_field_aliases=builder.field_aliases or any(r.has_field_aliases for r in references),
        reference_texts={
            source: text
            for reference in references
            for source, text in (
                (reference.source, reference.text),
                *reference.reference_texts.items(),
            )
        },
    )
