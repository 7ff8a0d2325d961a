"""A compiled Avro binary encoder: one closure per schema node, built once per event type.

It writes the same bytes as ``fastavro.schemaless_writer`` for the datums the API builds
(checked by :mod:`avro_fast`: ints for timestamps and dates, :class:`~decimal.Decimal` for
decimals, text for uuids and enums, ``bytes`` for bytes and fixed), without fastavro's
per-value type dispatch, union matching and logical-type hooks. A test asserts byte
equality with fastavro for every event type and for edge values.

Schemas it does not cover (a union of two or more non-null branches, a decimal on
``fixed``) raise :class:`Unsupported` at compile time; a value it cannot write raises
(``TypeError``, ``ValueError``, ``KeyError``, ...). Callers then use fastavro, which
also names the failing field.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from decimal import Context, Decimal
from typing import Any

from eventflow.contracts.naming import NAMED_KINDS, definition_name, full_name

Out = bytearray
Writer = Callable[[Any, Out], None]
PACK_FLOAT = struct.Struct("<f").pack
PACK_DOUBLE = struct.Struct("<d").pack
MIN_LONG, MAX_LONG = -(2**63), 2**63 - 1


class Unsupported(Exception):
    """The schema uses a construct this encoder does not write; use fastavro instead."""


def varint_bytes(n: int) -> bytes:
    parts = bytearray()
    while n >= 0x80:
        parts.append((n & 0x7F) | 0x80)
        n >>= 7
    parts.append(n)
    return bytes(parts)


SMALL = tuple(varint_bytes(n) for n in range(1 << 14))  # every 1- and 2-byte varint
SMALL_LIMIT = len(SMALL)


def write_long(value: int, out: Out) -> None:
    """Zig-zag varint of a 64-bit integer (Avro ``int`` and ``long``)."""
    n = (value << 1) ^ (value >> 63)
    out += SMALL[n] if n < SMALL_LIMIT else varint_bytes(n)


def write_string(value: str, out: Out) -> None:
    data = value.encode()
    size = len(data)
    out += SMALL[size << 1] if size < 8192 else varint_bytes(size << 1)
    out += data


def write_bytes(value: bytes, out: Out) -> None:
    if type(value) is not bytes:
        raise TypeError(f"bytes expected, got {type(value).__name__}")
    size = len(value)
    out += SMALL[size << 1] if size < 8192 else varint_bytes(size << 1)
    out += value


def _write_null(value: Any, _out: Out) -> None:
    if value is not None:
        raise TypeError("null expected")


def _write_boolean(value: Any, out: Out) -> None:
    if value is True:
        out.append(1)
    elif value is False:
        out.append(0)
    else:
        raise TypeError("boolean expected")


def _write_float(value: Any, out: Out) -> None:
    out += PACK_FLOAT(value)


def _write_double(value: Any, out: Out) -> None:
    out += PACK_DOUBLE(value)


def _write_whole(value: Any, out: Out) -> None:
    if type(value) is not int:
        raise TypeError("integer expected")
    if not MIN_LONG <= value <= MAX_LONG:  # fastavro refuses these too (OverflowError)
        raise OverflowError("integer out of the 64-bit range")
    write_long(value, out)


PRIMITIVES: dict[str, Writer] = {
    "null": _write_null,
    "boolean": _write_boolean,
    "int": _write_whole,
    "long": _write_whole,
    "float": _write_float,
    "double": _write_double,
    "bytes": write_bytes,
    "string": write_string,
}


def compile_encoder(
    schema: Any, named: Mapping[str, dict[str, Any]], namespace: str = ""
) -> Callable[[Any], bytes]:
    """``encode(datum) -> bytes`` for ``schema`` (names resolved through ``named``)."""
    write = ClosureCompiler(named).compile(schema, namespace)

    def encode(datum: Any) -> bytes:
        out = bytearray()
        write(datum, out)
        return bytes(out)

    return encode


def compile_writer(schema: Any, named: Mapping[str, dict[str, Any]], namespace: str = "") -> Writer:
    """``write(datum, out)``: append the encoding of ``datum`` to the bytearray ``out``."""
    return ClosureCompiler(named).compile(schema, namespace)


class ClosureCompiler:
    def __init__(self, named: Mapping[str, dict[str, Any]]) -> None:
        self._named = named
        self._done: dict[str, list[Writer]] = {}  # by full name; a list so recursion can refer

    def compile(self, schema: Any, ns: str) -> Writer:
        if isinstance(schema, list):
            return self._union(schema, ns)
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return PRIMITIVES[schema]
            return self._named_ref(schema, ns)
        if not isinstance(schema, dict):
            raise Unsupported(f"not a schema: {schema!r}")
        kind = schema.get("type")
        if isinstance(kind, dict | list):
            return self.compile(kind, ns)
        if schema.get("logicalType") == "decimal" and kind in {"bytes", "fixed"}:
            if kind == "fixed":
                raise Unsupported("decimal on fixed")
            return _decimal(int(schema["precision"]), int(schema.get("scale", 0)))
        if kind in NAMED_KINDS:
            return self._named_def(schema, ns)
        if kind == "array":
            return _array(self.compile(schema.get("items"), ns))
        if kind == "map":
            return _map(self.compile(schema.get("values"), ns))
        if isinstance(kind, str) and kind in PRIMITIVES:
            # other logical types (timestamps, date, uuid, ...) are their underlying type:
            # the API's datums are already ints and texts; anything else is refused
            return PRIMITIVES[kind]
        if isinstance(kind, str):
            return self._named_ref(kind, ns)
        raise Unsupported(f"unknown schema type {kind!r}")

    def _named_ref(self, name: str, ns: str) -> Writer:
        for candidate in (full_name(name, ns), name):
            if candidate in self._done:
                return _deferred(self._done[candidate])
            if candidate in self._named:
                return self._named_def(self._named[candidate], ns)
        raise Unsupported(f"unknown named type {name!r}")

    def _named_def(self, schema: dict[str, Any], ns: str) -> Writer:
        full = definition_name(schema, ns)
        holder: list[Writer] = []
        self._done[full] = holder
        kind = schema["type"]
        if kind == "enum":
            fn = _enum([str(s) for s in schema.get("symbols", [])])
        elif kind == "fixed":
            fn = _fixed(int(schema["size"]))
        else:
            fn = self._record(schema, full.rpartition(".")[0])
        holder.append(fn)
        return fn

    def _record(self, schema: dict[str, Any], inner_ns: str) -> Writer:
        fields = [(str(f["name"]), self.compile(f["type"], inner_ns)) for f in schema["fields"]]

        def record(value: Any, out: Out) -> None:
            for name, write in fields:
                write(value[name], out)

        return record

    def _union(self, branches: list[Any], ns: str) -> Writer:
        others = [i for i, b in enumerate(branches) if b != "null"]
        if len(others) > 1:
            raise Unsupported("a union of two or more non-null branches")
        null_index = branches.index("null") if "null" in branches else None
        null_tag = SMALL[null_index << 1] if null_index is not None else None
        if not others:
            return _null_only(null_tag)
        tag = SMALL[others[0] << 1]
        inner = self.compile(branches[others[0]], ns)

        def union(value: Any, out: Out) -> None:
            if value is None:
                if null_tag is None:
                    raise TypeError("null is not a branch of this union")
                out += null_tag
            else:
                out += tag
                inner(value, out)

        return union


def _null_only(null_tag: bytes | None) -> Writer:
    def union(value: Any, out: Out) -> None:
        if value is not None or null_tag is None:
            raise TypeError("null expected")
        out += null_tag

    return union


def _deferred(holder: list[Writer]) -> Writer:
    def call(value: Any, out: Out) -> None:  # filled once the (recursive) definition is done
        holder[0](value, out)

    return call


def _decimal(precision: int, scale: int) -> Writer:
    exact = Context(prec=max(precision, 1))  # scaleb keeps every digit of the coefficient

    def decimal_bytes(value: Any, out: Out) -> None:
        if type(value) is not Decimal:
            raise TypeError("Decimal expected")
        _sign, digits, exponent = value.as_tuple()
        if len(digits) > precision or not isinstance(exponent, int) or exponent + scale < 0:
            raise ValueError("the decimal does not fit the schema's precision and scale")
        unscaled = int(value.scaleb(scale, exact))
        # fastavro sizes by the magnitude: (bits + 8) // 8 bytes, two's complement
        data = unscaled.to_bytes((abs(unscaled).bit_length() + 8) // 8, "big", signed=True)
        out += SMALL[len(data) << 1]
        out += data

    return decimal_bytes


def _enum(symbols: list[str]) -> Writer:
    index = {symbol: SMALL[i << 1] if i < 8192 else varint_bytes(i << 1)
             for i, symbol in enumerate(symbols)}  # fmt: skip

    def enum(value: Any, out: Out) -> None:
        out += index[value]

    return enum


def _fixed(size: int) -> Writer:
    def fixed(value: Any, out: Out) -> None:
        if type(value) is not bytes or len(value) != size:
            raise ValueError(f"fixed of {size} bytes expected")
        out += value

    return fixed


def _array(items: Writer) -> Writer:
    def array(value: Any, out: Out) -> None:
        if type(value) is not list:
            raise TypeError("list expected")
        if value:
            write_long(len(value), out)
            for item in value:
                items(item, out)
        out.append(0)

    return array


def _map(values: Writer) -> Writer:
    def mapping(value: Any, out: Out) -> None:
        if type(value) is not dict:
            raise TypeError("dict expected")
        if value:
            write_long(len(value), out)
            for key, item in value.items():
                write_string(key, out)
                values(item, out)
        out.append(0)

    return mapping
