from typing import Any

from eventflow.serde._avro_json import collect_named_types, full_name, inline_references

ENVELOPE: dict[str, Any] = {
    "type": "record",
    "name": "Envelope",
    "namespace": "c",
    "fields": [{"name": "id", "type": {"type": "string", "logicalType": "uuid"}}],
}
EVENT: dict[str, Any] = {
    "type": "record",
    "name": "Ev",
    "namespace": "e",
    "fields": [
        {"name": "a", "type": "c.Envelope"},
        {"name": "b", "type": ["null", "c.Envelope"], "default": None},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": []}},
        {"name": "again", "type": "Inner"},
    ],
}


def test_full_name_rules():
    assert full_name("X", "a.b") == "a.b.X"
    assert full_name("q.X", "a.b") == "q.X"
    assert full_name("X", None) == "X"


def test_collect_named_types_finds_nested_definitions_with_namespaces():
    assert list(collect_named_types(EVENT)) == ["e.Ev", "e.Inner"]


def test_inline_references_defines_at_first_use_and_names_later():
    out = inline_references(EVENT, collect_named_types(ENVELOPE))
    first = out["fields"][0]["type"]
    assert first["name"] == "c.Envelope"
    assert first["fields"][0]["type"] == {"type": "string", "logicalType": "uuid"}
    assert out["fields"][1]["type"] == ["null", "c.Envelope"]
    assert out["fields"][3]["type"] == "e.Inner"
    assert EVENT["fields"][0]["type"] == "c.Envelope"  # input untouched
