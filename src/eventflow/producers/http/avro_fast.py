"""A compiled fast path for :mod:`avro_json`: one closure per schema node, built once per type.

The fast path accepts exactly what :func:`avro_json.convert` accepts but stops at the first
mismatch without building paths or messages; :class:`PayloadConverter` then reruns the
precise walker to name every failing field. Valid events (the common case) pay only for the
closures.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from eventflow.contracts.naming import NAMED_KINDS, definition_name, full_name
from eventflow.producers.http.avro_json import convert, epoch_units, parse_instant
from eventflow.producers.http.problems import FieldProblem

Fn = Callable[[Any], Any]
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_EPOCH_DATE = date(1970, 1, 1)


class _Bad(Exception):
    """The fast path refused a value; the precise walker will say why."""


class PayloadConverter:
    """Check and convert one event type's payload: fast when valid, precise when not."""

    def __init__(self, schema: Any, named: Mapping[str, dict[str, Any]], namespace: str) -> None:
        self._schema = schema
        self._named = named
        self._namespace = namespace
        self._fast = _Compiler(named).compile(schema, namespace)

    def __call__(self, value: Any, path: str) -> tuple[Any, list[FieldProblem]]:
        try:
            return self._fast(value), []
        except _Bad:
            return convert(
                self._schema, value, path=path, named=self._named, namespace=self._namespace
            )


