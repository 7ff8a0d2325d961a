"""Support for the schema parser: located errors, names used before their definition.

Java 1.12's ``ParseContext`` lets a text use a named type before defining it (and a record
use itself): such names become placeholders, resolved once the whole text is parsed. Java
rebuilds the records that contained placeholders and re-checks their field defaults against
the resolved types; a default that looks inside the record being rebuilt fails there with
"Schema fields not set yet". Both behaviours are reproduced here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from eventflow.contracts._avro_model import UNRESOLVED, AvroNode
from eventflow.contracts._default_values import FieldsNotSetError, valid_default

__all__ = [
    "InvalidSchema",
    "check_union",
    "child_pointer",
    "resolve_placeholders",
    "short_json",
]


class InvalidSchema(Exception):
    """Internal: a schema is invalid at ``pointer`` (JSON pointer into the text)."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def child_pointer(pointer: str, *tokens: str | int) -> str:
    # every token is an Avro keyword or an array index: nothing to escape (RFC 6901 ~ and /)
    return pointer + "/" + "/".join(map(str, tokens))


def resolve_placeholders(
    root: AvroNode,
    defined: Iterable[AvroNode],
    lookup: Callable[[str], AvroNode | None],
    *,
    validate_defaults: bool = True,
) -> AvroNode:
    """Replace every name used before its definition by the named type it names.

    Java re-checks the defaults of the records it rebuilds meanwhile; so do we.
    """

    def real(node: AvroNode) -> AvroNode:
        if node.type != UNRESOLVED:
            return node
        assert node.fullname is not None
        target = lookup(node.fullname)
        if target is None:
            raise InvalidSchema(node.pointer, f"unknown type {node.fullname!r}")
        return target

    rebuilt: list[AvroNode] = []  # records Java rebuilds: a name resolved inside them
    seen: set[int] = set()
    stack = [real(root), *defined]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for field in node.fields:
            had_placeholder = field.schema.type == UNRESOLVED
            if (_replace_placeholders(field.schema, real) or had_placeholder) and (
                node not in rebuilt
            ):
                rebuilt.append(node)
            field.schema = real(field.schema)
            stack.append(field.schema)
        if node.child is not None:
            stack.append(node.child)
        stack.extend(node.branches)
    if validate_defaults:
        _revalidate_defaults(rebuilt)
    return real(root)


def _revalidate_defaults(rebuilt: list[AvroNode]) -> None:
    """Java re-checks the defaults of rebuilt records against the resolved types."""
    for record in rebuilt:
        for field in record.fields:
            if not field.has_default:
                continue
            where = child_pointer(field.pointer, "default")
            try:
                valid = valid_default(field.schema, field.default, frozenset({id(record)}))
            except FieldsNotSetError:
                raise InvalidSchema(
                    where,
                    f"default of field {field.name!r} looks inside record "
                    f"{record.fullname!r} while it is still being defined "
                    "(Avro Java: schema fields not set yet)",
                ) from None
            if not valid:
                raise InvalidSchema(
                    where,
                    f"invalid default for field {field.name!r}: {short_json(field.default)} "
                    f"is not a valid {field.schema.describe()}",
                )


def _replace_placeholders(node: AvroNode, real: Callable[[AvroNode], AvroNode]) -> bool:
    """Swap resolved names into the unnamed part of a field's type; True if any was swapped."""
    changed = False
    if node.child is not None:
        if node.child.type == UNRESOLVED:
            node.child = real(node.child)
            changed = True
        else:
            changed = _replace_placeholders(node.child, real)
    if node.branches:
        if any(b.type == UNRESOLVED for b in node.branches):
            node.branches = [real(b) for b in node.branches]
            changed = True
        for branch in node.branches:
            if branch.fullname is None:
                changed = _replace_placeholders(branch, real) or changed
        check_union(node)
    return changed


def check_union(node: AvroNode) -> None:
    """Java ``UnionSchema``: no union directly inside a union, no two branches of one name."""
    keys: set[str] = set()
    for index, branch in enumerate(node.branches):
        if branch.type == "union":
            raise InvalidSchema(
                child_pointer(node.pointer, index), "a union may not directly contain another union"
            )
        key = branch.union_key
        if key in keys:
            raise InvalidSchema(child_pointer(node.pointer, index), f"union contains {key!r} twice")
        keys.add(key)


def short_json(value: Any, limit: int = 60) -> str:
    """A JSON value for an error message, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
