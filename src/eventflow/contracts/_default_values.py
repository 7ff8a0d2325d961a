"""Java ``Schema.isValidDefault``: whether a JSON default value fits a schema (Avro 1.12)."""

from __future__ import annotations

from typing import Any

from eventflow.contracts._avro_model import UNRESOLVED, AvroNode

__all__ = ["FieldsNotSetError", "valid_default"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


class FieldsNotSetError(Exception):
    """Java's "Schema fields not set yet": a default looks inside a record being rebuilt."""

    def __init__(self, record: AvroNode) -> None:
        super().__init__(record.fullname)
        self.record = record


def valid_default(schema: AvroNode, value: Any, unfinished: frozenset[int] = frozenset()) -> bool:
    """Java ``Schema.isValidDefault``: does JSON ``value`` fit ``schema``?

    ``unfinished`` holds ids of records Java is still rebuilding when it re-validates
    (after resolving names used before their definition); looking at their fields raises
    :class:`FieldsNotSetError` as Java does.
    """
    kind = schema.type
    if kind in ("string", "bytes", "enum", "fixed"):
        return isinstance(value, str)
    if kind in ("int", "long"):
        low, high = (_INT_MIN, _INT_MAX) if kind == "int" else (_LONG_MIN, _LONG_MAX)
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if kind in ("float", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        assert schema.child is not None
        return isinstance(value, list) and all(
            valid_default(schema.child, v, unfinished) for v in value
        )
    if kind == "map":
        assert schema.child is not None
        return isinstance(value, dict) and all(
            valid_default(schema.child, v, unfinished) for v in value.values()
        )
    if kind == "union":
        return any(valid_default(branch, value, unfinished) for branch in schema.branches)
    if kind in ("record", UNRESOLVED):
        if not isinstance(value, dict):
            return False
        if id(schema) in unfinished:
            raise FieldsNotSetError(schema)
        for field in schema.fields:
            if field.name in value:
                if not _valid_value(field.schema, value[field.name], unfinished):
                    return False
            elif not field.has_default or not _valid_value(field.schema, field.default, unfinished):
                return False
        return True
    return False


def _valid_value(schema: AvroNode, value: Any, unfinished: frozenset[int]) -> bool:
    if schema.type == "union":
        return any(valid_default(branch, value, unfinished) for branch in schema.branches)
    return valid_default(schema, value, unfinished)
