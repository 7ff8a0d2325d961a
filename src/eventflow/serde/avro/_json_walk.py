"""Check-and-convert plain JSON to datums: a fast and a precise form of the same rules (pure).

A value of a union with several non-null branches becomes ``(branch name, datum)``, fastavro's
union notation, so the writer writes the branch the JSON matched (the first, in schema order).

Two forms of the one compiler (:mod:`compile`): the fast form converts a value or raises
:class:`Refused` for the first problem (with its path); the precise form collects every
problem. Both call the same leaf rules (:mod:`json_rules`) in the same order, so they accept
the same values and the fast form's problem is the precise form's first one (the differential
property test checks both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventflow.contracts import AvroField, AvroNode
from eventflow.serde.avro._compile import Compiled
from eventflow.serde.avro._defaults import NO_DEFAULT, default_datum
from eventflow.serde.avro._leaf_rules import json_rule
from eventflow.serde.avro._limits import utf8_text
from eventflow.serde.avro._problems import (
    FAILED,
    Refused,
    ValueProblem,
    collecting_leaves,
    field_segment,
    item_segment,
    key_segment,
    label,
    shown,
)

Fast = Callable[[Any], Any]
Precise = Callable[[Any, str, list[ValueProblem]], Any]


class JsonCompiler:
    """The fast and the precise form of one schema graph (:class:`Compiled`, one each)."""

    def __init__(self) -> None:
        self.fast: Compiled[Fast] = Compiled(_FastForm())
        self.precise: Compiled[Precise] = Compiled(_PreciseForm())


def _record_parts(node: AvroNode, fields: list[tuple[AvroField, Any]]) -> Any:
    """Per field (name, function, default datum or NO_DEFAULT, wording when missing), the
    field names, and the wordings of an unknown field and of a value that is no object."""
    compiled = [
        (f.name, fn, default_datum(f), f"is required ({label(f.schema)})") for f, fn in fields
    ]
    known = frozenset(f.name for f in node.fields)
    return (
        compiled,
        known,
        f"is not a field of {node.name}",
        f"must be an object ({node.name}); got ",
    )


def _union_parts(node: AvroNode, branches: list[Any], tag: Callable[[str, Any], Any]) -> Any:
    """Whether null is a branch, the other branches' functions (each tagged with its branch
    name when there are several) and the wordings of a union."""
    nullable = any(b.type == "null" for b in node.branches)
    named = [
        (b.union_key, fn) for b, fn in zip(node.branches, branches, strict=True) if b.type != "null"
    ]
    others = [fn for _key, fn in named]
    if len(others) > 1:  # the datum names its branch: the writer writes the one that matched
        others = [tag(key, fn) for key, fn in named]
    not_null = f"must not be null ({label(node)})"
    wording = f"must be one of {label(node)}; got " if others else "must be null; got "
    return nullable, others, not_null, wording


def _tagged(key: str, convert: Fast) -> Fast:
    def tagged(value: Any) -> Any:  # fastavro's union notation: (branch name, datum)
        return key, convert(value)

    return tagged


def _tagged_precise(key: str, convert: Precise) -> Precise:
    def tagged(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        return key, convert(value, path, problems)

    return tagged


def _check_key(key: str) -> None:
    if not key.isascii() and not utf8_text(key):
        raise Refused("map keys must be valid Unicode text (this one holds a lone surrogate)")


def _fast_array(items: Fast) -> Fast:
    def array(value: Any) -> Any:
        if type(value) is not list:
            raise Refused(f"must be an array; got {shown(value)}")
        index = 0
        try:
            out = []
            for index, item in enumerate(value):  # noqa: B007 - index names the failing item
                out.append(items(item))
        except Refused as exc:
            exc.where.append(item_segment(index))
            raise
        return out

    return array


def _fast_map(values: Fast) -> Fast:
    def mapping(value: Any) -> Any:
        if type(value) is not dict:
            raise Refused(f"must be an object (map); got {shown(value)}")
        key = ""
        try:
            out = {}
            for key, item in value.items():
                _check_key(key)
                out[key] = values(item)
        except Refused as exc:
            exc.where.append(key_segment(key))
            raise
        return out

    return mapping


def _precise_array(items: Precise) -> Precise:
    def array(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        if type(value) is not list:
            problems.append(ValueProblem(path, f"must be an array; got {shown(value)}"))
            return FAILED
        return [items(item, path + item_segment(i), problems) for i, item in enumerate(value)]

    return array


def _precise_map(values: Precise) -> Precise:
    def mapping(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        if type(value) is not dict:
            problems.append(ValueProblem(path, f"must be an object (map); got {shown(value)}"))
            return FAILED
        out = {}
        for key, item in value.items():
            sub = path + key_segment(key)
            try:
                _check_key(key)
            except Refused as exc:
                problems.append(ValueProblem(sub, exc.message))
                continue
            out[key] = values(item, sub, problems)
        return out

    return mapping


class _FastForm:
    """Convert a value or raise :class:`Refused` for its first problem (with its path)."""

    def leaf(self, node: AvroNode) -> Fast | None:
        return json_rule(node)

    def record(self, node: AvroNode, fields: list[tuple[AvroField, Fast]]) -> Fast:
        compiled, known, extra, wording = _record_parts(node, fields)

        def record(value: Any) -> Any:
            if type(value) is not dict:
                raise Refused(wording + shown(value))
            out = {}
            name = ""
            try:
                for name, convert, default, required in compiled:
                    if name in value:
                        out[name] = convert(value[name])
                    elif default is not NO_DEFAULT:
                        out[name] = default
                    else:
                        raise Refused(required)
            except Refused as exc:
                exc.where.append(field_segment(name))
                raise
            if not known.issuperset(value):
                first = min(set(value) - known)
                raise Refused(extra, [field_segment(first)])
            return out

        return record

    array = staticmethod(_fast_array)
    map = staticmethod(_fast_map)

    def union(self, node: AvroNode, branches: list[Fast]) -> Fast:
        nullable, others, not_null, wording = _union_parts(node, branches, _tagged)
        if len(others) == 1:
            inner = others[0]

            def optional(value: Any) -> Any:
                if value is None:
                    if nullable:
                        return None
                    raise Refused(not_null)
                return inner(value)

            return optional

        def union(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise Refused(not_null)
            for convert in others:
                try:
                    return convert(value)
                except Refused:
                    continue
            raise Refused(wording + shown(value))

        return union


class _PreciseForm:
    """Convert a value, appending every problem with its path to a list."""

    leaf = staticmethod(collecting_leaves(json_rule))

    def record(self, node: AvroNode, fields: list[tuple[AvroField, Precise]]) -> Precise:
        compiled, known, extra, wording = _record_parts(node, fields)

        def record(value: Any, path: str, problems: list[ValueProblem]) -> Any:
            if type(value) is not dict:
                problems.append(ValueProblem(path, wording + shown(value)))
                return FAILED
            out = {}
            for name, convert, default, required in compiled:
                sub = path + field_segment(name)
                if name in value:
                    out[name] = convert(value[name], sub, problems)
                elif default is not NO_DEFAULT:
                    out[name] = default
                else:
                    problems.append(ValueProblem(sub, required))
            for name in sorted(set(value) - known):
                problems.append(ValueProblem(path + field_segment(name), extra))
            return out

        return record

    array = staticmethod(_precise_array)
    map = staticmethod(_precise_map)

    def union(self, node: AvroNode, branches: list[Precise]) -> Precise:
        nullable, others, not_null, wording = _union_parts(node, branches, _tagged_precise)

        def union(value: Any, path: str, problems: list[ValueProblem]) -> Any:
            if value is None:
                if not nullable:
                    problems.append(ValueProblem(path, not_null))
                return None
            if len(others) == 1:
                return others[0](value, path, problems)
            for convert in others:
                trial: list[ValueProblem] = []
                datum = convert(value, path, trial)
                if not trial:
                    return datum
            problems.append(ValueProblem(path, wording + shown(value)))
            return FAILED

        return union
