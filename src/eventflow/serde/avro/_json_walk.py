"""Check-and-convert plain JSON to datums: a fast and a precise form of the same rules (pure).

A value of a union with several non-null branches becomes ``(branch name, datum)``, fastavro's
union notation, so the writer writes the branch the JSON matched (the first, in schema order).

:class:`JsonCompiler` turns a schema node into closures once. The fast form converts a value
or raises :class:`Refused` for the first problem (with its path); the precise form collects
every problem. Both call the same leaf rules (:mod:`json_rules`) in the same order, so they
accept the same values and the fast form's problem is the precise form's first one (the
differential property test checks both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro._defaults import NO_DEFAULT, default_datum
from eventflow.serde.avro._json_rules import json_rule
from eventflow.serde.avro._limits import utf8_text
from eventflow.serde.avro._problems import (
    Refused,
    ValueProblem,
    field_segment,
    item_segment,
    key_segment,
    label,
    shown,
)

Fast = Callable[[Any], Any]
Precise = Callable[[Any, str, list[ValueProblem]], Any]
_FAILED: Any = object()


class JsonCompiler:
    """Compiles nodes; named types are compiled once (recursion refers to the holder)."""

    def __init__(self) -> None:
        self._fast: dict[int, list[Fast]] = {}
        self._precise: dict[int, list[Precise]] = {}

    # ------------------------------------------------------------------ fast
    def fast(self, node: AvroNode) -> Fast:
        rule = json_rule(node)
        if rule is not None:
            return rule
        if node.type == "record":
            holder = self._fast.get(id(node))
            if holder is not None:
                return holder[0] if holder else _deferred(holder)
            holder = self._fast[id(node)] = []
            fn = self._fast_record(node)
            holder.append(fn)
            return fn
        child = node.child
        if node.type == "array" and child is not None:
            return _fast_array(self.fast(child))
        if node.type == "map" and child is not None:
            return _fast_map(self.fast(child))
        if node.type == "union":
            return self._fast_union(node)
        raise ValueError(f"cannot convert values of {node!r}")

    def _fast_record(self, node: AvroNode) -> Fast:
        fields = [
            (f.name, self.fast(f.schema), default_datum(f), f"is required ({label(f.schema)})")
            for f in node.fields
        ]
        known = frozenset(f.name for f in node.fields)
        extra = f"is not a field of {node.name}"
        wording = f"must be an object ({node.name}); got "

        def record(value: Any) -> Any:
            if type(value) is not dict:
                raise Refused(wording + shown(value))
            out = {}
            name = ""
            try:
                for name, convert, default, required in fields:
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

    def _fast_union(self, node: AvroNode) -> Fast:
        nullable = any(b.type == "null" for b in node.branches)
        others = [self.fast(b) for b in node.branches if b.type != "null"]
        if len(others) > 1:  # the datum names its branch: the writer writes the one that matched
            keys = [b.union_key for b in node.branches if b.type != "null"]
            others = [_tagged(key, convert) for key, convert in zip(keys, others, strict=True)]
        not_null = f"must not be null ({label(node)})"
        if len(others) == 1:
            inner = others[0]

            def optional(value: Any) -> Any:
                if value is None:
                    if nullable:
                        return None
                    raise Refused(not_null)
                return inner(value)

            return optional
        wording = f"must be one of {label(node)}; got " if others else "must be null; got "

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

    # ------------------------------------------------------------------ precise
    def precise(self, node: AvroNode) -> Precise:
        rule = json_rule(node)
        if rule is not None:
            return _precise_leaf(rule)
        if node.type == "record":
            holder = self._precise.get(id(node))
            if holder is not None:
                return holder[0] if holder else _deferred_precise(holder)
            holder = self._precise[id(node)] = []
            fn = self._precise_record(node)
            holder.append(fn)
            return fn
        child = node.child
        if node.type == "array" and child is not None:
            return _precise_array(self.precise(child))
        if node.type == "map" and child is not None:
            return _precise_map(self.precise(child))
        if node.type == "union":
            return self._precise_union(node)
        raise ValueError(f"cannot convert values of {node!r}")

    def _precise_record(self, node: AvroNode) -> Precise:
        fields = [
            (f.name, self.precise(f.schema), default_datum(f), f"is required ({label(f.schema)})")
            for f in node.fields
        ]
        known = frozenset(f.name for f in node.fields)
        extra = f"is not a field of {node.name}"
        wording = f"must be an object ({node.name}); got "

        def record(value: Any, path: str, problems: list[ValueProblem]) -> Any:
            if type(value) is not dict:
                problems.append(ValueProblem(path, wording + shown(value)))
                return _FAILED
            out = {}
            for name, convert, default, required in fields:
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

    def _precise_union(self, node: AvroNode) -> Precise:
        nullable = any(b.type == "null" for b in node.branches)
        others = [self.precise(b) for b in node.branches if b.type != "null"]
        if len(others) > 1:
            keys = [b.union_key for b in node.branches if b.type != "null"]
            others = [_tagged_precise(k, c) for k, c in zip(keys, others, strict=True)]
        not_null = f"must not be null ({label(node)})"
        wording = f"must be one of {label(node)}; got " if others else "must be null; got "

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
            return _FAILED

        return union


def _tagged(key: str, convert: Fast) -> Fast:
    def tagged(value: Any) -> Any:  # fastavro's union notation: (branch name, datum)
        return key, convert(value)

    return tagged


def _tagged_precise(key: str, convert: Precise) -> Precise:
    def tagged(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        return key, convert(value, path, problems)

    return tagged


def _deferred(holder: list[Fast]) -> Fast:
    def call(value: Any) -> Any:  # a recursive reference, filled once the record is compiled
        return holder[0](value)

    return call


def _deferred_precise(holder: list[Precise]) -> Precise:
    def call(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        return holder[0](value, path, problems)

    return call


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


def _precise_leaf(rule: Fast) -> Precise:
    def leaf(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        try:
            return rule(value)
        except Refused as exc:
            problems.append(ValueProblem(path, exc.message))
            return _FAILED

    return leaf


def _precise_array(items: Precise) -> Precise:
    def array(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        if type(value) is not list:
            problems.append(ValueProblem(path, f"must be an array; got {shown(value)}"))
            return _FAILED
        return [items(item, path + item_segment(i), problems) for i, item in enumerate(value)]

    return array


def _precise_map(values: Precise) -> Precise:
    def mapping(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        if type(value) is not dict:
            problems.append(ValueProblem(path, f"must be an object (map); got {shown(value)}"))
            return _FAILED
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
