"""One test per Avro resolution rule, with Java 1.12 SchemaCompatibility's verdicts and paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventflow.contracts import IncompatibilityType, check_reader_writer, parse_schema

T = IncompatibilityType


def check(reader: Any, writer: Any) -> list[tuple[str, str]]:
    r = parse_schema(json.dumps(reader), source="reader.avsc")
    w = parse_schema(json.dumps(writer), source="writer.avsc")
    return [(i.type.value, i.location) for i in check_reader_writer(r, w)]


def rec(fields: list[dict[str, Any]], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": fields, **extra}


def f(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


def test_identical_schemas_are_compatible() -> None:
    schema = rec([f("a", "int"), f("b", {"type": "array", "items": "string"})])
    assert check(schema, schema) == []


@pytest.mark.parametrize(
    ("reader", "writer"),
    [
        ("long", "int"),
        ("float", "int"),
        ("float", "long"),
        ("double", "int"),
        ("double", "long"),
        ("double", "float"),
        ("string", "bytes"),
        ("bytes", "string"),
    ],
)
def test_promotions_are_allowed(reader: str, writer: str) -> None:
    assert check(reader, writer) == []


@pytest.mark.parametrize(
    ("reader", "writer"),
    [("int", "long"), ("long", "float"), ("float", "double"), ("int", "string"), ("null", "int")],
)
def test_demotions_and_unrelated_primitives_are_type_mismatches(reader: str, writer: str) -> None:
    assert check(reader, writer) == [("TYPE_MISMATCH", "/")]


def test_type_mismatch_path_points_at_the_field_type() -> None:
    assert check(rec([f("a", "int")]), rec([f("a", "string")])) == [
        ("TYPE_MISMATCH", "/fields/0/type")
    ]


def test_added_field_without_default_is_reported_at_the_field() -> None:
    reader = rec([f("a", "int"), f("b", "string")])
    assert check(reader, rec([f("a", "int")])) == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1")
    ]


def test_added_field_with_default_including_null_is_compatible() -> None:
    reader = rec(
        [f("a", "int"), f("b", "string", default="x"), f("c", ["null", "int"], default=None)]
    )
    assert check(reader, rec([f("a", "int")])) == []


def test_removed_writer_field_is_ignored() -> None:
    assert check(rec([f("a", "int")]), rec([f("a", "int"), f("gone", "string")])) == []


def test_record_names_compare_by_short_name_ignoring_namespace() -> None:
    # Java schemaNameEquals compares getName(): namespaces are not compared
    assert check(rec([], name="x.R"), rec([], name="y.R")) == []


def test_record_name_change_is_a_name_mismatch() -> None:
    assert check(rec([], name="a.New"), rec([], name="a.Old")) == [("NAME_MISMATCH", "/name")]


def test_reader_alias_with_full_name_matches_writer() -> None:
    assert check(rec([], name="a.New", aliases=["b.Old"]), rec([], name="b.Old")) == []


def test_short_alias_is_resolved_against_the_reader_namespace() -> None:
    # "Old" in namespace a means a.Old: matches a.Old, not b.Old (PyPI avro differs here)
    assert check(rec([], name="a.New", aliases=["Old"]), rec([], name="a.Old")) == []
    assert check(rec([], name="a.New", aliases=["Old"]), rec([], name="b.Old")) == [
        ("NAME_MISMATCH", "/name")
    ]


def test_alias_without_namespace_inside_a_namespace_never_matches() -> None:
    # Java stores ".Old" for such an alias; no full name starts with a dot
    assert check(rec([], name="a.New", aliases=[".Old"]), rec([], name="Old")) == [
        ("NAME_MISMATCH", "/name")
    ]


def test_field_alias_reads_renamed_field() -> None:
    reader = rec([f("new_name", "int", aliases=["old_name"])])
    assert check(reader, rec([f("old_name", "int")])) == []


def test_field_alias_matching_two_writer_fields_is_java_exception() -> None:
    reader = parse_schema(json.dumps(rec([f("a", "int", aliases=["b"])])))
    writer = parse_schema(json.dumps(rec([f("a", "int"), f("b", "int")])))
    [finding] = check_reader_writer(reader, writer)
    assert finding.java_exception is not None
    assert "matches multiple fields" in finding.java_exception


def test_missing_enum_symbols_are_listed_sorted() -> None:
    reader = {"type": "enum", "name": "E", "symbols": ["A"]}
    writer = {"type": "enum", "name": "E", "symbols": ["A", "Z", "B"]}
    r = parse_schema(json.dumps(reader))
    w = parse_schema(json.dumps(writer))
    [finding] = check_reader_writer(r, w)
    assert (finding.type, finding.location, finding.java_message) == (
        T.MISSING_ENUM_SYMBOLS,
        "/symbols",
        "[B, Z]",
    )


def test_reader_enum_default_covers_unknown_symbols() -> None:
    reader = {"type": "enum", "name": "E", "symbols": ["A", "U"], "default": "U"}
    writer = {"type": "enum", "name": "E", "symbols": ["A", "B"]}
    assert check(reader, writer) == []


def test_new_enum_field_with_only_an_enum_default_is_a_type_mismatch() -> None:
    # Java checks the reader enum against the writer *record* in this case
    enum = {"type": "enum", "name": "E", "symbols": ["A"], "default": "A"}
    assert check(rec([f("a", "int"), f("e", enum)]), rec([f("a", "int")])) == [
        ("TYPE_MISMATCH", "/fields/1/type")
    ]


def test_fixed_size_change_is_reported_at_size() -> None:
    reader = {"type": "fixed", "name": "F", "size": 16}
    writer = {"type": "fixed", "name": "F", "size": 8}
    assert check(reader, writer) == [("FIXED_SIZE_MISMATCH", "/size")]


def test_fixed_name_change_is_a_name_mismatch() -> None:
    reader = {"type": "fixed", "name": "G", "size": 8}
    writer = {"type": "fixed", "name": "F", "size": 8}
    assert check(reader, writer) == [("NAME_MISMATCH", "/name")]


def test_writer_union_branch_missing_from_reader_union() -> None:
    assert check(["null", "int"], ["null", "int", "string"]) == [("MISSING_UNION_BRANCH", "/2")]


def test_reader_union_reads_a_plain_writer_through_any_branch() -> None:
    assert check(["null", "long"], "int") == []
    assert check(["null", "string"], "int") == [("MISSING_UNION_BRANCH", "/")]


def test_plain_reader_checks_every_writer_union_branch() -> None:
    assert check("long", ["int", "long"]) == []
    assert check("int", ["null", "int"]) == [("TYPE_MISMATCH", "/0")]


def test_array_items_and_map_values_paths() -> None:
    assert check({"type": "array", "items": "int"}, {"type": "array", "items": "long"}) == [
        ("TYPE_MISMATCH", "/items")
    ]
    assert check({"type": "map", "values": "long"}, {"type": "map", "values": "int"}) == []
    assert check({"type": "map", "values": "int"}, {"type": "map", "values": "string"}) == [
        ("TYPE_MISMATCH", "/values")
    ]


def test_array_and_map_are_not_interchangeable() -> None:
    assert check({"type": "array", "items": "int"}, {"type": "map", "values": "int"}) == [
        ("TYPE_MISMATCH", "/")
    ]


def test_recursive_schemas_compatible_and_incompatible() -> None:
    node_v1 = rec([f("value", "int"), f("next", ["null", "Node"], default=None)], name="Node")
    node_v2 = rec(
        [
            f("value", "long"),
            f("next", ["null", "Node"], default=None),
            f("tag", "string", default=""),
        ],
        name="Node",
    )
    assert check(node_v2, node_v1) == []
    assert check(node_v1, node_v2) == [("TYPE_MISMATCH", "/fields/0/type")]


def test_error_type_reads_record_of_same_name() -> None:
    error = {"type": "error", "name": "Oops", "fields": [f("m", "string")]}
    assert check(error, rec([f("m", "string")], name="Oops")) == []


def test_repeated_named_type_reports_first_location_again_like_java() -> None:
    # Java memoises per (reader, writer) pair: the second use repeats the first path
    inner_r = rec([f("x", "int")], name="In")
    inner_w = rec([f("x", "string")], name="In")
    reader = rec([f("a", inner_r), f("b", "In")])
    writer = rec([f("a", inner_w), f("b", "In")])
    assert check(reader, writer) == [
        ("TYPE_MISMATCH", "/fields/0/type/fields/0/type"),
        ("TYPE_MISMATCH", "/fields/0/type/fields/0/type"),
    ]


def test_findings_carry_line_and_column_in_the_reader_text() -> None:
    reader = parse_schema(
        '{"type": "record", "name": "R", "fields": [\n  {"name": "a", "type": "int"},\n'
        '  {"name": "b", "type": "string"}\n]}',
        source="new.avsc",
    )
    writer = parse_schema(
        '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}]}'
    )
    findings = check_reader_writer(reader, writer)
    assert [(i.type, i.source, i.line, i.column) for i in findings] == [
        (T.TYPE_MISMATCH, "new.avsc", 2, 25),
        (T.READER_FIELD_MISSING_DEFAULT_VALUE, "new.avsc", 3, 3),
    ]
    assert all(i.message and i.hint for i in findings)
