"""The compiled fast path agrees with the precise walker on every value, good or bad."""

from __future__ import annotations

from typing import Any

import pytest

from eventflow.producers.http.avro_fast import PayloadConverter, _Bad
from eventflow.producers.http.avro_json import convert
from tests.unit.producers.fakes import real_catalog
from tests.unit.producers.test_avro_json import GOOD, NAMED, SCHEMA

VARIANTS: list[Any] = [
    {},
    GOOD,
    {**GOOD, "either": 5},
    {**GOOD, "either": "x"},
    {**GOOD, "either": 1.5},
    {**GOOD, "note": None},
    {**GOOD, "note": 3},
    {**GOOD, "count": True},
    {**GOOD, "count": 2.0},
    {**GOOD, "count": 2**40},
    {**GOOD, "ratio": float("nan")},
    {**GOOD, "price": "1.234"},
    {**GOOD, "price": "NaN"},
    {**GOOD, "price": 12},
    {**GOOD, "price": "Infinity"},
    {**GOOD, "at": 5},
    {**GOOD, "at": "2026-01-01T00:00:00"},
    {**GOOD, "day": 3},
    {**GOOD, "kind": "Z"},
    {**GOOD, "again": "B"},
    {**GOOD, "tags": {"a": 1}},
    {**GOOD, "tags": {"a": "1"}},
    {**GOOD, "raw": "xy"},
    {**GOOD, "raw": "\u20ac\u20ac"},
    {**GOOD, "extra": 1},
    {**GOOD, "id": "nope"},
    [],
    "text",
    None,
]


@pytest.mark.parametrize("value", VARIANTS)
def test_fast_path_accepts_exactly_what_the_walker_accepts(value):
    converter = PayloadConverter(SCHEMA, NAMED, "")
    slow, problems = convert(SCHEMA, value, path="data", named=NAMED)
    try:
        fast = converter._fast(value)
    except _Bad:
        assert problems, f"fast path refused a value the walker accepts: {value!r}"
    else:
        assert problems == [], f"fast path accepted what the walker refuses: {problems}"
        assert fast == slow
    assert converter(value, "data") == (slow, problems)


def test_real_event_types_take_the_fast_path():
    for spec in real_catalog():
        data = spec.example()["data"]
        fast = spec.converter._fast(data)
        assert (fast, []) == convert(
            spec.payload_schema,
            data,
            path="data",
            named=spec.named,
            namespace=spec.payload_namespace,
        )
