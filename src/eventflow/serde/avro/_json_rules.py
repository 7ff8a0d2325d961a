"""The rules for one JSON value of a leaf schema: check it and convert it to the datum (pure).

HTTP clients send plain JSON: a union value as is (not Avro-JSON's ``{"string": ...}``),
timestamps as ISO-8601 text or epoch units, dates as ``YYYY-MM-DD`` or days, decimals as text
or numbers, bytes and fixed as text of latin-1 characters (Avro's JSON encoding). Each rule
returns the datum the writer encodes or raises :class:`Refused` with the one wording; the fast
and the precise forms call the same rules, so they accept the same values. The kinds a datum
shares are in :mod:`common_rules`; :mod:`leaf_rules` says which rule each kind has.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro._common_rules import LeafRule, whole_rule
from eventflow.serde.avro._limits import INT_RANGE, LONG_RANGE, is_uuid_text
from eventflow.serde.avro._problems import Refused, shown

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)
_INEXACT = 2.0**63  # a float this large may be an integer literal that lost digits in parsing


def parse_instant(text: str) -> datetime | None:
    """An aware ISO-8601 date-time (``Z`` allowed); ``None`` when invalid or without a zone."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def epoch_units(moment: datetime, per_second: int) -> int:
    """Whole milliseconds (1000) or microseconds (1_000_000) since 1970-01-01T00:00Z."""
    delta = (
        moment.astimezone(UTC) - _EPOCH if moment.tzinfo else moment - _EPOCH.replace(tzinfo=None)
    )
    whole = (delta.days * 86_400 + delta.seconds) * per_second
    return whole + delta.microseconds * per_second // 1_000_000


def json_bytes(value: Any) -> Any:
    if type(value) is str:
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            pass
    raise Refused(f"must be a text of latin-1 characters (Avro JSON bytes); got {shown(value)}")


def json_fixed(node: AvroNode) -> LeafRule:
    size = node.size

    def fixed(value: Any) -> Any:
        if type(value) is str and len(value) == size:
            try:
                return value.encode("latin-1")
            except UnicodeEncodeError:
                pass
        raise Refused(f"must be a text of exactly {size} latin-1 characters; got {shown(value)}")

    return fixed


def json_timestamp(node: AvroNode) -> LeafRule:
    logical = node.logical_type or ""
    per_second = 1000 if logical.endswith("millis") else 1_000_000
    local = logical.startswith("local-")
    unit = "milliseconds" if per_second == 1000 else "microseconds"
    zone = "without a zone" if local else "with a zone"
    wording = f"must be an ISO-8601 date-time {zone} or epoch {unit}"
    epoch_long = whole_rule("long", *LONG_RANGE)

    def timestamp(value: Any) -> Any:
        if type(value) is int:
            return epoch_long(value)
        if type(value) is str:
            moment = _local_instant(value) if local else parse_instant(value)
            if moment is not None:
                return epoch_units(moment, per_second)
        raise Refused(f"{wording}; got {shown(value)}")

    return timestamp


def _local_instant(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


_DAYS = whole_rule("int", *INT_RANGE)


def json_date(value: Any) -> Any:
    if type(value) is int:
        return _DAYS(value)
    if type(value) is str:
        try:
            return (date.fromisoformat(value) - _EPOCH_DATE).days
        except ValueError:
            pass
    raise Refused(f"must be an ISO-8601 date (YYYY-MM-DD) or days since 1970; got {shown(value)}")


def json_time(node: AvroNode) -> LeafRule:
    per_second = 1000 if node.logical_type == "time-millis" else 1_000_000
    kind = "int" if per_second == 1000 else "long"
    units = whole_rule(kind, *(INT_RANGE if per_second == 1000 else LONG_RANGE))

    def time_of_day(value: Any) -> Any:
        if type(value) is int:
            return units(value)
        if type(value) is str:
            try:
                moment = time.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is None:
                seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
                return seconds * per_second + moment.microsecond * per_second // 1_000_000
        raise Refused(f"must be an ISO-8601 time of day (HH:MM:SS) or {kind}; got {shown(value)}")

    return time_of_day


def json_uuid(value: Any) -> Any:
    if type(value) is str and is_uuid_text(value):
        return value
    raise Refused(f"must be a UUID text; got {shown(value)}")


def json_decimal(node: AvroNode) -> LeafRule:
    precision, scale = node.precision, node.scale
    quantum = Decimal(1).scaleb(-scale)
    exact = Context(prec=precision + 1)
    kind = f"decimal({precision},{scale})"

    def decimal_value(value: Any) -> Any:
        cls = type(value)
        if cls is not str and cls is not int and cls is not float:
            raise Refused(f"must be a decimal number (text or number); got {shown(value)}")
        text = value if cls is str else repr(value) if cls is float else None
        try:
            number = Decimal(text) if text is not None else Decimal(value)
        except (InvalidOperation, ValueError):
            raise Refused(f"must be a decimal number; got {shown(value)}") from None
        if not number.is_finite():
            raise Refused(f"must be a finite decimal number; got {shown(value)}")
        if number and number.adjusted() >= precision - scale:
            raise Refused(f"has more than {precision} digits in total ({kind}); got {shown(value)}")
        if cls is float and abs(value) >= _INEXACT and value.is_integer():
            raise Refused(
                f"is a JSON number too large to be exact ({kind}); send it as text; "
                f"got {shown(value)}"
            )
        try:
            quantized = number.quantize(quantum, context=exact)
        except InvalidOperation:
            raise Refused(f"does not fit {kind}; got {shown(value)}") from None
        if quantized != number:
            raise Refused(
                f"has more than {scale} digits after the decimal point ({kind}); got {shown(value)}"
            )
        # quantized has at most ``precision`` digits and exponent -scale: the writer takes it
        return quantized if quantized else quantized.copy_abs()  # no negative zero

    return decimal_value
