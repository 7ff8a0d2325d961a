"""Lint rules, one test per rule, plus the clean committed contracts."""

from __future__ import annotations

import json

from eventflow.contracts import parse_schema
from eventflow.contracts._lint import RULES, lint_schema
from eventflow.workspace import load_workspace
from tests.unit.workspace.git_helpers import SCHEMAS


def good_record(**overrides):
    doc = {
        "type": "record",
        "name": "Thing",
        "namespace": "com.eventflow.events",
        "doc": "A thing.",
        "fields": [
            {"name": "thing_id", "type": "string", "doc": "Id."},
            {"name": "note", "type": ["null", "string"], "default": None, "doc": "Note."},
        ],
    }
    doc.update(overrides)
    return doc


def lint(doc, file_name=None):
    schema = parse_schema(json.dumps(doc, indent=2), source="Thing.avsc")
    return [(f.rule, f.pointer, f.line) for f in lint_schema(schema, file_name=file_name)]


def test_committed_contracts_are_clean():
    ws = load_workspace(SCHEMAS)
    findings = [
        f.describe() for file, s in ws.by_file.items() for f in lint_schema(s, file_name=file)
    ]
    assert findings == []


def test_a_good_record_is_clean():
    assert lint(good_record(), file_name="events/Thing.avsc") == []


def test_namespace_missing_and_case():
    doc = good_record()
    del doc["namespace"]
    assert lint(doc) == [("NAMESPACE_MISSING", "/name", 3)]
    assert [r for r, *_ in lint(good_record(namespace="Com.EventFlow"))] == ["NAMESPACE_CASE"]


def test_type_name_case():
    assert [r for r, *_ in lint(good_record(name="thing"))] == ["TYPE_NAME_CASE"]


def test_field_name_case_with_line():
    doc = good_record()
    doc["fields"][0]["name"] = "thingId"
    assert lint(doc) == [("FIELD_NAME_CASE", "/fields/0/name", 8)]


def test_doc_missing_on_type_and_field():
    doc = good_record()
    del doc["doc"]
    del doc["fields"][1]["doc"]
    assert [(r, p) for r, p, _ in lint(doc)] == [
        ("DOC_MISSING", "/name"),
        ("DOC_MISSING", "/fields/1/name"),
    ]


def test_optional_fields_need_null_first_and_default_null():
    doc = good_record()
    doc["fields"][1] = {"name": "note", "type": ["string", "null"], "default": "x", "doc": "N."}
    assert [(r, p) for r, p, _ in lint(doc)] == [
        ("OPTIONAL_DEFAULT", "/fields/1/default"),
        ("OPTIONAL_NULL_FIRST", "/fields/1/type"),
    ]
    doc["fields"][1] = {"name": "note", "type": ["null", "string"], "doc": "N."}
    assert [(r, p) for r, p, _ in lint(doc)] == [("OPTIONAL_DEFAULT", "/fields/1/name")]


def test_enum_symbols_upper_snake_inside_nested_types():
    doc = good_record()
    doc["fields"].append(
        {
            "name": "items",
            "doc": "I.",
            "type": {
                "type": "array",
                "items": {
                    "type": "enum",
                    "name": "Kind",
                    "doc": "K.",
                    "symbols": ["GOOD_ONE", "badOne"],
                },
            },
        }
    )
    assert [(r, p) for r, p, _ in lint(doc)] == [
        ("ENUM_SYMBOL_CASE", "/fields/2/type/items/symbols/1")
    ]


def test_file_name_must_match_the_top_level_type():
    assert lint(good_record(), file_name="events/Other.avsc") == [("FILE_NAME", "", 1)]


def test_nested_records_inherit_the_namespace():
    doc = good_record()
    doc["fields"].append(
        {
            "name": "inner",
            "doc": "I.",
            "type": {
                "type": "record",
                "name": "Inner",
                "doc": "In.",
                "fields": [{"name": "BadName", "type": "int", "doc": "x"}],
            },
        }
    )
    assert [(r, p) for r, p, _ in lint(doc)] == [
        ("FIELD_NAME_CASE", "/fields/2/type/fields/0/name")
    ]


def test_every_rule_is_listed():
    assert set(RULES) == {
        "NAMESPACE_MISSING",
        "NAMESPACE_CASE",
        "TYPE_NAME_CASE",
        "FIELD_NAME_CASE",
        "DOC_MISSING",
        "OPTIONAL_NULL_FIRST",
        "OPTIONAL_DEFAULT",
        "ENUM_SYMBOL_CASE",
        "FILE_NAME",
    }
