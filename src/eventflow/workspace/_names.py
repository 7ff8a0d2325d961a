"""Which named types an Avro schema (decoded JSON) defines, and which it uses from elsewhere.

A small pre-pass before parsing: it lets the workspace find, by name, the files a schema refers
to (Confluent schema references) and parse them first. Full validation is the parser's job;
this walk is lenient and ignores what it does not understand.
"""

from __future__ import annotations

from typing import Any

from eventflow.contracts import NAMED_KINDS, PRIMITIVES, full_name

__all__ = ["PRIMITIVES", "defined_and_used"]

_KEYWORDS = PRIMITIVES | NAMED_KINDS | {"array", "map"}


def defined_and_used(schema: Any) -> tuple[set[str], set[str]]:
    """(full names defined in ``schema``, full names it uses without defining them)."""
    defined: set[str] = set()
    used: set[str] = set()
    _walk(schema, None, defined, used)
    return defined, used - defined


def _walk(node: Any, namespace: str | None, defined: set[str], used: set[str]) -> None:
    if isinstance(node, str):
        if node not in PRIMITIVES:
            used.add(full_name(node, namespace))
        return
    if isinstance(node, list):
        for branch in node:
            _walk(branch, namespace, defined, used)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in NAMED_KINDS and isinstance(node.get("name"), str):
        raw_namespace = node.get("namespace")
        own_namespace = raw_namespace if isinstance(raw_namespace, str) else namespace
        name = full_name(node["name"], own_namespace)
        defined.add(name)
        inner = name.rpartition(".")[0] or None
        for field in node.get("fields", []) if kind in {"record", "error"} else []:
            if isinstance(field, dict):
                _walk(field.get("type"), inner, defined, used)
        return
    if kind == "array":
        _walk(node.get("items"), namespace, defined, used)
    elif kind == "map":
        _walk(node.get("values"), namespace, defined, used)
    elif isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in _KEYWORDS):
        _walk(kind, namespace, defined, used)
