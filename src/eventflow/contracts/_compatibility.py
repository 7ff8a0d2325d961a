"""Confluent's compatibility levels on top of the reader/writer check, with located findings.

``check_reader_writer`` answers one reader/writer question like Avro Java;
``check_compatibility`` applies a level the way Confluent Schema Registry does (BACKWARD:
new reads latest; FORWARD: latest reads new; FULL: both, forward first; ``*_TRANSITIVE``:
against every previous version, newest first; NONE: always compatible). Findings carry
Java's JSON-pointer location plus the ``file:line:col`` in the new schema where it can be
placed, a plain-language message and a fix hint. ``confluent_messages`` renders what the
registry returns in a 409 or a ``verbose=true`` compatibility response.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from eventflow.contracts._canonical import canonical_form
from eventflow.contracts._compatibility_types import (
    CompatibilityLevel,
    CompatibilityResult,
    Incompatibility,
    IncompatibilityType,
)
from eventflow.contracts._compatibility_wording import describe, hint_for
from eventflow.contracts._parsed_schema import ParsedSchema
from eventflow.contracts._reader_writer import AmbiguousFieldError, RawIncompatibility, compare

__all__ = [
    "check_compatibility",
    "check_reader_writer",
    "clear_compatibility_cache",
    "confluent_messages",
]

_CACHE_LIMIT = 100_000
_Raw = tuple[RawIncompatibility, ...]
# (reader identity, writer identity) -> None for a compatible pair, else the schemas the
# findings were computed on and the findings. An identity is the schema text plus its
# references' texts: equal identities parse to the same graph, so a compatible verdict is
# reused for any pair of such schemas; findings only for the very same objects (they point
# at those objects' nodes and files). Canonical-form fingerprints would be unsound keys:
# the canonical form drops defaults and aliases, which decide compatibility.
_pair_cache: dict[
    tuple[tuple[str, ...], tuple[str, ...]], tuple[ParsedSchema, ParsedSchema, _Raw] | None
] = {}


def clear_compatibility_cache() -> None:
    """Forget every cached pair verdict (benchmarks measure cold runs with it)."""
    _pair_cache.clear()


def _compare_cached(reader: ParsedSchema, writer: ParsedSchema) -> _Raw | AmbiguousFieldError:
    if reader.identity == writer.identity and not reader.has_field_aliases:
        return ()  # a schema reads itself (field aliases could make Java throw)
    key = (reader.identity, writer.identity)
    if key in _pair_cache:
        entry = _pair_cache[key]
        if entry is None:
            return ()
        if entry[0] is reader and entry[1] is writer:
            return entry[2]
    try:
        raw = compare(reader.root, writer.root)
    except AmbiguousFieldError as exc:
        return exc
    if len(_pair_cache) >= _CACHE_LIMIT:
        _pair_cache.clear()
    _pair_cache[key] = (reader, writer, raw) if raw else None
    return raw


def check_reader_writer(reader: ParsedSchema, writer: ParsedSchema) -> tuple[Incompatibility, ...]:
    """Why ``reader`` cannot read data written with ``writer`` (empty: it can).

    Locations point into ``reader``'s text (the reader is the schema being read with).
    """
    return _findings(reader, writer, new_is_reader=True, version=None)


def _findings(
    reader: ParsedSchema, writer: ParsedSchema, *, new_is_reader: bool, version: int | None
) -> tuple[Incompatibility, ...]:
    outcome = _compare_cached(reader, writer)
    new = reader if new_is_reader else writer
    if isinstance(outcome, AmbiguousFieldError):
        field = outcome.reader_field
        line_col = reader.locate(field.pointer) if new_is_reader else None
        return (
            Incompatibility(
                type=IncompatibilityType.NAME_MISMATCH,
                location="",
                message=(
                    f"reader field {field.name!r} matches several writer fields through its "
                    f"name and aliases ({', '.join(outcome.matches)}); Avro Java stops the check"
                ),
                hint=f"remove the aliases of field {field.name!r} that name other fields",
                reader_fragment=field.name,
                writer_fragment=canonical_form(outcome.writer),
                source=new.source,
                line=line_col[0] if line_col else None,
                column=line_col[1] if line_col else None,
                version=version,
                java_message=str(outcome),
                new_is_reader=new_is_reader,
                java_exception=str(outcome),
            ),
        )
    return tuple(_finding(raw, new, new_is_reader, version) for raw in outcome)


def _finding(
    raw: RawIncompatibility, new: ParsedSchema, new_is_reader: bool, version: int | None
) -> Incompatibility:
    node = raw.reader if new_is_reader else raw.writer
    pointer = node.pointer
    if raw.type is IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE:
        if new_is_reader and raw.field is not None:
            pointer = raw.field.pointer
    elif raw.type is IncompatibilityType.NAME_MISMATCH:
        pointer += "/name"
    elif raw.type is IncompatibilityType.MISSING_ENUM_SYMBOLS:
        pointer += "/symbols"
    elif raw.type is IncompatibilityType.FIXED_SIZE_MISMATCH:
        pointer += "/size"
    line_col = new.locate_in(node.source, pointer) or new.locate_in(node.source, node.pointer)
    return Incompatibility(
        type=raw.type,
        location=raw.location,
        message=describe(raw, new_is_reader, version),
        hint=hint_for(raw, new_is_reader),
        reader_fragment=canonical_form(raw.reader),
        writer_fragment=canonical_form(raw.writer),
        source=node.source,
        line=line_col[0] if line_col else None,
        column=line_col[1] if line_col else None,
        version=version,
        java_message=raw.message,
        new_is_reader=new_is_reader,
    )


def check_compatibility(
    new: ParsedSchema, previous: Sequence[ParsedSchema], level: CompatibilityLevel
) -> CompatibilityResult:
    """Check ``new`` against ``previous`` (oldest first) at a Confluent ``level``.

    Every previous version the level covers is checked (newest first, as Confluent
    iterates) and all findings are returned, each tagged with its 1-based version.
    """
    level = CompatibilityLevel(level)
    if level is CompatibilityLevel.NONE or not previous:
        return CompatibilityResult(True, ())
    count = len(previous)
    versions = range(count, 0, -1) if level.transitive else (count,)
    found: list[Incompatibility] = []
    for version in versions:
        old = previous[version - 1]
        if level.checks_forward:
            found.extend(_findings(old, new, new_is_reader=False, version=version))
        if level.checks_backward:
            found.extend(_findings(new, old, new_is_reader=True, version=version))
    return CompatibilityResult(not found, tuple(found))


def confluent_messages(
    result: CompatibilityResult,
    *,
    level: CompatibilityLevel | None = None,
    previous: Sequence[ParsedSchema] = (),
) -> list[str]:
    """The strings Confluent's registry returns for ``result`` (409 / ``verbose=true``).

    Like the registry: only the newest failing version is reported; each finding is
    ``{errorType:'…', description:'…', additionalInfo:'…'}``, followed by
    ``{oldSchemaVersion: n}`` and ``{oldSchema: '…'}`` (when ``previous`` is given) and
    ``{compatibility: 'LEVEL'}`` (when ``level`` is given).
    """
    if result.compatible:
        return []
    first_version = result.incompatibilities[0].version
    chosen = [i for i in result.incompatibilities if i.version == first_version]
    messages: list[str] = []
    for item in chosen:
        reader, writer = ("new", "old") if item.new_is_reader else ("old", "new")
        messages.append(_confluent_line(item, reader, writer))
    # Confluent appends the old schema after the backward (new reads old) direction only
    if first_version is not None and any(i.new_is_reader for i in chosen):
        messages.append(f"{{oldSchemaVersion: {first_version}}}")
        if 0 < first_version <= len(previous):
            old = previous[first_version - 1]
            compact = json.dumps(old.json, separators=(",", ":"), ensure_ascii=False)
            messages.append(f"{{oldSchema: '{compact}'}}")
    if level is not None:
        messages.append(f"{{compatibility: '{CompatibilityLevel(level).value}'}}")
    return messages


def _confluent_line(item: Incompatibility, reader: str, writer: str) -> str:
    if item.java_exception is not None:
        return f"Unexpected exception during compatibility check: {item.java_exception}"
    path = item.location
    info = item.java_message
    kind = item.type
    if kind is IncompatibilityType.FIXED_SIZE_MISMATCH:
        text = (
            f"The size of FIXED type field at path '{path}' in the {reader} schema "
            f"does not match with the {writer} schema"
        )
    elif kind is IncompatibilityType.TYPE_MISMATCH:
        text = (
            f"The type (path '{path}') of a field in the {reader} schema does not match "
            f"with the {writer} schema"
        )
    elif kind is IncompatibilityType.NAME_MISMATCH:
        text = f"The name of the schema has changed (path '{path}')"
    elif kind is IncompatibilityType.MISSING_ENUM_SYMBOLS:
        text = (
            f"The {reader} schema is missing enum symbols '{info}' at path '{path}' "
            f"in the {writer} schema"
        )
    elif kind is IncompatibilityType.MISSING_UNION_BRANCH:
        text = (
            f"The {reader} schema is missing a type inside a union field at path '{path}' "
            f"in the {writer} schema"
        )
    else:
        text = (
            f"The field '{info}' at path '{path}' in the {reader} schema has no default "
            f"value and is missing in the {writer} schema"
        )
    return f"{{errorType:'{kind.value}', description:'{text}', additionalInfo:'{info}'}}"
