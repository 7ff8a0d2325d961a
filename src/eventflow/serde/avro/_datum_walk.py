"""Name every problem of a Python datum against a schema node, and pick union branches (pure).

The datum form of the one compiler (:mod:`compile`). The writer refuses exactly the datums
this checker finds problems in (the property test checks it); when it refuses one, the
serializer asks :class:`DatumChecker` where and why.
A union value picks its branch as fastavro does: ``(name, value)`` names it; otherwise the
first branch the value fits, except that among records the one sharing most fields with the
value wins, and ``double`` is preferred over an earlier ``float``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eventflow.contracts import AvroField, AvroNode
from eventflow.serde.avro._compile import Compiled
from eventflow.serde.avro._defaults import NO_DEFAULT, default_datum
from eventflow.serde.avro._leaf_rules import datum_rule
from eventflow.serde.avro._limits import utf8_text
from eventflow.serde.avro._problems import (
    Refused,
    ValueProblem,
    collecting_leaves,
    field_segment,
    item_segment,
    key_segment,
    label,
    shown,
)

Walk = Callable[[Any, str, list[ValueProblem]], None]
Selector = Callable[[Any], tuple[int, Any]]


class DatumChecker:
    """The datum form of the one compiler (:class:`Compiled`): precise checks, made once."""

    def __init__(self) -> None:
        self.walk: Compiled[Walk] = Compiled(_DatumForm())

    def problems(self, node: AvroNode, value: Any, root: str) -> list[ValueProblem]:
        found: list[ValueProblem] = []
        self.walk(node)(value, root, found)
        return found

    def selector(self, node: AvroNode) -> Selector:
        """``(branch index, value)`` for a value of the union ``node`` (see :func:`_selector`)."""
        return _selector(node, [self.walk(b) for b in node.branches])


def _fits(walk: Walk) -> Callable[[Any], bool]:
    def fits(value: Any) -> bool:
        found: list[ValueProblem] = []
        walk(value, "", found)
        return not found

    return fits


def _selector(node: AvroNode, walks: list[Walk]) -> Selector:
    """``(branch index, value)`` for a union value: -1 when no branch fits. A value given as
    ``(name, value)`` selects by name (raises :class:`Refused` for an unknown name)."""
    branches = node.branches
    fits = [_fits(walk) for walk in walks]
    keys = {b.union_key: i for i, b in enumerate(branches)}
    kinds = [b.type for b in branches]
    record_fields = [frozenset(b.field_map) if b.type == "record" else None for b in branches]
    several = sum(1 for b in branches if b.type != "null") > 1

    def select(value: Any) -> tuple[int, Any]:
        if several and type(value) is tuple and len(value) == 2 and isinstance(value[0], str):
            index = keys.get(value[0], -1)
            if index < 0:
                raise Refused(f"names {value[0]!r}, which is not a branch of this union")
            return index, value[1]
        best, most, floating = -1, -1, False
        for index, kind in enumerate(kinds):
            if floating:
                if kind == "double":
                    return index, value
                continue
            if not fits[index](value):
                continue
            names = record_fields[index]
            if names is not None:
                shared = len(names.intersection(value))
                if shared > most:
                    best, most = index, shared
            elif kind == "float":
                best, floating = index, True
            else:
                return index, value
        return best, value

    return select


def _array(items: Walk) -> Walk:
    def array(value: Any, path: str, problems: list[ValueProblem]) -> None:
        if type(value) is not list and type(value) is not tuple:
            problems.append(ValueProblem(path, f"must be a list; got {shown(value)}"))
            return
        for index, item in enumerate(value):
            items(item, path + item_segment(index), problems)

    return array


def _map(values: Walk) -> Walk:
    def mapping(value: Any, path: str, problems: list[ValueProblem]) -> None:
        if not isinstance(value, dict):
            problems.append(ValueProblem(path, f"must be a dict (map); got {shown(value)}"))
            return
        for key, item in value.items():
            sub = path + key_segment(key)
            if not isinstance(key, str) or (not key.isascii() and not utf8_text(key)):
                problems.append(ValueProblem(sub, "map keys must be valid Unicode text"))
                continue
            values(item, sub, problems)

    return mapping


class _DatumForm:
    """Check a datum, appending every problem with its path to a list."""

    leaf = staticmethod(collecting_leaves(datum_rule))

    def record(self, node: AvroNode, fields: list[tuple[AvroField, Walk]]) -> Walk:
        compiled = [
            (
                f.name,
                walk,
                default_datum(f) is not NO_DEFAULT,
                f"is required ({label(f.schema)})",
            )
            for f, walk in fields
        ]
        wording = f"must be an object ({node.name}); got "

        def record(value: Any, path: str, problems: list[ValueProblem]) -> None:
            if not isinstance(value, Mapping):
                problems.append(ValueProblem(path, wording + shown(value)))
                return
            for name, walk, has_default, required in compiled:
                if name in value:
                    walk(value[name], path + field_segment(name), problems)
                elif not has_default:
                    problems.append(ValueProblem(path + field_segment(name), required))

        return record

    array = staticmethod(_array)
    map = staticmethod(_map)

    def union(self, node: AvroNode, branches: list[Walk]) -> Walk:
        selector = _selector(node, branches)
        others = [i for i, b in enumerate(node.branches) if b.type != "null"]
        nullable = len(others) < len(node.branches)
        not_null = f"must not be null ({label(node)})"
        wording = f"must be one of {label(node)}; got " if others else "must be null; got "

        def union(value: Any, path: str, problems: list[ValueProblem]) -> None:
            if value is None and not nullable:
                problems.append(ValueProblem(path, not_null))
                return
            if len(others) == 1 and value is not None:
                branches[others[0]](value, path, problems)
                return
            try:
                index, inner = selector(value)
            except Refused as exc:
                problems.append(ValueProblem(path, exc.message))
                return
            if index < 0:
                problems.append(ValueProblem(path, wording + shown(value)))
                return
            branches[index](inner, path, problems)

        return union
