"""Find the first value that does not fit an Avro schema, and name its field path.

fastavro's errors name at most the innermost field and it silently coerces some values (a
float into a ``long``, any string into a ``uuid``). :func:`find_invalid` walks the value with
the self-contained schema JSON and reports e.g. ``OrderPlaced.payload.line_items[0].quantity``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from collections.abc import Mapping
from typing import Any

from eventflow.serde.avro_json import (
    PRIMITIVES,
    collect_named_types,
    definition_name,
    full_name,
    namespace_of,
)
from eventflow.serde.errors import InvalidValue
from eventflow.serde.fast_check import compile_check
from eventflow.serde.model import plain_value

INT_RANGE = (-(2**31), 2**31 - 1)
LONG_RANGE = (-(2**63), 2**63 - 1)
Problem = tuple[str, str]  # (field path, what is wrong)


def find_invalid(schema: Any, value: Any, root: str) -> Problem | None:
    """The first (path, message) where ``value`` does not fit ``schema``, else ``None``."""
    return SchemaValidator(schema).find(value, root)


class SchemaValidator:
    """:func:`find_invalid` for one schema, with its named types collected once."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._fits = compile_check(schema)
        self._walker = _Walker(collect_named_types(schema))

    def find(self, value: Any, root: str) -> Problem | None:
        if self._fits(value):  # compiled yes/no first; paths are built only for bad values
            return None
        return self._walker.check(self.schema, value, root, None)


def _type_name(value: Any) -> str:
    return type(value).__name__


class _Walker:
    def __init__(self, named: Mapping[str, Any]) -> None:
        self.named = named

    def check(self, schema: Any, value: Any, path: str, ns: str | None) -> Problem | None:
        if isinstance(schema, list):
            return self._union(schema, value, path, ns)
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return _primitive(schema, None, {}, value, path)
            name = full_name(schema, ns)
            if name not in self.named:
                return path, f"schema names unknown type {schema!r}"
            return self.check(self.named[name], value, path, namespace_of(name))
        kind = schema.get("type")
        if kind in PRIMITIVES:
            return _primitive(kind, schema.get("logicalType"), schema, value, path)
        if kind in ("record", "error"):
            return self._record(schema, value, path, ns)
        if kind == "enum":
            symbol = value.value if isinstance(value, enum.Enum) else value
            if symbol not in schema["symbols"]:
                return path, f"{symbol!r} is not a symbol of enum {schema['name']}"
            return None
        if kind == "fixed":
            return self._fixed(schema, value, path)
        if kind == "array":
            if not isinstance(value, list | tuple):
                return path, f"expected a list, got {_type_name(value)}"
            for i, item in enumerate(value):
                problem = self.check(schema["items"], item, f"{path}[{i}]", ns)
                if problem:
                    return problem
            return None
        if kind == "map":
            if not isinstance(value, Mapping):
                return path, f"expected a map (dict), got {_type_name(value)}"
            for key, item in value.items():
                if not isinstance(key, str):
                    return f"{path}[{key!r}]", "map keys must be strings"
                problem = self.check(schema["values"], item, f"{path}[{key!r}]", ns)
                if problem:
                    return problem
            return None
        return self.check(kind, value, path, ns)

    def _record(
        self, schema: Mapping[str, Any], value: Any, path: str, ns: str | None
    ) -> Problem | None:
        if not isinstance(value, Mapping):
            return path, f"expected a record {schema['name']} (dict), got {_type_name(value)}"
        inner_ns = namespace_of(definition_name(schema, ns))
        for field in schema["fields"]:
            name = field["name"]
            if name not in value:
                if "default" in field:
                    continue
                return f"{path}.{name}", "required field is missing"
            problem = self.check(field["type"], value[name], f"{path}.{name}", inner_ns)
            if problem:
                return problem
        return None

    def _fixed(self, schema: Mapping[str, Any], value: Any, path: str) -> Problem | None:
        if schema.get("logicalType") == "decimal" and isinstance(value, decimal.Decimal):
            return _decimal(schema, value, path)
        if not isinstance(value, bytes | bytearray):
            return path, f"expected {schema['size']} bytes (fixed), got {_type_name(value)}"
        if len(value) != schema["size"]:
            return path, f"expected exactly {schema['size']} bytes (fixed), got {len(value)}"
        return None

    def _union(self, branches: list[Any], value: Any, path: str, ns: str | None) -> Problem | None:
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            for branch in branches:
                name = branch if isinstance(branch, str) else branch.get("name")
                if isinstance(name, str) and full_name(name, ns) in (
                    value[0],
                    full_name(value[0], ns),
                ):
                    return self.check(branch, value[1], path, ns)
            return path, f"union has no branch named {value[0]!r}"
        for branch in branches:
            if self.check(branch, value, path, ns) is None:
                return None
        if len(branches) == 2 and "null" in branches:
            other = branches[1] if branches[0] == "null" else branches[0]
            return self.check(other, value, path, ns)
        return path, f"no branch of the union accepts a {_type_name(value)} value"


