"""The registry's adapter over the contracts engine: stored form, 42201, verbose 409 text."""

from __future__ import annotations

import json

import pytest

from eventflow.registry._engine import ContractsEngine
from eventflow.registry._errors import RegistryError

V1 = json.dumps(
    {
        "type": "record",
        "name": "User",
        "namespace": "t",
        "fields": [{"name": "id", "type": "string"}],
    },
    indent=2,
)
V2_OK = json.dumps(
    {
        "type": "record",
        "name": "User",
        "namespace": "t",
        "fields": [{"name": "id", "type": "string"}, {"name": "age", "type": "int", "default": 0}],
    }
)
V2_BAD = json.dumps(
    {
        "type": "record",
        "name": "User",
        "namespace": "t",
        "fields": [{"name": "id", "type": "string"}, {"name": "age", "type": "int"}],
    }
)


def test_stored_form_is_compact_json_of_what_was_sent():
    parsed = ContractsEngine().parse(V1, (), normalize=False, source="s")
    assert parsed.text == json.dumps(json.loads(V1), separators=(",", ":"))


def test_invalid_schema_is_42201_naming_the_problem_and_place():
    with pytest.raises(RegistryError) as exc:
        ContractsEngine().parse(
            '{"type": "record", "name": "X",\n "fields": [{"name": "a"}]}',
            (),
            normalize=False,
            source="subject s",
        )
    assert exc.value.error_code == 42201 and exc.value.http_status == 422
    assert "subject s" in str(exc.value)


def test_compatibility_uses_the_contracts_engine_and_confluent_messages():
    engine = ContractsEngine()
    v1 = engine.parse(V1, (), normalize=False, source="v1")
    assert engine.check(
        engine.parse(V2_OK, (), normalize=False, source="v2"), [v1], "BACKWARD"
    ) == (True, [])
    ok, messages = engine.check(
        engine.parse(V2_BAD, (), normalize=False, source="v2"), [v1], "BACKWARD"
    )
    assert not ok
    assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in m and "age" in m for m in messages)
    assert "{compatibility: 'BACKWARD'}" in messages
    assert engine.check(
        engine.parse(V2_BAD, (), normalize=False, source="v2"), [v1], "FORWARD"
    ) == (True, [])


def test_references_make_named_types_available():
    engine = ContractsEngine()
    env = engine.parse(
        '{"type":"record","name":"Env","namespace":"c","fields":[{"name":"id","type":"string"}]}',
        (),
        normalize=False,
        source="env",
    )
    order = engine.parse(
        '{"type":"record","name":"Order","namespace":"o","fields":[{"name":"e","type":"c.Env"}]}',
        [env],
        normalize=False,
        source="o",
    )
    assert order.parsed.fullname == "o.Order"
    with pytest.raises(RegistryError):
        engine.parse(
            '{"type":"record","name":"Order","namespace":"o","fields":'
            '[{"name":"e","type":"c.Env"}]}',
            [],
            normalize=False,
            source="o",
        )


def test_messages_name_the_subject_version_not_the_position():
    engine = ContractsEngine()
    v1 = engine.parse(V1, (), normalize=False, source="v1")
    bad = engine.parse(V2_BAD, (), normalize=False, source="v2")
    _, by_position = engine.check(bad, [v1], "BACKWARD")
    assert "{oldSchemaVersion: 1}" in by_position
    _, by_version = engine.check(bad, [v1], "BACKWARD", versions=[3])
    assert "{oldSchemaVersion: 3}" in by_version
    assert "{oldSchemaVersion: 1}" not in by_version


BAD_DEFAULT = json.dumps(
    {
        "type": "record",
        "name": "D",
        "fields": [{"name": "n", "type": "int", "default": "not a number"}],
    }
)


def test_defaults_are_validated_only_for_new_schemas_and_only_when_configured():
    # Confluent's avro.validate.defaults: off by default; never applied to stored schemas
    assert ContractsEngine().parse(BAD_DEFAULT, (), normalize=False, source="s", new=True)
    strict = ContractsEngine(validate_defaults=True)
    assert strict.parse(BAD_DEFAULT, (), normalize=False, source="stored")
    with pytest.raises(RegistryError) as exc:
        strict.parse(BAD_DEFAULT, (), normalize=False, source="subject s", new=True)
    assert exc.value.error_code == 42201 and "invalid default for field 'n'" in str(exc.value)
