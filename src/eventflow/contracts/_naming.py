"""Avro names (pure): primitive and named kinds, full names resolved against namespaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})


def full_name(name: str, namespace: str | None) -> str:
    """The full name of ``name`` inside ``namespace``, as the Avro specification resolves it
    (a dotted name is already full; no or an empty namespace leaves ``name`` as it is)."""
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def namespace_of(fullname: str) -> str | None:
    """The namespace part of a full name, ``None`` for the null namespace."""
    head, _, _ = fullname.rpartition(".")
    return head or None


def definition_name(schema: Mapping[str, Any], enclosing: str | None) -> str:
    """The full name a named-type definition declares, given the enclosing namespace."""
    name = str(schema["name"])
    if "." in name:
        return name
    namespace = schema.get("namespace", enclosing)
    return full_name(name, namespace if isinstance(namespace, str) else None)