def _primitive(
    kind: str, logical: Any, schema: Mapping[str, Any], value: Any, path: str
) -> Problem | None:
    if logical == "decimal" and kind == "bytes":
        if not isinstance(value, decimal.Decimal | bytes):
            return path, f"expected a Decimal, got {_type_name(value)}"
        return _decimal(schema, value, path) if isinstance(value, decimal.Decimal) else None
    if logical == "uuid" and kind == "string":
        if isinstance(value, uuid.UUID):
            return None
        try:
            uuid.UUID(value)
        except (TypeError, ValueError, AttributeError):
            return path, f"expected a UUID, got {value!r}"
        return None
    if logical in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis",
                   "local-timestamp-micros") and isinstance(value, dt.datetime):  # fmt: skip
        return None
    if logical == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None
    if logical in ("time-millis", "time-micros") and isinstance(value, dt.time):
        return None
    return _plain(kind, value, path)


def _plain(kind: str, value: Any, path: str) -> Problem | None:
    ok: bool
    if kind == "null":
        ok = value is None
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind in ("int", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return path, f"expected an integer ({kind}), got {_type_name(value)} {value!r}"
        low, high = INT_RANGE if kind == "int" else LONG_RANGE
        if not low <= value <= high:
            return path, f"{value} is outside the range of an Avro {kind}"
        return None
    elif kind in ("float", "double"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "bytes":
        ok = isinstance(value, bytes | bytearray | memoryview)
    else:  # string
        ok = isinstance(value, str)
    if ok:
        return None
    return path, f"expected {kind}, got {_type_name(value)} {value!r}"


def _decimal(schema: Mapping[str, Any], value: decimal.Decimal, path: str) -> Problem | None:
    if not value.is_finite():
        return path, f"decimal must be finite, got {value}"
    scale = int(schema.get("scale", 0))
    precision = int(schema["precision"])
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale:
        return path, f"{value} has more than {scale} decimal places (scale {scale})"
    try:
        digits = len(value.quantize(decimal.Decimal(1).scaleb(-scale)).as_tuple().digits)
    except decimal.InvalidOperation:
        return path, f"{value} does not fit decimal({precision}, {scale})"
    if digits > precision:
        return path, f"{value} has more than {precision} digits (precision {precision})"
    return None


_CLASS_VALIDATORS: dict[type, SchemaValidator] = {}


def validate_record(value: Any) -> None:
    """Check a generated instance against its class's schema now, not at serialization.

    Raises :class:`InvalidValue` naming the first field that does not fit, e.g.
    ``OrderPlaced.payload.total``.
    """
    cls = type(value)
    validator = _CLASS_VALIDATORS.get(cls)
    if validator is None:
        text = getattr(cls, "AVRO_SCHEMA_JSON", None)
        if not isinstance(text, str):
            raise TypeError(f"{cls.__name__} is not a generated Avro event class")
        validator = _CLASS_VALIDATORS[cls] = SchemaValidator(json.loads(text))
    problem = validator.find(plain_value(value), cls.__name__)
    if problem is not None:
        path, message = problem
        raise InvalidValue(f"{path}: {message}", field_path=path)
