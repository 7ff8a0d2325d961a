"""Plain-language messages and fix hints for incompatibilities, from the new schema's view."""

from __future__ import annotations

from eventflow.contracts._avro_model import AvroNode
from eventflow.contracts._compatibility_types import IncompatibilityType
from eventflow.contracts._reader_writer import RawIncompatibility

__all__ = ["describe", "hint_for"]


def _old(version: int | None) -> str:
    return f"version {version}" if version is not None else "the old schema"


def _what(node: AvroNode) -> str:
    if node.fullname is not None:
        return f"{node.type} {node.fullname}"
    return node.type


def describe(raw: RawIncompatibility, new_is_reader: bool, version: int | None) -> str:
    """One sentence saying what breaks and for whom."""
    old = _old(version)
    reader_side, writer_side = ("the new schema", old) if new_is_reader else (old, "the new schema")
    who = (
        f"{reader_side} cannot read data written with {writer_side}"
        if new_is_reader
        else f"readers on {reader_side} cannot read data written with {writer_side}"
    )
    reader, writer = raw.reader, raw.writer
    kind = raw.type
    if kind is IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE:
        field = raw.message
        if new_is_reader:
            return f"field {field!r} is new, has no default and is missing in {old}: {who}"
        return f"field {field!r} of {old} has no default and the new schema removed it: {who}"
    if kind is IncompatibilityType.TYPE_MISMATCH:
        return (
            f"{reader_side} reads {_what(reader)} where {writer_side} writes {_what(writer)}: {who}"
        )
    if kind is IncompatibilityType.NAME_MISMATCH:
        return (
            f"type name {reader.fullname!r} in {reader_side} does not match "
            f"{writer.fullname!r} of {writer_side} (nor any alias): {who}"
        )
    if kind is IncompatibilityType.FIXED_SIZE_MISMATCH:
        return (
            f"fixed {reader.fullname} has size {reader.size} in {reader_side} but "
            f"{writer.size} in {writer_side}: {who}"
        )
    if kind is IncompatibilityType.MISSING_ENUM_SYMBOLS:
        return (
            f"enum {reader.fullname} in {reader_side} lacks symbols {raw.message} of "
            f"{writer_side} and has no default: {who}"
        )
    writer_branch = raw.message.rsplit(": ", 1)[-1].lower()
    return (
        f"the union in {reader_side} has no branch that reads {writer_branch} "
        f"of {writer_side}: {who}"
    )


def hint_for(raw: RawIncompatibility, new_is_reader: bool) -> str:
    """How to make the change compatible."""
    kind = raw.type
    if kind is IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE:
        if new_is_reader:
            return (
                f"give field {raw.message!r} a default (for an optional field: "
                '"type": ["null", ...], "default": null)'
            )
        return (
            f"keep field {raw.message!r} in the new schema; a field can only be removed once "
            "every reader has a default for it"
        )
    if kind is IncompatibilityType.TYPE_MISMATCH:
        if raw.reader.type == "enum" and raw.writer.type == "record":
            return "give the new enum field a field default, not only an enum default"
        return (
            "keep the type, or change it only by a promotion the reader accepts "
            "(int->long->float->double, string<->bytes); otherwise add a new field"
        )
    if kind is IncompatibilityType.NAME_MISMATCH:
        return (
            f'keep the name, or add {raw.writer.fullname!r} to the "aliases" of the reader\'s type'
        )
    if kind is IncompatibilityType.FIXED_SIZE_MISMATCH:
        return "a fixed size cannot change; add a new field with a new fixed type instead"
    if kind is IncompatibilityType.MISSING_ENUM_SYMBOLS:
        return (
            "only add enum symbols, never remove or rename them; or give the reader's "
            'enum a "default" symbol'
        )
    return "keep every union branch the other side may write; only add branches"
