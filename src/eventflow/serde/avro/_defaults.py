"""A record field's default as the datum the writer encodes (pure).

A default is written in Avro's JSON encoding and belongs to the first branch of a union; bytes
and fixed defaults are text of latin-1 characters (for a decimal: its two's-complement bytes).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from eventflow.contracts import AvroField, AvroNode
from eventflow.serde.avro._leaf_rules import json_rule
from eventflow.serde.avro._problems import Refused

NO_DEFAULT: Final[Any] = object()


def default_datum(field: AvroField) -> Any:
    """The datum of ``field``'s default, or :data:`NO_DEFAULT` (none, or one that does not
    fit its schema: such a field is required)."""
    if not field.has_default:
        return NO_DEFAULT
    try:
        return _datum(field.schema, field.default)
    except (Refused, KeyError, TypeError, ValueError):
        return NO_DEFAULT


def _datum(node: AvroNode, value: Any) -> Any:
    if node.type == "union":
        if not node.branches:
            raise ValueError("empty union")
        first = node.branches[0]
        datum = _datum(first, value)
        several = sum(1 for b in node.branches if b.type != "null") > 1
        return (first.union_key, datum) if several and first.type != "null" else datum
    if node.logical_type == "decimal":
        raw = value.encode("latin-1")
        if node.type == "fixed" and len(raw) != node.size:
            raise ValueError("fixed default of the wrong size")
        return Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-node.scale)
    if node.type == "record":
        if not isinstance(value, dict):
            raise TypeError("record default must be an object")
        out = {}
        for field in node.fields:
            if field.name in value:
                out[field.name] = _datum(field.schema, value[field.name])
            elif field.has_default:
                out[field.name] = _datum(field.schema, field.default)
            else:
                raise KeyError(field.name)
        return out
    if node.type == "array":
        if not isinstance(value, list):
            raise TypeError("array default must be an array")
        child = node.child
        assert child is not None
        return [_datum(child, item) for item in value]
    if node.type == "map":
        if not isinstance(value, dict):
            raise TypeError("map default must be an object")
        child = node.child
        assert child is not None
        return {key: _datum(child, item) for key, item in value.items()}
    rule = json_rule(node)
    if rule is None:
        raise ValueError(f"no rule for {node.type}")
    return rule(value)
