"""The datum checker names why the writer refuses a Python value; both agree (regressions).

Datums are what generated classes and fastavro's reader give: ``datetime``, ``date``,
``Decimal``, ``UUID``, ``bytes``, ``(name, value)`` for a branch of a union of several.
"""

import datetime as dt
import decimal
import uuid

import pytest

from eventflow.serde.avro import ValueRejected
from tests.unit.serde.avro.engine import fastavro_bytes, values_of

SCHEMA = {
    "type": "record",
    "name": "Order",
    "namespace": "t",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "qty", "type": "int"},
        {
            "name": "total",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2},
        },
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "tag", "type": {"type": "fixed", "name": "Tag", "size": 2}},
        {
            "name": "items",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Item",
                    "fields": [{"name": "n", "type": "long"}],
                },
            },
        },
        {"name": "attrs", "type": {"type": "map", "values": "double"}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "either", "type": ["Item", "Kind", "string"]},
        {"name": "flag", "type": "boolean", "default": False},
    ],
}


def good():
    return {
        "id": uuid.uuid4(),
        "qty": 1,
        "total": decimal.Decimal("12.50"),
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 1),
        "kind": "A",
        "tag": b"ab",
        "items": [{"n": 1}],
        "attrs": {"p": 0.5},
        "note": None,
        "either": "x",
    }


ENGINE = values_of(SCHEMA)


def find_invalid(schema, value, root):
    assert schema is SCHEMA
    problems = ENGINE.datum_problems(value, root)
    return (problems[0].path, problems[0].message) if problems else None


def test_valid_value_has_no_problem_and_writes_like_fastavro():
    assert find_invalid(SCHEMA, good(), "Order") is None
    value = good()
    assert ENGINE.encode(value) == fastavro_bytes(SCHEMA, value)


@pytest.mark.parametrize(
    ("field", "value", "path", "words"),
    [
        ("id", "not-a-uuid", "Order.id", "UUID"),
        ("qty", 1.5, "Order.qty", "whole number"),
        ("qty", True, "Order.qty", "whole number"),
        ("qty", 2**31, "Order.qty", "range"),
        ("total", 1.5, "Order.total", "must be a Decimal (decimal(6,2))"),
        ("total", decimal.Decimal("1.234"), "Order.total", "after the decimal point"),
        ("total", decimal.Decimal("12345.6"), "Order.total", "digits in total"),
        ("at", "yesterday", "Order.at", "long"),
        ("at", dt.datetime(2026, 1, 1), "Order.at", "time zone"),
        ("day", dt.datetime(2026, 1, 1), "Order.day", "int"),
        ("kind", "C", "Order.kind", "one of A, B"),
        ("tag", b"abc", "Order.tag", "exactly 2"),
        ("items", [{"n": 1}, {"n": "x"}], "Order.items[1].n", "whole number"),
        ("items", [{}], "Order.items[0].n", "required"),
        ("attrs", {"p": "high"}, 'Order.attrs["p"]', "number"),
        ("note", 3, "Order.note", "text"),
        ("either", 3, "Order.either", "one of Item | Kind | string"),
    ],
)
def test_problem_names_the_field_path(field, value, path, words):
    problem = find_invalid(SCHEMA, {**good(), field: value}, "Order")
    assert problem is not None
    assert problem[0] == path
    assert words in problem[1]


def test_missing_field_with_default_is_fine_but_without_is_named():
    value = good()
    assert "flag" not in value
    assert find_invalid(SCHEMA, value, "Order") is None
    del value["qty"]
    assert find_invalid(SCHEMA, value, "Order") == ("Order.qty", "is required (int)")


def test_union_tuple_notation_selects_branch():
    assert find_invalid(SCHEMA, {**good(), "either": ("t.Item", {"n": 2})}, "Order") is None
    problem = find_invalid(SCHEMA, {**good(), "either": ("t.Nope", {})}, "Order")
    assert problem is not None and "not a branch of this union" in problem[1]


BAD_VALUES = [
    ("id", "not-a-uuid"),
    ("qty", 1.5),
    ("qty", True),
    ("qty", 2**31),
    ("total", 1.5),
    ("total", decimal.Decimal("1.234")),
    ("total", decimal.Decimal("12345.6")),
    ("total", decimal.Decimal("NaN")),
    ("total", decimal.Decimal("1E+40")),
    ("total", b"\x01"),
    ("at", "yesterday"),
    ("at", 5),
    ("day", dt.datetime(2026, 1, 1)),
    ("day", 3),
    ("kind", "C"),
    ("kind", {"x": 1}),
    ("tag", b"abc"),
    ("tag", bytearray(b"ab")),
    ("items", [{"n": 1}, {"n": "x"}]),
    ("items", [{}]),
    ("items", "nope"),
    ("attrs", {"p": "high"}),
    ("attrs", {1: 0.5}),
    ("note", 3),
    ("note", None),
    ("either", 3),
    ("either", ("t.Item", {"n": 2})),
    ("either", ("Item", {"n": "x"})),
    ("either", ("t.Nope", {})),
    ("either", "B"),
    ("either", {"n": 1}),
    ("flag", 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_the_writer_refuses_exactly_what_the_checker_names(field, value):
    record = {**good(), field: value}
    problem = find_invalid(SCHEMA, record, "Order")
    try:
        ENGINE.encode(record, root="Order")
    except ValueRejected as exc:
        assert (exc.first.path, exc.first.message) == problem
    else:
        assert problem is None
        assert ENGINE.encode(record) == fastavro_bytes(SCHEMA, record)


def test_a_string_branch_takes_text_in_a_union_of_several():
    # the old compiled check refused ("string", "x"), which the walker accepted
    assert find_invalid(SCHEMA, {**good(), "either": ("string", "x")}, "Order") is None
    record = {**good(), "either": ("string", "x")}
    assert ENGINE.encode(record) == fastavro_bytes(SCHEMA, record)
