"""The rules for one Python datum of a leaf schema (pure): what the writer accepts.

A datum is what a generated class's ``to_avro_dict`` or fastavro's reader gives: ints or
``datetime`` for timestamps, ``date`` for dates, ``time`` for times, ``Decimal`` (or the raw
bytes) for decimals, ``UUID`` or text for uuids, ``bytes`` for bytes and fixed. Each rule
raises :class:`Refused` with the one wording; the writer refuses exactly these values
(property-tested), the precise checker names where.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro._limits import (
    INT_RANGE,
    LONG_RANGE,
    decimal_unscaled,
    float32_fits,
    is_uuid_text,
    utf8_text,
)
from eventflow.serde.avro._problems import Refused, shown

Check = Callable[[Any], None]


def datum_rule(node: AvroNode) -> Check | None:
    """The check of a leaf node (primitive, enum or fixed); ``None`` for the others."""
    logical = node.logical_type
    if logical is not None:
        return _LOGICAL[logical](node)
    if node.type == "enum":
        return _enum(node)
    if node.type == "fixed":
        return _fixed(node.size)
    return _PLAIN.get(node.type)


def _null(value: Any) -> None:
    if value is not None:
        raise Refused(f"must be null; got {shown(value)}")


def _boolean(value: Any) -> None:
    if value is not True and value is not False:
        raise Refused(f"must be true or false; got {shown(value)}")


def _whole(kind: str, low: int, high: int) -> Check:
    def whole(value: Any) -> None:
        if type(value) is not int:
            raise Refused(f"must be a whole number ({kind}); got {shown(value)}")
        if not low <= value <= high:
            raise Refused(f"is out of range for {kind} ({low}..{high}); got {shown(value)}")

    return whole


def _number(kind: str) -> Check:
    def number(value: Any) -> None:
        cls = type(value)
        if cls is int:
            try:
                value = float(value)
            except OverflowError:
                raise Refused(f"is out of range for {kind}; got {shown(value)}") from None
        elif cls is not float:
            raise Refused(f"must be a number ({kind}); got {shown(value)}")
        if kind == "float" and math.isfinite(value) and not float32_fits(value):
            raise Refused(f"is out of range for float (about ±3.4e38); got {shown(value)}")

    return number


def _string(value: Any) -> None:
    if not isinstance(value, str):
        raise Refused(f"must be a text; got {shown(value)}")
    if not value.isascii() and not utf8_text(value):
        raise Refused("must be valid Unicode text (it holds a lone surrogate)")


def _bytes(value: Any) -> None:
    if type(value) is not bytes and type(value) is not bytearray:
        raise Refused(f"must be bytes; got {shown(value)}")


def _fixed(size: int) -> Check:
    def fixed(value: Any) -> None:
        if type(value) is not bytes or len(value) != size:
            raise Refused(f"must be exactly {size} bytes; got {shown(value)}")

    return fixed


def _enum(node: AvroNode) -> Check:
    symbols = node.symbol_set
    wording = f"must be one of {', '.join(node.symbols)}"

    def enum(value: Any) -> None:
        if not isinstance(value, str) or value not in symbols:
            raise Refused(f"{wording}; got {shown(value)}")

    return enum


def _timestamp(node: AvroNode) -> Check:
    local = (node.logical_type or "").startswith("local-")
    long_value = _whole("long", *LONG_RANGE)

    def timestamp(value: Any) -> None:
        if isinstance(value, dt.datetime):
            if not local and value.tzinfo is None:
                raise Refused(f"must have a time zone (an aware datetime); got {shown(value)}")
            return
        long_value(value)

    return timestamp


def _date(_node: AvroNode) -> Check:
    int_value = _whole("int", *INT_RANGE)

    def day(value: Any) -> None:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            int_value(value)

    return day


def _time_of_day(node: AvroNode) -> Check:
    whole = (
        _whole("int", *INT_RANGE)
        if node.logical_type == "time-millis"
        else _whole("long", *LONG_RANGE)
    )

    def time_of_day(value: Any) -> None:
        if not isinstance(value, dt.time):
            whole(value)

    return time_of_day


def _uuid(_node: AvroNode) -> Check:
    def uuid_value(value: Any) -> None:
        if isinstance(value, uuid.UUID):
            return
        if is_uuid_text(value):
            return
        raise Refused(f"must be a UUID; got {shown(value)}")

    return uuid_value


def _decimal(node: AvroNode) -> Check:
    precision, scale = node.precision, node.scale
    raw = _fixed(node.size) if node.type == "fixed" else _bytes

    def decimal_value(value: Any) -> None:
        if isinstance(value, Decimal):
            decimal_unscaled(value, precision, scale)
        elif isinstance(value, bytes | bytearray):
            raw(value)  # the encoded form, written as it is
        else:
            raise Refused(f"must be a Decimal (decimal({precision},{scale})); got {shown(value)}")

    return decimal_value


_PLAIN: dict[str, Check] = {
    "null": _null,
    "boolean": _boolean,
    "int": _whole("int", *INT_RANGE),
    "long": _whole("long", *LONG_RANGE),
    "float": _number("float"),
    "double": _number("double"),
    "string": _string,
    "bytes": _bytes,
}

_LOGICAL: dict[str, Callable[[AvroNode], Check]] = {
    "timestamp-millis": _timestamp,
    "timestamp-micros": _timestamp,
    "local-timestamp-millis": _timestamp,
    "local-timestamp-micros": _timestamp,
    "date": _date,
    "time-millis": _time_of_day,
    "time-micros": _time_of_day,
    "uuid": _uuid,
    "decimal": _decimal,
}
