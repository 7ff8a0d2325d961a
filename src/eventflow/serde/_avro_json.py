"""Pure helpers over Avro schema JSON: full names, named-type collection, inlining references.

A schema registered with Confluent *references* names types defined in other schemas. fastavro
(and readers without a registry) need one self-contained schema, so :func:`inline_references`
replaces the first use of each foreign name by its definition, keeping logical types, defaults
and docs (unlike Parsing Canonical Form, which drops them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventflow.contracts import NAMED_KINDS, PRIMITIVES, definition_name, full_name, namespace_of

__all__ = [
    "NAMED_KINDS",
    "PRIMITIVES",
    "collect_named_types",
    "definition_name",
    "full_name",
    "inline_references",
    "namespace_of",
]


def collect_named_types(schema: Any, enclosing: str | None = None) -> dict[str, Any]:
    """Every named type defined in ``schema``: full name -> its JSON, in definition order."""
    found: dict[str, Any] = {}
    _collect(schema, enclosing, found)
    return found


def _collect(schema: Any, enclosing: str | None, found: dict[str, Any]) -> None:
    if isinstance(schema, list):
        for branch in schema:
            _collect(branch, enclosing, found)
        return
    if not isinstance(schema, Mapping):
        return
    kind = schema.get("type")
    if kind in NAMED_KINDS:
        name = definition_name(schema, enclosing)
        found[name] = schema
        if kind in ("record", "error"):
            for field in schema.get("fields", ()):
                _collect(field.get("type"), namespace_of(name), found)
        return
    if kind == "array":
        _collect(schema.get("items"), enclosing, found)
    elif kind == "map":
        _collect(schema.get("values"), enclosing, found)
    elif isinstance(kind, list | dict):
        _collect(kind, enclosing, found)


def inline_references(schema: Any, named: Mapping[str, Any], enclosing: str | None = None) -> Any:
    """A self-contained copy of ``schema``: each name defined only in ``named`` is replaced by
    its definition at first use. Names neither defined nor in ``named`` are left as they are."""
    return _inline(schema, enclosing, named, set())


def _inline(schema: Any, enclosing: str | None, named: Mapping[str, Any], seen: set[str]) -> Any:
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema
        name = full_name(schema, enclosing)
        if name not in seen and name in named:
            definition = {k: v for k, v in named[name].items() if k != "namespace"}
            definition["name"] = name
            return _inline(definition, namespace_of(name), named, seen)
        return name if name in seen or name in named else schema
    if isinstance(schema, list):
        return [_inline(branch, enclosing, named, seen) for branch in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = dict(schema)
    kind = schema.get("type")
    if kind in NAMED_KINDS:
        name = definition_name(schema, enclosing)
        seen.add(name)
        if kind in ("record", "error"):
            out["fields"] = [
                {**f, "type": _inline(f.get("type"), namespace_of(name), named, seen)}
                for f in schema.get("fields", ())
            ]
    elif kind == "array":
        out["items"] = _inline(schema.get("items"), enclosing, named, seen)
    elif kind == "map":
        out["values"] = _inline(schema.get("values"), enclosing, named, seen)
    elif isinstance(kind, list | dict | str) and kind not in PRIMITIVES:
        out["type"] = _inline(kind, enclosing, named, seen)
    return out


def has_union_of_named_types(schema: Any) -> bool:
    """True when some union in ``schema`` has two or more named branches (records, enums,
    fixed): the only unions whose branch fastavro must report as ``(name, value)``."""
    if isinstance(schema, list):
        named = [b for b in schema if _is_named_branch(b)]
        return len(named) >= 2 or any(has_union_of_named_types(b) for b in schema)
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    if kind in ("record", "error"):
        return any(has_union_of_named_types(f.get("type")) for f in schema.get("fields", ()))
    if kind == "array":
        return has_union_of_named_types(schema.get("items"))
    if kind == "map":
        return has_union_of_named_types(schema.get("values"))
    return isinstance(kind, list | dict) and has_union_of_named_types(kind)


def _is_named_branch(branch: Any) -> bool:
    if isinstance(branch, str):
        return branch not in PRIMITIVES
    return isinstance(branch, Mapping) and (
        branch.get("type") in NAMED_KINDS
        or (
            isinstance(branch.get("type"), str)
            and branch["type"] not in PRIMITIVES
            and branch["type"] not in ("array", "map")
        )
    )
