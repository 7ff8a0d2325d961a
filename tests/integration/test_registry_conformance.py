"""Conformance: the registry at ``registry_url`` driven through confluent-kafka's own client.

The same suite runs against Confluent's ``cp-schema-registry`` when Docker answers, so every
assertion here is a statement about Confluent's behaviour that our server must match.
"""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

pytestmark = pytest.mark.integration


def record(
    name: str, *fields: tuple[str, object], extra: dict[str, dict[str, object]] | None = None
) -> str:
    body = {
        "type": "record",
        "name": name,
        "namespace": "conf.test",
        "fields": [{"name": n, "type": t, **(extra or {}).get(n, {})} for n, t in fields],
    }
    return json.dumps(body)


@pytest.fixture
def sr(registry_url):
    return SchemaRegistryClient({"url": registry_url})


@pytest.fixture
def subject():
    return f"conf-{uuid.uuid4().hex[:10]}-value"


def test_register_is_idempotent_and_ids_are_shared_across_subjects(sr, subject):
    schema = Schema(record("Idem", ("a", "int")), "AVRO")
    first = sr.register_schema(subject, schema)
    assert sr.register_schema(subject, schema) == first
    other = SchemaRegistryClient({"url": sr._rest_client.base_urls[0]})  # no client cache
    assert other.register_schema(subject + "-other", schema) == first
    assert other.get_versions(subject) == [1]
    assert sorted(other.get_subjects_by_schema_id(first)) == sorted([subject, subject + "-other"])
    versions = other.get_schema_versions(first)
    assert {(v.subject, v.version) for v in versions} == {(subject, 1), (subject + "-other", 1)}


def test_get_schema_by_id_latest_version_and_lookup(sr, subject):
    text = record("Look", ("a", "string"))
    schema_id = sr.register_schema(subject, Schema(text, "AVRO"))
    fetched = sr.get_schema(schema_id)
    assert json.loads(fetched.schema_str) == json.loads(text)
    latest = sr.get_latest_version(subject)
    assert (latest.schema_id, latest.version, latest.subject) == (schema_id, 1, subject)
    assert sr.get_version(subject, 1).schema_id == schema_id
    found = sr.lookup_schema(subject, Schema(text, "AVRO"))
    assert (found.schema_id, found.version) == (schema_id, 1)
    assert subject in sr.get_subjects()
    assert "AVRO" in sr.get_schema_types()


def test_unknown_subject_version_and_id_have_confluent_codes(sr, subject):
    with pytest.raises(SchemaRegistryError) as exc:
        sr.get_latest_version(subject)
    assert (exc.value.http_status_code, exc.value.error_code) == (404, 40401)
    sr.register_schema(subject, Schema(record("Codes", ("a", "int")), "AVRO"))
    with pytest.raises(SchemaRegistryError) as exc:
        sr.get_version(subject, 7)
    assert exc.value.error_code == 40402
    with pytest.raises(SchemaRegistryError) as exc:
        sr.get_schema(987654)
    assert (exc.value.http_status_code, exc.value.error_code) == (404, 40403)
    with pytest.raises(SchemaRegistryError) as exc:
        sr.lookup_schema(subject, Schema(record("Codes", ("zzz", "int")), "AVRO"))
    assert exc.value.error_code == 40403


def test_invalid_schema_is_42201_and_changes_nothing(sr, subject):
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(
            subject, Schema('{"type": "record", "name": "X", "fields": [{"name": "a"}]}', "AVRO")
        )
    assert (exc.value.http_status_code, exc.value.error_code) == (422, 42201)
    assert subject not in sr.get_subjects()
