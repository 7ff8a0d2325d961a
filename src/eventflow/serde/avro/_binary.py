"""Avro binary building blocks the generated writer calls: varints and logical conversions.

Each conversion turns one datum form into what Avro stores (a ``datetime`` into epoch units,
a ``Decimal`` into its two's-complement bytes) exactly as fastavro does, and raises for a
value of the wrong form; :mod:`datum_rules` states the same limits with a message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from eventflow.serde.avro._limits import decimal_unscaled, is_uuid_text

Out = bytearray
Writer = Callable[[Any, Out], None]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def varint_bytes(n: int) -> bytes:
    """The varint of a non-negative integer (a zig-zagged long, a length, a union index)."""
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


def epoch_units_of(per_second: int, local: bool) -> Callable[[Any], int]:
    """``datetime`` -> milliseconds (1000) or microseconds (1_000_000) since the epoch; a
    local timestamp counts its wall-clock time as UTC, any other needs a zone."""

    def convert(value: Any) -> int:
        if not isinstance(value, dt.datetime):
            raise TypeError("an int or a datetime expected")
        if local:
            delta = value.replace(tzinfo=dt.UTC) - _EPOCH
        elif value.tzinfo is None:
            raise ValueError("a timestamp needs a time zone")
        else:
            delta = value - _EPOCH
        whole = (delta.days * 86_400 + delta.seconds) * per_second
        return whole + delta.microseconds * per_second // 1_000_000

    return convert


def days_of(value: Any) -> int:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError("an int or a date expected")
    return value.toordinal() - _EPOCH_ORDINAL


def time_units_of(per_second: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if not isinstance(value, dt.time):
            raise TypeError("an int or a time expected")
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return seconds * per_second + value.microsecond * per_second // 1_000_000

    return convert


def uuid_text(value: Any) -> str:
    """A uuid datum as the text Avro stores: a ``UUID`` in its canonical form, text as given
    once it parses."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not is_uuid_text(value):
        raise ValueError("a UUID text expected")
    return str(value)


def decimal_bytes_writer(precision: int, scale: int) -> Writer:
    """A bytes-decimal: minimal-ish two's complement, sized by the magnitude as fastavro."""

    def write(value: Any, out: Out) -> None:
        if isinstance(value, Decimal):
            unscaled = decimal_unscaled(value, precision, scale)
            data = unscaled.to_bytes((abs(unscaled).bit_length() + 8) // 8, "big", signed=True)
        elif type(value) is bytes or type(value) is bytearray:
            data = bytes(value)
        else:
            raise TypeError("a Decimal expected")
        size = len(data) << 1
        out += SMALL[size] if size < SMALL_LIMIT else varint_bytes(size)
        out += data

    return write


def decimal_fixed_writer(precision: int, scale: int, size: int) -> Writer:
    """A fixed-decimal: two's complement in exactly ``size`` bytes."""

    def write(value: Any, out: Out) -> None:
        if isinstance(value, Decimal):
            out += decimal_unscaled(value, precision, scale).to_bytes(size, "big", signed=True)
        elif type(value) is bytes and len(value) == size:
            out += value
        else:
            raise TypeError(f"a Decimal or {size} bytes expected")

    return write
