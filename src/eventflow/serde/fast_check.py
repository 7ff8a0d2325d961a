"""A compiled yes/no check of a value against an Avro schema (the fast path of validation).

:func:`compile_check` turns a self-contained schema into nested closures once; calling the
result answers "does this value fit?" without building field paths. Only when the answer is
no does :mod:`eventflow.serde.validate` walk the value again to name the field. Both accept
exactly the same values (``tests/unit/serde/test_validate.py`` checks them side by side).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from eventflow.serde.avro_json import NAMED_KINDS, PRIMITIVES, definition_name, full_name

Check = Callable[[Any], bool]
_TIMESTAMPS = ("timestamp-millis", "timestamp-micros", "local-timestamp-millis",
               "local-timestamp-micros")  # fmt: skip
_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def compile_check(schema: Any) -> Check:
    """A function telling whether a value fits ``schema`` (self-contained JSON)."""
    return _Compiler().compile(schema, None)


def _integer(kind: str) -> Check:
    low, high = _RANGES[kind]
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_PLAIN: dict[str, Check] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "int": _integer("int"),
    "long": _integer("long"),
    "float": _number,
    "double": _number,
    "bytes": lambda v: isinstance(v, bytes | bytearray | memoryview),
    "string": lambda v: isinstance(v, str),
}


def _uuid(v: Any) -> bool:
    if isinstance(v, uuid.UUID):
        return True
    try:
        uuid.UUID(v)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _decimal(schema: Mapping[str, Any], also: Check) -> Check:
    scale = int(schema.get("scale", 0))
    precision = int(schema["precision"])
    quantum = decimal.Decimal(1).scaleb(-scale)

    def check(v: Any) -> bool:
        if not isinstance(v, decimal.Decimal):
            return also(v)
        if not v.is_finite():
            return False
        exponent = v.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            return False
        try:
            return len(v.quantize(quantum).as_tuple().digits) <= precision
        except decimal.InvalidOperation:
            return False

    return check


class _Compiler:
    def __init__(self) -> None:
        self.named: dict[str, Check] = {}

    def compile(self, schema: Any, ns: str | None) -> Check:
        if isinstance(schema, list):
            return self._union(schema, ns)
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return _PLAIN[schema]
            name = full_name(schema, ns)
            return lambda v: name in self.named and self.named[name](v)
        kind = schema.get("type")
        if kind in NAMED_KINDS:
            return self._named(schema, ns)
        if kind == "array":
            item = self.compile(schema["items"], ns)
            return lambda v: isinstance(v, list | tuple) and all(item(x) for x in v)
        if kind == "map":
            value = self.compile(schema["values"], ns)
            return lambda v: (
                isinstance(v, Mapping)
                and all(isinstance(k, str) and value(x) for k, x in v.items())
            )
        if kind in PRIMITIVES:
            return self._primitive(kind, schema)
        return self.compile(kind, ns)

    def _primitive(self, kind: str, schema: Mapping[str, Any]) -> Check:
        logical = schema.get("logicalType")
        plain = _PLAIN[kind]
        if logical == "decimal" and kind == "bytes":
            return _decimal(schema, lambda v: isinstance(v, bytes))
        if logical == "uuid" and kind == "string":
            return _uuid
        if logical in _TIMESTAMPS:
            return lambda v: isinstance(v, dt.datetime) or plain(v)
        if logical == "date":
            return lambda v: (isinstance(v, dt.date) and not isinstance(v, dt.datetime)) or plain(v)
        if logical in ("time-millis", "time-micros"):
            return lambda v: isinstance(v, dt.time) or plain(v)
        return plain

    def _named(self, schema: Mapping[str, Any], ns: str | None) -> Check:
        name = definition_name(schema, ns)
        kind = schema["type"]
        check: Check
        if kind == "enum":
            symbols = frozenset(schema["symbols"])

            def check(v: Any) -> bool:
                symbol = v.value if isinstance(v, enum.Enum) else v
                return isinstance(symbol, str) and symbol in symbols
        elif kind == "fixed":
            size = int(schema["size"])
            sized: Check = lambda v: isinstance(v, bytes | bytearray) and len(v) == size  # noqa: E731
            check = _decimal(schema, sized) if schema.get("logicalType") == "decimal" else sized
        else:
            inner = name.rpartition(".")[0] or None
            fields = [
                (f["name"], "default" in f, self.compile(f["type"], inner))
                for f in schema.get("fields", ())
            ]

            def check(v: Any) -> bool:
                if not isinstance(v, Mapping):
                    return False
                for field, has_default, fits in fields:
                    if field in v:
                        if not fits(v[field]):
                            return False
                    elif not has_default:
                        return False
                return True

        self.named[name] = check
        return check

    def _union(self, branches: list[Any], ns: str | None) -> Check:
        compiled = [self.compile(b, ns) for b in branches]
        names: dict[str, Check] = {}
        for branch, fits in zip(branches, compiled, strict=True):
            label = branch if isinstance(branch, str) else branch.get("name")
            if isinstance(label, str) and label not in PRIMITIVES:
                full = full_name(label, ns)
                names[full] = fits
                names.setdefault(label, fits)

        def check(v: Any) -> bool:
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):
                fits = names.get(v[0]) or names.get(full_name(v[0], ns))
                return fits is not None and fits(v[1])
            return any(fits(v) for fits in compiled)

        return check
