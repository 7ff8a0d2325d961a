"""Generate a JSON example of an event type's ``data`` from its Avro schema (pure).

The example is what a client would post: plain JSON, ISO-8601 timestamps, decimals as
text. Every example converts cleanly with the value engine's JSON form
(:mod:`eventflow.serde.avro`), and passes the validator's rules (strings whose field name
says their format get a value in that format: e-mail address, country code, locale, URL;
tests post each example and find its row).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eventflow.contracts import definition_name, full_name

_EXAMPLE_UUID = "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b"
_EXAMPLE_INSTANT = "2026-01-15T09:30:00Z"
_MAX_DEPTH = 8


def example_for(schema: Any, *, named: Mapping[str, dict[str, Any]], namespace: str = "") -> Any:
    """A plausible JSON value matching ``schema``."""
    return _example(schema, named, namespace, "value", 0)


def _example(
    schema: Any, named: Mapping[str, dict[str, Any]], ns: str, name: str, depth: int
) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(schema, list):
        branches = [b for b in schema if b != "null"]
        return _example(branches[0], named, ns, name, depth + 1) if branches else None
    if isinstance(schema, str):
        if schema in _SIMPLE:
            return _SIMPLE[schema](name)
        resolved = named.get(full_name(schema, ns)) or named.get(schema)
        return _example(resolved, named, ns, name, depth + 1) if resolved else None
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    logical = schema.get("logicalType")
    if logical in {"timestamp-millis", "timestamp-micros"}:
        return _EXAMPLE_INSTANT
    if logical == "date":
        return _EXAMPLE_INSTANT[:10]
    if logical == "uuid":
        return _EXAMPLE_UUID
    if logical == "decimal":
        scale = int(schema.get("scale", 0))
        return str(Decimal("12.5").quantize(Decimal(1).scaleb(-scale)))
    if kind in {"record", "error"}:
        inner = definition_name(schema, ns).rpartition(".")[0]
        return {
            str(f["name"]): _example(f["type"], named, inner, str(f["name"]), depth + 1)
            for f in schema.get("fields", [])
        }
    if kind == "enum":
        symbols = [s for s in schema.get("symbols", []) if s != schema.get("default")]
        return (symbols or schema.get("symbols", [None]))[0]
    if kind == "array":
        return [_example(schema.get("items"), named, ns, name, depth + 1)]
    if kind == "map":
        return {"key": _example(schema.get("values"), named, ns, name, depth + 1)}
    if kind == "fixed":
        return "0" * int(schema.get("size", 0))
    return _example(kind, named, ns, name, depth + 1)


_SIMPLE: dict[str, Any] = {
    "null": lambda _name: None,
    "boolean": lambda _name: True,
    "int": lambda _name: 1,
    "long": lambda _name: 1,
    "float": lambda _name: 1.5,
    "double": lambda _name: 1.5,
    "bytes": lambda _name: "bytes",
    "string": lambda name: _string_example(name),  # noqa: PLW0108 - defined below
}

# field-name fragments of strings with a format, and a value in it
_FORMATTED = (
    ("email", "ada@example.org"),
    ("country", "CH"),
    ("locale", "en-GB"),
    ("language", "en"),
    ("url", "https://example.org/"),
    ("phone", "+41 44 000 00 00"),
)


def _string_example(name: str) -> str:
    lowered = name.lower()
    for fragment, value in _FORMATTED:
        if fragment in lowered:
            return value
    return f"example-{name}"