class _Compiler:
    def __init__(self, named: Mapping[str, dict[str, Any]]) -> None:
        self._named = named
        self._done: dict[str, list[Fn]] = {}  # by full name; a list so recursion can refer ahead

    def compile(self, schema: Any, ns: str) -> Fn:
        if isinstance(schema, list):
            return self._union(
                [self.compile(b, ns) for b in schema if b != "null"], "null" in schema
            )
        if isinstance(schema, str):
            if schema in _PRIMITIVE_FNS:
                return _PRIMITIVE_FNS[schema]
            return self._named_ref(schema, ns)
        kind = schema.get("type")
        if isinstance(kind, dict | list):
            return self.compile(kind, ns)
        logical = schema.get("logicalType")
        if kind == "long" and logical in {"timestamp-millis", "timestamp-micros"}:
            return _timestamp(1000 if logical == "timestamp-millis" else 1_000_000)
        if kind == "int" and logical == "date":
            return _date
        if kind == "string" and logical == "uuid":
            return _uuid
        if kind in {"bytes", "fixed"} and logical == "decimal":
            return _decimal(int(schema.get("precision", 38)), int(schema.get("scale", 0)))
        if kind in NAMED_KINDS:
            return self._named_def(schema, ns)
        if kind == "array":
            return _array(self.compile(schema.get("items"), ns))
        if kind == "map":
            return _map(self.compile(schema.get("values"), ns))
        if isinstance(kind, str) and kind in _PRIMITIVE_FNS:
            return _PRIMITIVE_FNS[kind]
        if isinstance(kind, str):
            return self._named_ref(kind, ns)
        return _refuse

    def _named_ref(self, name: str, ns: str) -> Fn:
        for candidate in (full_name(name, ns), name):
            if candidate in self._done:
                return _deferred(self._done[candidate])
            if candidate in self._named:
                return self._named_def(self._named[candidate], ns)
        return _refuse

    def _named_def(self, schema: dict[str, Any], ns: str) -> Fn:
        full = definition_name(schema, ns)
        holder: list[Fn] = []
        self._done[full] = holder
        kind = schema["type"]
        if kind == "enum":
            fn = _enum(frozenset(str(s) for s in schema.get("symbols", [])))
        elif kind == "fixed":
            fn = _fixed(int(schema.get("size", 0)))
        else:
            fn = self._record(schema, full.rpartition(".")[0])
        holder.append(fn)
        return fn

    def _record(self, schema: dict[str, Any], inner_ns: str) -> Fn:
        fields: list[tuple[str, Fn, bool, Any]] = []
        for fld in schema.get("fields", []):
            name = str(fld["name"])
            has_default = "default" in fld
            default: Any = None
            if has_default:
                holder_schema = {"type": "record", "name": "D", "fields": [fld]}
                default, problems = convert(
                    holder_schema, {}, path="", named=self._named, namespace=inner_ns
                )
                default = default[name] if not problems else None
                has_default = not problems
            fields.append((name, self.compile(fld["type"], inner_ns), has_default, default))
        known = frozenset(name for name, _, _, _ in fields)

        def record(value: Any) -> Any:
            if type(value) is not dict or not known.issuperset(value):
                raise _Bad
            out = {}
            for name, fn, has_default, default in fields:
                if name in value:
                    out[name] = fn(value[name])
                elif has_default:
                    out[name] = default
                else:
                    raise _Bad
            return out

        return record

    @staticmethod
    def _union(branches: list[Fn], nullable: bool) -> Fn:
        def union(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise _Bad
            for branch in branches:
                try:
                    return branch(value)
                except _Bad:
                    continue
            raise _Bad

        return union


def _deferred(holder: list[Fn]) -> Fn:
    def call(value: Any) -> Any:  # filled once the (recursive) definition is compiled
        return holder[0](value)

    return call


def _refuse(_value: Any) -> Any:
    raise _Bad


def _null(value: Any) -> Any:
    if value is not None:
        raise _Bad


def _boolean(value: Any) -> Any:
    if type(value) is not bool:
        raise _Bad
    return value


def _whole(low: int, high: int) -> Fn:
    def whole(value: Any) -> Any:
        kind = type(value)
        if kind is int:
            if low <= value <= high:
                return value
            raise _Bad
        if kind is float and value.is_integer() and low <= value <= high:
            return int(value)
        raise _Bad

    return whole


def _number(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
        raise _Bad
    if kind is int:
        return float(value)
    raise _Bad


def _string(value: Any) -> Any:
    if type(value) is not str:
        raise _Bad
    return value


def _latin1_bytes(value: Any) -> Any:
    if type(value) is not str:
        raise _Bad
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise _Bad from None


def _timestamp(per_second: int) -> Fn:
    def timestamp(value: Any) -> Any:
        if type(value) is int:
            return value
        if type(value) is str:
            parsed = parse_instant(value)
            if parsed is not None:
                return epoch_units(parsed, per_second)
        raise _Bad

    return timestamp


def _date(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str:
        try:
            return (date.fromisoformat(value) - _EPOCH_DATE).days
        except ValueError:
            pass
    raise _Bad


def _uuid(value: Any) -> Any:
    if type(value) is not str:
        raise _Bad
    try:
        uuid.UUID(value)
    except ValueError:
        raise _Bad from None
    return value


def _decimal(precision: int, scale: int) -> Fn:
    quantum = Decimal(1).scaleb(-scale)

    def decimal_value(value: Any) -> Any:
        if type(value) not in (str, int, float):
            raise _Bad
        try:
            number = Decimal(str(value))
            quantized = number.quantize(quantum)
        except InvalidOperation:
            raise _Bad from None
        if not number.is_finite() or quantized != number:
            raise _Bad
        if len(quantized.as_tuple().digits) > precision:
            raise _Bad
        return quantized

    return decimal_value


def _enum(symbols: frozenset[str]) -> Fn:
    def enum(value: Any) -> Any:
        if type(value) is not str or value not in symbols:
            raise _Bad
        return value

    return enum


def _fixed(size: int) -> Fn:
    def fixed(value: Any) -> Any:
        if type(value) is not str or len(value) != size:
            raise _Bad
        return _latin1_bytes(value)

    return fixed


def _array(items: Fn) -> Fn:
    def array(value: Any) -> Any:
        if type(value) is not list:
            raise _Bad
        return [items(v) for v in value]

    return array


def _map(values: Fn) -> Fn:
    def mapping(value: Any) -> Any:
        if type(value) is not dict:
            raise _Bad
        return {k: values(v) for k, v in value.items()}

    return mapping


_PRIMITIVE_FNS: dict[str, Fn] = {
    "null": _null,
    "boolean": _boolean,
    "int": _whole(*_INT32),
    "long": _whole(*_INT64),
    "float": _number,
    "double": _number,
    "string": _string,
    "bytes": _latin1_bytes,
}
