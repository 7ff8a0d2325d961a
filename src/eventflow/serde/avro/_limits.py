"""Ranges and encodability rules shared by the converters, the checker and the writer (pure)."""

from __future__ import annotations

import re
import struct
import uuid
from decimal import Decimal

from eventflow.serde.avro._problems import Refused, shown

INT_RANGE = (-(2**31), 2**31 - 1)
LONG_RANGE = (-(2**63), 2**63 - 1)
PACK_FLOAT = struct.Struct("<f").pack
PACK_DOUBLE = struct.Struct("<d").pack


def float32_fits(value: float) -> bool:
    """True when ``value`` rounds to a 32-bit float (infinities and NaN included)."""
    try:
        PACK_FLOAT(value)
    except OverflowError:
        return False
    return True


_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def is_uuid_text(value: object) -> bool:
    """True for text :class:`uuid.UUID` parses (the canonical form is checked quickly)."""
    if not isinstance(value, str):
        return False
    if len(value) == 36 and _CANONICAL_UUID.fullmatch(value) is not None:
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def utf8_text(text: str) -> bool:
    """True when ``text`` encodes as UTF-8 (no lone surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def decimal_unscaled(value: Decimal, precision: int, scale: int) -> int:
    """The unscaled integer of ``value`` at ``scale``; refuses what does not fit exactly."""
    _sign, digits, exponent = value.as_tuple()
    kind = f"decimal({precision},{scale})"
    if not isinstance(exponent, int):
        raise Refused(f"must be a finite decimal number; got {shown(value)}")
    shift = exponent + scale
    if shift < 0:
        raise Refused(
            f"has more than {scale} digits after the decimal point ({kind}); got {shown(value)}"
        )
    if any(digits) and len(digits) + shift > precision:
        raise Refused(f"has more than {precision} digits in total ({kind}); got {shown(value)}")
    numerator, denominator = value.as_integer_ratio()
    unscaled: int = numerator * 10**scale // denominator
    return unscaled  # exact: the denominator divides 10**scale
