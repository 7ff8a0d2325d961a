"""The rules for one Python datum of a leaf schema (pure): what the writer accepts.

A datum is what a generated class's ``to_avro_dict`` or fastavro's reader gives: ints or
``datetime`` for timestamps, ``date`` for dates, ``time`` for times, ``Decimal`` (or the raw
bytes) for decimals, ``UUID`` or text for uuids, ``bytes`` for bytes and fixed. Each rule
raises :class:`Refused` with the one wording; the writer refuses exactly these values
(property-tested), the precise checker names where. The kinds a JSON value shares are in
:mod:`common_rules`; :mod:`leaf_rules` says which rule each kind has.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro._common_rules import LeafRule, whole_rule
from eventflow.serde.avro._limits import INT_RANGE, LONG_RANGE, decimal_unscaled, is_uuid_text
from eventflow.serde.avro._problems import Refused, shown

_INT = whole_rule("int", *INT_RANGE)
_LONG = whole_rule("long", *LONG_RANGE)


def datum_bytes(value: Any) -> Any:
    if type(value) is not bytes and type(value) is not bytearray:
        raise Refused(f"must be bytes; got {shown(value)}")


def datum_fixed(node: AvroNode) -> LeafRule:
    size = node.size

    def fixed(value: Any) -> Any:
        if type(value) is not bytes or len(value) != size:
            raise Refused(f"must be exactly {size} bytes; got {shown(value)}")

    return fixed


def datum_uuid(value: Any) -> Any:
    if not isinstance(value, uuid.UUID) and not is_uuid_text(value):
        raise Refused(f"must be a UUID; got {shown(value)}")


def datum_timestamp(node: AvroNode) -> LeafRule:
    local = (node.logical_type or "").startswith("local-")

    def timestamp(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            if not local and value.tzinfo is None:
                raise Refused(f"must have a time zone (an aware datetime); got {shown(value)}")
            return
        _LONG(value)

    return timestamp


def datum_date(value: Any) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        _INT(value)


def datum_time(node: AvroNode) -> LeafRule:
    units = _INT if node.logical_type == "time-millis" else _LONG

    def time_of_day(value: Any) -> Any:
        if not isinstance(value, dt.time):
            units(value)

    return time_of_day


def datum_decimal(node: AvroNode) -> LeafRule:
    precision, scale = node.precision, node.scale
    raw = datum_fixed(node) if node.type == "fixed" else datum_bytes

    def decimal_value(value: Any) -> Any:
        if isinstance(value, Decimal):
            decimal_unscaled(value, precision, scale)
        elif isinstance(value, bytes | bytearray):
            raw(value)  # the encoded form, written as it is
        else:
            kind = f"decimal({precision},{scale})"
            raise Refused(f"must be a Decimal ({kind}); got {shown(value)}")

    return decimal_value
