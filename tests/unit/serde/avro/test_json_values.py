"""Plain JSON checked against Avro schemas: conversions and every failing field by path.

Hand-picked regressions of the value engine's JSON form (the HTTP API's); the differential
property test (test_differential.py) covers random schemas and values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from eventflow.producers.http._examples import example_for
from eventflow.serde._avro_json import collect_named_types
from eventflow.serde.avro import ValueProblem, ValueRejected, parse_instant
from tests.unit.producers.fakes import real_catalog
from tests.unit.serde.avro.engine import values_of

MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}
SCHEMA = {
    "type": "record",
    "name": "Thing",
    "namespace": "t",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "price", "type": MONEY},
        {"name": "count", "type": "int"},
        {"name": "ratio", "type": "double"},
        {"name": "flag", "type": "boolean", "default": False},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "either", "type": ["null", "long", "string"], "default": None},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "again", "type": "Kind", "default": "A"},
        {"name": "tags", "type": {"type": "map", "values": "int"}, "default": {}},
        {"name": "raw", "type": {"type": "fixed", "name": "Two", "size": 2}, "default": "ab"},
    ],
}
NAMED = collect_named_types(SCHEMA)
GOOD = {
    "id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
    "at": "2026-01-01T00:00:01.5Z",
    "day": "1970-01-11",
    "price": "123.4",
    "count": 3,
    "ratio": 2,
    "kind": "B",
}


ENGINE = values_of(SCHEMA)


def run(value):
    return ENGINE.from_json(value, "data")


def convert(schema, value, *, path):
    return values_of(schema).from_json(value, path)


def test_good_value_converts_with_defaults_filled_in():
    datum, problems = run(GOOD)
    assert problems == []
    assert datum["at"] == 1767225601500
    assert datum["day"] == 10
    assert datum["price"] == Decimal("123.40")
    assert datum["ratio"] == 2.0 and isinstance(datum["ratio"], float)
    assert datum["flag"] is False and datum["note"] is None and datum["again"] == "A"
    assert datum["tags"] == {} and datum["raw"] == b"ab"


def test_unions_take_the_first_matching_branch():
    # a union of several branches: (branch, datum), so the writer writes the branch matched
    assert run({**GOOD, "either": 5})[0]["either"] == ("long", 5)
    assert run({**GOOD, "either": "five"})[0]["either"] == ("string", "five")
    _, problems = run({**GOOD, "either": 1.5})
    assert [(p.path, p.message) for p in problems] == [
        ("data.either", "must be one of long | string; got 1.5")
    ]


def test_every_problem_is_reported_at_its_path():
    bad = {
        "id": "not-a-uuid",
        "at": "yesterday",
        "day": "2026-13-01",
        "price": "1000.00",
        "count": 2**31,
        "ratio": "x",
        "flag": "yes",
        "note": 3,
        "kind": "C",
        "tags": {"a": "one"},
        "raw": "abc",
        "unknown": 1,
    }
    _, problems = run(bad)
    paths = [p.path for p in problems]
    assert paths == [
        "data.id",
        "data.at",
        "data.day",
        "data.price",
        "data.count",
        "data.ratio",
        "data.flag",
        "data.note",
        "data.kind",
        'data.tags["a"]',
        "data.raw",
        "data.unknown",
    ]
    by_path = {p.path: p.message for p in problems}
    assert "more than 5 digits" in by_path["data.price"]
    assert "out of range for int" in by_path["data.count"]
    assert by_path["data.unknown"] == "is not a field of Thing"


def test_missing_required_fields_and_wrong_containers():
    _, problems = run({})
    assert {p.path for p in problems} == {
        "data.id",
        "data.at",
        "data.day",
        "data.price",
        "data.count",
        "data.ratio",
        "data.kind",
    }
    _, problems = run([])
    assert [(p.path, p.message) for p in problems] == [
        ("data", "must be an object (Thing); got an array")
    ]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1.23", True),
        (1, True),
        (1.5, True),
        ("1.234", False),
        ("NaN", False),
        (True, False),
        ("abc", False),
        ("999.99", True),
        ("1000", False),
    ],
)
def test_decimal_respects_scale_and_precision(value, ok):
    _, problems = convert(MONEY, value, path="p")
    assert (problems == []) is ok


def test_instants_need_a_zone():
    assert parse_instant("2026-01-01T00:00:00+02:00") is not None
    assert parse_instant("2026-01-01T00:00:00") is None
    assert parse_instant("soon") is None
    _, problems = convert(
        {"type": "long", "logicalType": "timestamp-millis"}, "2026-01-01T00:00:00", path="at"
    )
    assert problems[0].path == "at"


def test_bool_is_not_a_number_and_whole_floats_are_ints():
    assert convert("long", True, path="n")[1]
    assert convert("long", 3.0, path="n") == (3, [])
    assert convert("double", float("inf"), path="n")[1]


def test_named_references_resolve_across_namespaces():
    catalog = real_catalog()
    spec = catalog.get("order.placed")
    assert "com.eventflow.common.Currency" in spec.named
    _, problems = spec.converter({**spec.example()["data"], "currency": "DOGE"}, "data")
    assert [p.path for p in problems] == ["data.currency"]
    assert "EUR" in problems[0].message


def test_generated_examples_are_valid_for_every_event_type():
    catalog = real_catalog()
    assert len(catalog) >= 3
    for spec in catalog:
        data = spec.example()["data"]
        assert data, spec.event_type
        _, problems = spec.converter(data, "data")
        assert problems == [], (spec.event_type, problems)


def test_example_of_the_test_schema_converts():
    example = example_for(SCHEMA, named=NAMED)
    assert run(example)[1] == []


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
def test_fast_form_accepts_exactly_what_the_precise_form_accepts(value):
    problems = ENGINE.json_problems(value, "data")
    try:
        fast = ENGINE.convert(value, "data")
    except ValueRejected as exc:
        assert problems, f"fast form refused a value the precise form accepts: {value!r}"
        assert exc.problems == problems[:1]  # same path, same wording
    else:
        assert problems == [], f"fast form accepted what the precise form refuses: {problems}"
        assert ENGINE.from_json(value, "data") == (fast, [])


# Value-level bad input never escapes as an exception (the API would answer 5xx): each is a
# problem naming the field and the limit; integers are shown as the client wrote them.
OUT_OF_LIMITS = [
    ("price", "1e30", "more than 5 digits in total"),
    ("price", 1e30, "more than 5 digits in total"),
    ("price", "1e999999999", "more than 5 digits in total"),
    ("price", "1e-999999999", "more than 2 digits after the decimal point"),
    ("price", "9" * 27, "more than 5 digits in total"),
    ("price", int("9" * 27), "got 999999999999999999999999999"),
    ("price", "NaN", "must be a finite decimal number"),
    ("price", "-Infinity", "must be a finite decimal number"),
    ("price", float("inf"), "must be a finite decimal number"),
    ("price", "1,5", "must be a decimal number"),
    ("count", 1180591620717411303424, "got 1180591620717411303424"),
    ("count", -(2**64), "out of range for int"),
    ("ratio", 10**400, "out of range for double"),
    ("at", 2**63, "out of range for long"),
    ("at", "9999-99-99T00:00:00Z", "ISO-8601 date-time"),
    ("day", 2**40, "out of range for int"),
    ("raw", "\u20ac" * 2, "latin-1"),
    ("note", "\ud800", "lone surrogate"),
    ("tags", {"\udc00": 1}, "lone surrogate"),
    ("id", "x" * 100_000, "characters)"),
]


@pytest.mark.parametrize(("field", "value", "words"), OUT_OF_LIMITS)
def test_values_beyond_the_limits_are_problems_naming_the_field(field, value, words):
    datum, problems = run({**GOOD, field: value})
    assert datum is None
    assert [p.path.split("[")[0] for p in problems] == [f"data.{field}"]
    assert words in problems[0].message
    assert "e+" not in problems[0].message or isinstance(value, float)


def test_a_float_for_a_float_field_must_fit_32_bits():
    engine = values_of("float")
    assert engine.from_json(3.4e38, "x")[1] == []
    (problem,) = engine.from_json(3.5e38, "x")[1]
    assert problem == ValueProblem("x", "is out of range for float (about ±3.4e38); got 3.5e+38")


def test_union_of_string_and_more_takes_text_as_the_string():
    engine = values_of(["null", "string", "long"])
    assert engine.from_json("x", "v") == (("string", "x"), [])
    assert engine.from_json(3, "v") == (("long", 3), [])
    assert engine.from_json(None, "v") == (None, [])


def test_a_json_number_too_large_to_be_exact_is_refused_for_a_decimal():
    engine = values_of({"type": "bytes", "logicalType": "decimal", "precision": 30, "scale": 0})
    assert engine.from_json(10**25, "v")[1] == []  # an exact integer (text or stdlib JSON)
    (problem,) = engine.from_json(float(10**25 + 1), "v")[1]  # orjson's float of an int literal
    assert "too large to be exact" in problem.message and "send it as text" in problem.message
