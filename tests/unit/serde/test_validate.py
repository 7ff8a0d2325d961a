import datetime as dt
import decimal
import uuid

import pytest

from eventflow.serde.validate import find_invalid

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


def test_valid_value_has_no_problem():
    assert find_invalid(SCHEMA, good(), "Order") is None


@pytest.mark.parametrize(
    ("field", "value", "path", "words"),
    [
        ("id", "not-a-uuid", "Order.id", "UUID"),
        ("qty", 1.5, "Order.qty", "integer"),
        ("qty", True, "Order.qty", "integer"),
        ("qty", 2**31, "Order.qty", "range"),
        ("total", 1.5, "Order.total", "Decimal"),
        ("total", decimal.Decimal("1.234"), "Order.total", "scale"),
        ("total", decimal.Decimal("12345.6"), "Order.total", "precision"),
        ("at", "yesterday", "Order.at", "long"),
        ("day", dt.datetime(2026, 1, 1), "Order.day", "int"),
        ("kind", "C", "Order.kind", "symbol"),
        ("tag", b"abc", "Order.tag", "exactly 2"),
        ("items", [{"n": 1}, {"n": "x"}], "Order.items[1].n", "integer"),
        ("items", [{}], "Order.items[0].n", "missing"),
        ("attrs", {"p": "high"}, "Order.attrs['p']", "double"),
        ("note", 3, "Order.note", "string"),
        ("either", 3, "Order.either", "union"),
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
    assert find_invalid(SCHEMA, value, "Order") == ("Order.qty", "required field is missing")


def test_union_tuple_notation_selects_branch():
    assert find_invalid(SCHEMA, {**good(), "either": ("t.Item", {"n": 2})}, "Order") is None
    problem = find_invalid(SCHEMA, {**good(), "either": ("t.Nope", {})}, "Order")
    assert problem is not None and "no branch named" in problem[1]


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
def test_compiled_check_agrees_with_the_walker(field, value):
    from eventflow.serde.fast_check import compile_check

    record = {**good(), field: value}
    assert compile_check(SCHEMA)(record) == (find_invalid(SCHEMA, record, "Order") is None)


def test_compiled_check_accepts_the_good_value():
    from eventflow.serde.fast_check import compile_check

    assert compile_check(SCHEMA)(good())
