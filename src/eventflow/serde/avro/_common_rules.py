"""The leaf rules a JSON value and a Python datum share, written once (pure).

The kinds both treat alike (null, boolean, string, enum) and the builders of the integer and
floating-point rules, which differ only by a parameter; :mod:`leaf_rules` pairs them with the
rules that differ (:mod:`json_rules`, :mod:`datum_rules`). A rule returns the datum of a value
or raises :class:`Refused` with the one wording.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro._limits import float32_fits, utf8_text
from eventflow.serde.avro._problems import Refused, shown

LeafRule = Callable[[Any], Any]  # a leaf's rule: the datum of a value, or raises Refused


def whole_rule(kind: str, low: int, high: int, *, floats: bool = False) -> LeafRule:
    """An integer in ``low..high`` (Avro ``kind``); with ``floats``, also a float holding
    such an integer (JSON numbers like ``2.0``), converted to it."""

    def whole(value: Any) -> Any:
        if type(value) is int:
            if low <= value <= high:
                return value
            raise Refused(f"is out of range for {kind} ({low}..{high}); got {shown(value)}")
        if floats and type(value) is float and value.is_integer() and low <= value <= high:
            return int(value)
        raise Refused(f"must be a whole number ({kind}); got {shown(value)}")

    return whole


def number_rule(kind: str, *, finite: bool) -> LeafRule:
    """A float or an int (converted to float) for Avro ``float`` or ``double``; with
    ``finite``, infinities and NaN are refused (JSON has none)."""

    def number(value: Any) -> Any:
        cls = type(value)
        if cls is float:
            if finite and not math.isfinite(value):
                raise Refused(f"must be a finite number; got {shown(value)}")
        elif cls is int:
            try:
                value = float(value)
            except OverflowError:
                raise Refused(f"is out of range for {kind}; got {shown(value)}") from None
        else:
            raise Refused(f"must be a number ({kind}); got {shown(value)}")
        if kind == "float" and math.isfinite(value) and not float32_fits(value):
            raise Refused(f"is out of range for float (about ±3.4e38); got {shown(value)}")
        return value

    return number


def null_value(value: Any) -> Any:
    if value is not None:
        raise Refused(f"must be null; got {shown(value)}")


def boolean_value(value: Any) -> Any:
    if value is True or value is False:
        return value
    raise Refused(f"must be true or false; got {shown(value)}")


def text_value(value: Any) -> Any:
    if not isinstance(value, str):
        raise Refused(f"must be a text; got {shown(value)}")
    if not value.isascii() and not utf8_text(value):
        raise Refused("must be valid Unicode text (it holds a lone surrogate)")
    return value


def enum_rule(node: AvroNode) -> LeafRule:
    symbols = node.symbol_set
    wording = f"must be one of {', '.join(node.symbols)}"

    def enum(value: Any) -> Any:
        if isinstance(value, str) and value in symbols:
            return value
        raise Refused(f"{wording}; got {shown(value)}")

    return enum
