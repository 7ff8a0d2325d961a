"""Plain JSON checked against Avro schemas: conversions and every failing field by path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from eventflow.producers.http.avro_json import convert, parse_instant
from eventflow.producers.http.examples import example_for
from eventflow.serde.avro_json import collect_named_types
from tests.unit.producers.fakes import real_catalog

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


def run(value):
    return convert(SCHEMA, value, path="data", named=NAMED)


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
    assert run({**GOOD, "either": 5})[0]["either"] == 5
    assert run({**GOOD, "either": "five"})[0]["either"] == "five"
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
        "data.tags.a",
        "data.raw",
        "data.unknown",
    ]
    by_path = {p.path: p.message for p in problems}
    assert "more than 5 digits" in by_path["data.price"]
    assert "out of range for int" in by_path["data.count"]
    assert by_path["data.unknown"] == "is not a field of this event type"


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
    assert [(p.path, p.message) for p in problems] == [("data", "must be an object; got an array")]


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
    _, problems = convert(MONEY, value, path="p", named={})
    assert (problems == []) is ok


def test_instants_need_a_zone():
    assert parse_instant("2026-01-01T00:00:00+02:00") is not None
    assert parse_instant("2026-01-01T00:00:00") is None
    assert parse_instant("soon") is None
    _, problems = convert(
        {"type": "long", "logicalType": "timestamp-millis"},
        "2026-01-01T00:00:00",
        path="at",
        named={},
    )
    assert problems[0].path == "at"


def test_bool_is_not_a_number_and_whole_floats_are_ints():
    assert convert("long", True, path="n", named={})[1]
    assert convert("long", 3.0, path="n", named={}) == (3, [])
    assert convert("double", float("inf"), path="n", named={})[1]


def test_named_references_resolve_across_namespaces():
    catalog = real_catalog()
    spec = catalog.get("order.placed")
    assert "com.eventflow.common.Currency" in spec.named
    _, problems = convert(
        spec.payload_schema,
        {**spec.example()["data"], "currency": "DOGE"},
        path="data",
        named=spec.named,
        namespace=spec.payload_namespace,
    )
    assert [p.path for p in problems] == ["data.currency"]
    assert "EUR" in problems[0].message


def test_generated_examples_are_valid_for_every_event_type():
    catalog = real_catalog()
    assert len(catalog) >= 3
    for spec in catalog:
        data = spec.example()["data"]
        assert data, spec.event_type
        _, problems = convert(
            spec.payload_schema,
            data,
            path="data",
            named=spec.named,
            namespace=spec.payload_namespace,
        )
        assert problems == [], (spec.event_type, problems)


def test_example_of_the_test_schema_converts():
    example = example_for(SCHEMA, named=NAMED)
    assert run(example)[1] == []
