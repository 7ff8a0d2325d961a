"""Confluent levels over the reader/writer check, version tagging and registry messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventflow.contracts import (
    CompatibilityLevel,
    IncompatibilityType,
    ParsedSchema,
    check_compatibility,
    confluent_messages,
    parse_schema,
)

L = CompatibilityLevel


def version(fields: list[dict[str, Any]], source: str) -> ParsedSchema:
    return parse_schema(
        json.dumps({"type": "record", "name": "R", "fields": fields}), source=source
    )


V1 = version([{"name": "a", "type": "int"}], "v1.avsc")
# v2 adds b with a default: compatible both ways with v1
V2 = version(
    [{"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": ""}], "v2.avsc"
)
# v3 drops a (no default in v1/v2): backward ok, forward broken
V3 = version([{"name": "b", "type": "string", "default": ""}], "v3.avsc")
# new: adds c without default -> backward broken against all
NEW_NO_DEFAULT = version(
    [{"name": "b", "type": "string", "default": ""}, {"name": "c", "type": "int"}], "new.avsc"
)


def kinds(
    level: L, new: ParsedSchema, previous: list[ParsedSchema]
) -> list[tuple[str, int | None]]:
    result = check_compatibility(new, previous, level)
    assert result.compatible == (not result.incompatibilities)
    return [(i.type.value, i.version) for i in result.incompatibilities]


def test_none_is_always_compatible_and_no_history_passes() -> None:
    assert check_compatibility(NEW_NO_DEFAULT, [V1], L.NONE).compatible
    assert check_compatibility(NEW_NO_DEFAULT, [], L.FULL_TRANSITIVE).compatible


def test_backward_checks_new_reading_latest_only() -> None:
    assert kinds(L.BACKWARD, V3, [V1, V2]) == []
    assert kinds(L.BACKWARD, NEW_NO_DEFAULT, [V1, V2, V3]) == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", 3)
    ]


def test_forward_checks_latest_reading_new() -> None:
    assert kinds(L.FORWARD, V3, [V2]) == [("READER_FIELD_MISSING_DEFAULT_VALUE", 1)]
    assert kinds(L.FORWARD, V2, [V1]) == []


def test_full_checks_both_directions_forward_first() -> None:
    found = check_compatibility(NEW_NO_DEFAULT, [V2], L.FULL).incompatibilities
    assert [(i.type, i.new_is_reader) for i in found] == [
        (IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE, False),
        (IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE, True),
    ]


def test_transitive_checks_every_version_newest_first() -> None:
    # v3 only forward-breaks against v1 and v2 (they need a)
    assert kinds(L.FORWARD_TRANSITIVE, V3, [V1, V2]) == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", 2),
        ("READER_FIELD_MISSING_DEFAULT_VALUE", 1),
    ]
    # non-transitive FORWARD only looks at the latest
    assert kinds(L.FORWARD, V3, [V1, V2]) == [("READER_FIELD_MISSING_DEFAULT_VALUE", 2)]


def test_transitive_finds_breaks_against_older_versions_only() -> None:
    # v2 -> new is fine, but new cannot read v1's int "a" as a string
    v2 = version([{"name": "a", "type": "string", "default": ""}], "v2.avsc")
    new = version([{"name": "a", "type": "string", "default": ""}], "new.avsc")
    assert kinds(L.BACKWARD, new, [V1, v2]) == []
    assert kinds(L.BACKWARD_TRANSITIVE, new, [V1, v2]) == [("TYPE_MISMATCH", 1)]


@pytest.mark.parametrize("level", list(L))
def test_identical_schema_is_compatible_at_every_level(level: L) -> None:
    assert check_compatibility(V2, [V1, V2], level).compatible


def test_level_accepts_plain_strings() -> None:
    assert not check_compatibility(NEW_NO_DEFAULT, [V1], "BACKWARD").compatible  # type: ignore[arg-type]


def test_results_are_stable_when_cached() -> None:
    first = check_compatibility(NEW_NO_DEFAULT, [V1, V2, V3], L.FULL_TRANSITIVE)
    second = check_compatibility(NEW_NO_DEFAULT, [V1, V2, V3], L.FULL_TRANSITIVE)
    assert first == second
    # same resolution form, different layout: compatible verdicts are shared, findings re-located
    relaid = parse_schema(json.dumps(json.loads(NEW_NO_DEFAULT.text), indent=2), source="x.avsc")
    third = check_compatibility(relaid, [V1, V2, V3], L.FULL_TRANSITIVE)
    assert [(i.type, i.location) for i in third.incompatibilities] == [
        (i.type, i.location) for i in first.incompatibilities
    ]
    assert {i.source for i in third.incompatibilities if i.new_is_reader} == {"x.avsc"}
    assert third.incompatibilities[-1].line != first.incompatibilities[-1].line


def test_confluent_messages_backward() -> None:
    result = check_compatibility(NEW_NO_DEFAULT, [V1, V2, V3], L.BACKWARD)
    messages = confluent_messages(result, level=L.BACKWARD, previous=[V1, V2, V3])
    assert messages[0] == (
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'c' at path "
        "'/fields/1' in the new schema has no default value and is missing in the old schema', "
        "additionalInfo:'c'}"
    )
    assert messages[1] == "{oldSchemaVersion: 3}"
    assert messages[2].startswith('{oldSchema: \'{"type":"record"')
    assert messages[3] == "{compatibility: 'BACKWARD'}"


def test_confluent_messages_forward_and_transitive_report_newest_failing_version_only() -> None:
    result = check_compatibility(V3, [V1, V2], L.FORWARD_TRANSITIVE)
    messages = confluent_messages(result)
    assert messages == [
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'a' at path "
        "'/fields/0' in the old schema has no default value and is missing in the new schema', "
        "additionalInfo:'a'}"
    ]


def test_confluent_messages_for_other_types() -> None:
    old = parse_schema('{"type":"enum","name":"E","symbols":["A","B"]}')
    new = parse_schema('{"type":"enum","name":"F","symbols":["A"]}')
    messages = confluent_messages(check_compatibility(new, [old], L.BACKWARD))
    assert messages[:2] == [
        "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed "
        "(path '/name')', additionalInfo:'expected: E'}",
        "{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols "
        "'[B]' at path '/symbols' in the old schema', additionalInfo:'[B]'}",
    ]
    assert confluent_messages(check_compatibility(old, [old], L.BACKWARD)) == []


def test_cached_findings_never_leak_another_files_locations() -> None:
    text_new = json.dumps({"type": "record", "name": "R", "fields": [{"name": "z", "type": "int"}]})
    first = check_compatibility(parse_schema(text_new, source="one.avsc"), [V1], L.BACKWARD)
    second = check_compatibility(parse_schema(text_new, source="two.avsc"), [V1], L.BACKWARD)
    assert [i.source for i in first.incompatibilities] == ["one.avsc"]
    assert [i.source for i in second.incompatibilities] == ["two.avsc"]
    assert second.incompatibilities[0].line == 1


def test_confluent_messages_full_with_only_forward_failures_append_no_old_schema() -> None:
    # new drops "a" (no default in v1): only the forward direction fails
    new = version([], "new.avsc")
    result = check_compatibility(new, [V1], L.FULL)
    assert [i.new_is_reader for i in result.incompatibilities] == [False]
    messages = confluent_messages(result, level=L.FULL, previous=[V1])
    assert messages == [
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'a' at path "
        "'/fields/0' in the old schema has no default value and is missing in the new schema', "
        "additionalInfo:'a'}",
        "{compatibility: 'FULL'}",
    ]


def test_confluent_messages_report_java_exception_like_the_registry() -> None:
    old = version([{"name": "a", "type": "int"}, {"name": "b", "type": "int"}], "v1.avsc")
    new = version([{"name": "a", "type": "int", "aliases": ["b"]}], "new.avsc")
    result = check_compatibility(new, [old], L.BACKWARD)
    assert not result.compatible
    [finding] = result.incompatibilities
    assert finding.java_exception is not None
    assert (finding.source, finding.line) == ("new.avsc", 1)
    first = confluent_messages(result)[0]
    assert first.startswith(
        "Unexpected exception during compatibility check: Reader record field a "
    )


def _event_using(envelope_fields: list[dict[str, Any]], source: str) -> ParsedSchema:
    envelope_text = json.dumps(
        {"type": "record", "name": "Envelope", "namespace": "com.acme", "fields": envelope_fields},
        indent=2,
    )
    envelope = parse_schema(envelope_text, source=f"{source}/Envelope.avsc")
    event = json.dumps(
        {
            "type": "record",
            "name": "Placed",
            "namespace": "com.acme",
            "fields": [{"name": "envelope", "type": "com.acme.Envelope"}],
        }
    )
    return parse_schema(event, source=f"{source}/Placed.avsc", references=[envelope])


def test_a_forward_finding_inside_a_shared_type_has_the_shared_files_line() -> None:
    old = _event_using(
        [{"name": "id", "type": "string"}, {"name": "origin", "type": "string"}], "old"
    )
    # the new envelope drops `origin`, which the old reader needs and has no default for
    new = _event_using([{"name": "id", "type": "string"}], "new")
    [finding] = check_compatibility(new, [old], L.FORWARD).incompatibilities
    assert finding.type is IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE
    assert finding.source == "new/Envelope.avsc"
    # the new (writer) Envelope record starts on line 1 of its own pretty-printed file
    assert (finding.line, finding.column) == (1, 1)


def test_a_backward_finding_inside_a_shared_type_points_at_the_field_in_that_file() -> None:
    old = _event_using([{"name": "id", "type": "string"}], "old")
    new = _event_using(
        [{"name": "id", "type": "string"}, {"name": "origin", "type": "string"}], "new"
    )
    [finding] = check_compatibility(new, [old], L.BACKWARD).incompatibilities
    assert finding.source == "new/Envelope.avsc"
    text = new.reference_texts["new/Envelope.avsc"].splitlines()
    # the field object of `origin` opens on line 10, column 5; its name is on the next line
    assert (finding.line, finding.column) == (10, 5)
    assert text[9].strip() == "{" and text[10].strip() == '"name": "origin",'
