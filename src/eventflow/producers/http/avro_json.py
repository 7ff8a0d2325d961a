"""Check plain JSON data against an Avro schema and convert it to an encodable datum (pure).

HTTP clients send ordinary JSON (a union value is given as is, not Avro-JSON's
``{"string": ...}`` wrapper; timestamps as ISO-8601 text or epoch milliseconds; decimals as
text or numbers). :func:`convert` walks schema and value together and reports **every**
failing field by its path (``data.items[0].quantity``), never just the first.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from eventflow.contracts.naming import NAMED_KINDS, PRIMITIVES, definition_name, full_name
from eventflow.producers.http.problems import FieldProblem

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_EPOCH_DATE = date(1970, 1, 1)
_MISSING = object()


def type_label(schema: Any) -> str:
    """A short human name of a schema for messages: ``string``, ``OrderLine``, ``array``."""
    if isinstance(schema, str):
        return schema.rpartition(".")[2]
    if isinstance(schema, list):
        return " | ".join(type_label(b) for b in schema)
    kind = schema.get("type")
    if isinstance(kind, str) and kind in NAMED_KINDS:
        return str(schema.get("name"))
    if isinstance(schema.get("logicalType"), str):
        return str(schema["logicalType"])
    return type_label(kind) if kind is not None else "unknown"


@dataclass
class _Walk:
    named: Mapping[str, dict[str, Any]]
    problems: list[FieldProblem] = field(default_factory=list)

    def fail(self, path: str, message: str) -> object:
        self.problems.append(FieldProblem(path, message))
        return _MISSING


def convert(
    schema: Any, value: Any, *, path: str, named: Mapping[str, dict[str, Any]], namespace: str = ""
) -> tuple[Any, list[FieldProblem]]:
    """Return ``(datum, problems)``; the datum is only meaningful when ``problems`` is empty."""
    walk = _Walk(named)
    datum = _convert(walk, schema, value, path, namespace)
    return datum, walk.problems


def _resolve(walk: _Walk, name: str, namespace: str) -> dict[str, Any] | None:
    for candidate in (full_name(name, namespace), name):
        if candidate in walk.named:
            return walk.named[candidate]
    short = [s for full, s in walk.named.items() if full.rpartition(".")[2] == name]
    return short[0] if len(short) == 1 else None


def _convert(walk: _Walk, schema: Any, value: Any, path: str, namespace: str) -> Any:
    if isinstance(schema, list):
        return _union(walk, schema, value, path, namespace)
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return _primitive(walk, schema, None, value, path)
        resolved = _resolve(walk, schema, namespace)
        if resolved is None:
            return walk.fail(path, f"the schema refers to unknown type {schema!r}")
        schema = resolved
    kind = schema.get("type")
    if isinstance(kind, dict | list):
        return _convert(walk, kind, value, path, namespace)
    if kind in {"record", "error"}:
        return _record(walk, schema, value, path, namespace)
    if kind == "enum":
        symbols = [str(s) for s in schema.get("symbols", [])]
        if not isinstance(value, str) or value not in symbols:
            return walk.fail(path, f"must be one of {', '.join(symbols)}; got {_show(value)}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            return walk.fail(path, f"must be an array; got {_show(value)}")
        items = schema.get("items")
        return [_convert(walk, items, v, f"{path}[{i}]", namespace) for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            return walk.fail(path, f"must be an object (map); got {_show(value)}")
        values = schema.get("values")
        return {k: _convert(walk, values, v, f"{path}.{k}", namespace) for k, v in value.items()}
    if kind == "fixed":
        size = int(schema.get("size", 0))
        if not isinstance(value, str) or len(value) != size or not _latin1(value):
            return walk.fail(path, f"must be a text of exactly {size} latin-1 characters")
        return value.encode("latin-1")
    if isinstance(kind, str) and kind in PRIMITIVES:
        return _primitive(walk, kind, schema.get("logicalType"), value, path, schema=schema)
    if isinstance(kind, str):
        resolved = _resolve(walk, kind, namespace)
        if resolved is not None:
            return _convert(walk, resolved, value, path, namespace)
    return walk.fail(path, f"the schema has an unsupported type {kind!r}")


def _record(walk: _Walk, schema: dict[str, Any], value: Any, path: str, namespace: str) -> Any:
    if not isinstance(value, dict):
        return walk.fail(path, f"must be an object; got {_show(value)}")
    inner_ns = definition_name(schema, namespace).rpartition(".")[0]
    fields = schema.get("fields", [])
    known = {str(f["name"]) for f in fields}
    out: dict[str, Any] = {}
    for fld in fields:
        name = str(fld["name"])
        sub = f"{path}.{name}"
        if name in value:
            out[name] = _convert(walk, fld["type"], value[name], sub, inner_ns)
        elif "default" in fld:
            out[name] = _default(walk, fld["type"], fld["default"], sub, inner_ns)
        else:
            walk.fail(sub, f"is required ({type_label(fld['type'])})")
    for extra in sorted(set(value) - known):
        walk.fail(f"{path}.{extra}", "is not a field of this event type")
    return out


def _default(walk: _Walk, schema: Any, default: Any, path: str, namespace: str) -> Any:
    # A union's default belongs to its first branch (Avro spec).
    branch = schema[0] if isinstance(schema, list) and schema else schema
    if branch == "null" and default is None:
        return None
    if (
        isinstance(branch, dict)
        and branch.get("type") in {"long", "int"}
        and isinstance(default, int)
    ):
        return default
    return _convert(walk, branch, default, path, namespace)


def _union(walk: _Walk, branches: list[Any], value: Any, path: str, namespace: str) -> Any:
    if value is None:
        if "null" in branches:
            return None
        return walk.fail(path, f"must not be null ({type_label(branches)})")
    for branch in branches:
        if branch == "null":
            continue
        trial = _Walk(walk.named)
        datum = _convert(trial, branch, value, path, namespace)
        if not trial.problems:
            return datum
    non_null = [b for b in branches if b != "null"]
    if len(non_null) == 1:  # an optional field: report the inner problems precisely
        return _convert(walk, non_null[0], value, path, namespace)
    return walk.fail(path, f"must be one of {type_label(non_null)}; got {_show(value)}")


def _primitive(
    walk: _Walk,
    kind: str,
    logical: Any,
    value: Any,
    path: str,
    *,
    schema: Mapping[str, Any] | None = None,
) -> Any:
    if logical in {"timestamp-millis", "timestamp-micros"} and kind == "long":
        return _timestamp(walk, value, path, 1000 if logical == "timestamp-millis" else 1_000_000)
    if logical == "date" and kind == "int":
        return _date(walk, value, path)
    if logical == "uuid" and kind == "string":
        if not isinstance(value, str) or not _is_uuid(value):
            return walk.fail(path, f"must be a UUID text; got {_show(value)}")
        return value
    if logical == "decimal" and kind in {"bytes", "fixed"}:
        return _decimal(walk, value, path, schema or {})
    return _plain(walk, kind, value, path)


def _plain(walk: _Walk, kind: str, value: Any, path: str) -> Any:
    if kind == "null":
        return None if value is None else walk.fail(path, f"must be null; got {_show(value)}")
    if kind == "boolean":
        return (
            value
            if isinstance(value, bool)
            else walk.fail(path, f"must be true or false; got {_show(value)}")
        )
    if kind in {"int", "long"}:
        low, high = _INT32 if kind == "int" else _INT64
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and low <= value <= high:
                return int(value)
            return walk.fail(path, f"must be a whole number ({kind}); got {_show(value)}")
        if not low <= value <= high:
            return walk.fail(path, f"is out of range for {kind} ({low}..{high})")
        return value
    if kind in {"float", "double"}:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return walk.fail(path, f"must be a number; got {_show(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            return walk.fail(path, "must be a finite number")
        return float(value)
    if kind == "string":
        return (
            value
            if isinstance(value, str)
            else walk.fail(path, f"must be a text; got {_show(value)}")
        )
    # bytes: Avro's JSON encoding maps code points 0-255 to bytes
    if not isinstance(value, str) or not _latin1(value):
        return walk.fail(path, "must be a text of latin-1 characters (Avro JSON bytes)")
    return value.encode("latin-1")


def _timestamp(walk: _Walk, value: Any, path: str, per_second: int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        parsed = parse_instant(value)
        if parsed is not None:
            return epoch_units(parsed, per_second)
    return walk.fail(
        path, f"must be an ISO-8601 date-time with a zone or epoch units; got {_show(value)}"
    )


def parse_instant(text: str) -> datetime | None:
    """An aware ISO-8601 date-time (``Z`` allowed); ``None`` when invalid or without zone."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def epoch_units(moment: datetime, per_second: int) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (
        delta.days * 86_400 + delta.seconds
    ) * per_second + delta.microseconds * per_second // 1_000_000


def _date(walk: _Walk, value: Any, path: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return (date.fromisoformat(value) - _EPOCH_DATE).days
        except ValueError:
            pass
    return walk.fail(path, f"must be an ISO-8601 date (YYYY-MM-DD); got {_show(value)}")


def _decimal(walk: _Walk, value: Any, path: str, schema: Mapping[str, Any]) -> Any:
    precision, scale = int(schema.get("precision", 38)), int(schema.get("scale", 0))
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return walk.fail(path, f"must be a decimal number (text or number); got {_show(value)}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return walk.fail(path, f"must be a decimal number; got {_show(value)}")
    if not number.is_finite():
        return walk.fail(path, "must be a finite decimal number")
    exponent = number.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and -exponent > scale
        and number != number.quantize(Decimal(1).scaleb(-scale))
    ):
        return walk.fail(path, f"has more than {scale} digits after the decimal point")
    quantized = number.quantize(Decimal(1).scaleb(-scale))
    if len(quantized.as_tuple().digits) > precision:
        return walk.fail(path, f"has more than {precision} digits in total")
    return quantized


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _latin1(text: str) -> bool:
    return all(ord(ch) < 256 for ch in text)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
