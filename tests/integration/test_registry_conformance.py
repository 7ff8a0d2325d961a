"""Conformance: the registry at ``registry_url`` driven through confluent-kafka's own client.

The same suite runs against Confluent's ``cp-schema-registry`` when Docker answers, so every
assertion here is a statement about Confluent's behaviour that our server must match.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from confluent_kafka.schema_registry import (
    ConfigCompatibilityLevel,
    Metadata,
    MetadataProperties,
    MetadataTags,
    Rule,
    RuleKind,
    RuleMode,
    RuleParams,
    RuleSet,
    Schema,
    SchemaReference,
    SchemaRegistryClient,
    ServerConfig,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

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


V1 = record("User", ("id", "string"))
V2_OK = json.dumps(
    {
        "type": "record",
        "name": "User",
        "namespace": "conf.test",
        "fields": [{"name": "id", "type": "string"}, {"name": "age", "type": "int", "default": 0}],
    }
)
V2_BAD = record("User", ("id", "string"), ("age", "int"))


def test_compatibility_checks_and_409_on_register(sr, subject):
    sr.register_schema(subject, Schema(V1, "AVRO"))
    assert sr.test_compatibility(subject, Schema(V2_OK, "AVRO")) is True
    assert sr.test_compatibility(subject, Schema(V2_BAD, "AVRO"), version=1) is False
    assert sr.test_compatibility_all_versions(subject, Schema(V2_BAD, "AVRO")) is False
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(subject, Schema(V2_BAD, "AVRO"))
    assert (exc.value.http_status_code, exc.value.error_code) == (409, 409)
    assert sr.get_versions(subject) == [1]
    assert sr.register_schema(subject, Schema(V2_OK, "AVRO")) > 0
    assert sr.get_versions(subject) == [1, 2]


def test_verbose_compatibility_explains_why(registry_url, subject):
    sr = SchemaRegistryClient({"url": registry_url})
    sr.register_schema(subject, Schema(V1, "AVRO"))
    response = httpx.post(
        f"{registry_url}/compatibility/subjects/{subject}/versions/latest",
        params={"verbose": "true"},
        json={"schema": V2_BAD},
    )
    body = response.json()
    assert response.status_code == 200 and body["is_compatible"] is False
    assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in m for m in body["messages"])


def test_subject_level_config_with_default_to_global(sr, subject):
    sr.register_schema(subject, Schema(V1, "AVRO"))
    assert sr.set_compatibility(subject, "NONE") == {"compatibility": "NONE"}
    assert sr.get_compatibility(subject) == "NONE"
    assert sr.register_schema(subject, Schema(V2_BAD, "AVRO")) > 0  # NONE lets it through
    config = sr.get_config(subject)
    assert config.compatibility_level.value == "NONE"
    sr.delete_config(subject)
    with pytest.raises(SchemaRegistryError) as exc:
        sr.get_compatibility(subject)
    assert exc.value.error_code == 40408
    assert sr.get_compatibility() in {
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FULL",
        "FORWARD",
        "FULL_TRANSITIVE",
        "FORWARD_TRANSITIVE",
        "NONE",
    }
    with pytest.raises(SchemaRegistryError) as exc:
        sr.set_compatibility(subject, "SIDEWAYS")
    assert exc.value.error_code == 42203


def test_subject_mode_readonly_refuses_writes(sr, subject):
    sr.register_schema(subject, Schema(V1, "AVRO"))
    assert sr.update_mode(subject, "READONLY") == "READONLY"
    assert sr.get_mode(subject) == "READONLY"
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(subject, Schema(V2_OK, "AVRO"))
    assert (exc.value.http_status_code, exc.value.error_code) == (422, 42205)
    assert sr.get_versions(subject) == [1]
    assert sr.delete_mode(subject) == "READONLY"
    assert sr.get_global_mode() == "READWRITE"
    assert sr.register_schema(subject, Schema(V2_OK, "AVRO")) > 0
    with pytest.raises(SchemaRegistryError) as exc:
        sr.update_mode(subject, "SOMETIMES")
    assert exc.value.error_code == 42204


def test_import_mode_takes_explicit_ids(registry_url, subject):
    sr = SchemaRegistryClient({"url": registry_url})
    assert sr.update_mode(subject, "IMPORT") == "IMPORT"
    wanted = 700000 + uuid.uuid4().int % 100000
    text = record("Imported", ("x", "long"), ("tag", "string"))
    r = httpx.post(
        f"{registry_url}/subjects/{subject}/versions",
        json={"schema": text, "id": wanted, "version": 5},
    )
    assert r.status_code == 200 and r.json()["id"] == wanted
    assert sr.get_versions(subject) == [5]
    assert json.loads(sr.get_schema(wanted).schema_str or "null") == json.loads(text)
    sr.update_mode(subject, "READWRITE")


def test_soft_then_permanent_deletes(sr, subject):
    sr.register_schema(subject, Schema(V1, "AVRO"))
    sr.register_schema(subject, Schema(V2_OK, "AVRO"))
    with pytest.raises(SchemaRegistryError) as exc:
        sr.delete_version(subject, 1, permanent=True)
    assert exc.value.error_code == 40407
    assert sr.delete_version(subject, 1) == 1
    with pytest.raises(SchemaRegistryError) as exc:
        sr.delete_version(subject, 1)
    assert exc.value.error_code == 40406
    assert sr.get_versions(subject) == [2]
    assert sr.get_versions(subject, deleted=True) == [1, 2]
    assert sr.delete_version(subject, 1, permanent=True) == 1
    with pytest.raises(SchemaRegistryError) as exc:
        sr.delete_subject(subject, permanent=True)
    assert exc.value.error_code == 40405
    assert sr.delete_subject(subject) == [2]
    with pytest.raises(SchemaRegistryError) as exc:
        sr.delete_subject(subject)
    assert exc.value.error_code == 40404
    assert subject not in sr.get_subjects()
    assert subject in sr.get_subjects(deleted=True)
    assert sr.delete_subject(subject, permanent=True) == [2]
    assert subject not in sr.get_subjects(deleted=True)
    with pytest.raises(SchemaRegistryError) as exc:
        sr.get_versions(subject)
    assert exc.value.error_code == 40401


def test_schema_references(sr, subject):
    common = f"{subject}-conf.test.Env"
    env = json.dumps(
        {
            "type": "record",
            "name": "Env",
            "namespace": "conf.test",
            "fields": [{"name": "event_id", "type": "string"}],
        }
    )
    sr.register_schema(common, Schema(env, "AVRO"))
    order = json.dumps(
        {
            "type": "record",
            "name": "Order",
            "namespace": "conf.test",
            "fields": [
                {"name": "envelope", "type": "conf.test.Env"},
                {"name": "total", "type": "double"},
            ],
        }
    )
    refs = [SchemaReference("conf.test.Env", common, 1)]
    order_id = sr.register_schema(subject, Schema(order, "AVRO", refs))
    got = sr.get_latest_version(subject)
    assert got.schema_id == order_id
    assert [(r.name, r.subject, r.version) for r in got.schema.references] == [
        ("conf.test.Env", common, 1)
    ]
    assert sr.get_referenced_by(common, 1) == [order_id]
    with pytest.raises(SchemaRegistryError) as exc:
        sr.delete_version(common, 1)
    assert exc.value.error_code == 42206
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(subject + "-noref", Schema(order, "AVRO"))
    assert exc.value.error_code == 42201


def test_avro_serializer_and_deserializer_round_trip(registry_url, subject):
    topic = subject.removesuffix("-value")
    sr = SchemaRegistryClient({"url": registry_url})
    serializer = AvroSerializer(sr, V2_OK)
    deserializer = AvroDeserializer(sr)
    ctx = SerializationContext(topic, MessageField.VALUE)
    payload = serializer({"id": "u-1", "age": 42}, ctx)
    assert payload[0] == 0
    schema_id = int.from_bytes(payload[1:5], "big")
    assert sr.get_latest_version(subject).schema_id == schema_id  # auto-registered
    fresh = SchemaRegistryClient({"url": registry_url})
    assert AvroDeserializer(fresh)(payload, ctx) == {"id": "u-1", "age": 42}
    assert deserializer(payload, ctx) == {"id": "u-1", "age": 42}
    # a v1 reader reads v2 data through the registry's writer schema
    v1_reader = AvroDeserializer(fresh, V1)
    assert v1_reader(payload, ctx) == {"id": "u-1"}


def test_raw_http_content_type_and_error_bodies(registry_url, subject):
    r = httpx.get(f"{registry_url}/subjects/{subject}/versions")
    assert r.status_code == 404 and r.json()["error_code"] == 40401
    assert r.headers["content-type"].startswith("application/vnd.schemaregistry.v1+json")
    assert isinstance(r.json()["message"], str)
    r = httpx.post(
        f"{registry_url}/subjects/{subject}/versions",
        content=b"{not json",
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    assert 400 <= r.status_code < 500
    r = httpx.get(f"{registry_url}/subjects/{subject}/versions/banana")
    assert (r.status_code, r.json()["error_code"]) in {(422, 42202), (404, 40401)}
    r = httpx.get(f"{registry_url}/schemas/ids/2147480000")
    assert (r.status_code, r.json()["error_code"]) == (404, 40403)
    ok = httpx.post(f"{registry_url}/subjects/{subject}/versions", json={"schema": V1})
    assert ok.status_code == 200 and set(ok.json()) >= {"id"}
    r = httpx.get(f"{registry_url}/subjects/{subject}/versions/banana")
    assert (r.status_code, r.json()["error_code"]) == (422, 42202)
    raw = httpx.get(f"{registry_url}/subjects/{subject}/versions/1/schema")
    assert raw.json() == json.loads(V1)
    assert httpx.get(f"{registry_url}/schemas/ids/{ok.json()['id']}/schema").json() == json.loads(
        V1
    )


# -- data contracts: metadata, rule sets, config keys, compatibility groups -------------------


def contract_rule(name: str, expr: str, *, mode: RuleMode = RuleMode.WRITE) -> Rule:
    return Rule(
        name=name,
        doc=f"{name} must hold",
        kind=RuleKind.CONDITION,
        mode=mode,
        type="CEL",
        tags=None,
        params=RuleParams({"dlq.topic": "dead-letters"}),
        expr=expr,
        on_success=None,
        on_failure="DLQ",
        disabled=False,
    )


def contract_metadata(major: str) -> Metadata:
    return Metadata(
        tags=MetadataTags({"Pay.amount": ["FINANCE"]}),
        properties=MetadataProperties({"owner": "payments", "major_version": major}),
        sensitive=["card"],
    )


def test_metadata_and_rule_set_round_trip_through_every_read(sr, subject):
    metadata = contract_metadata("1")
    rules = RuleSet(
        migration_rules=[contract_rule("up", "$", mode=RuleMode.UPGRADE)],
        domain_rules=[contract_rule("amountPositive", "message.amount > 0")],
        encoding_rules=[],  # the client reads an absent list as empty
    )
    text = record("Pay", ("amount", "int"))
    registered = sr.register_schema_full_response(
        subject, Schema(text, "AVRO", metadata=metadata, rule_set=rules)
    )
    fresh = SchemaRegistryClient({"url": sr._rest_client.base_urls[0]})  # no client cache
    reads = [
        fresh.get_latest_version(subject).schema,
        fresh.get_version(subject, 1).schema,
        fresh.get_schema(registered.schema_id),
        fresh.get_latest_with_metadata(subject, {"owner": "payments"}).schema,
    ]
    for got in reads:
        assert got.metadata == metadata
        assert got.rule_set == rules
    # a lookup without the contract finds the version holding it (the client echoes its input)
    found = fresh.lookup_schema(subject, Schema(text, "AVRO"))
    assert (found.schema_id, found.version) == (registered.schema_id, 1)
    with pytest.raises(SchemaRegistryError) as exc:
        fresh.get_latest_with_metadata(subject, {"owner": "someone-else"})
    assert exc.value.error_code == 40403


def test_rules_and_metadata_carry_over_and_config_defaults_apply(sr, subject):
    sr.set_config(
        subject,
        ServerConfig(
            compatibility=ConfigCompatibilityLevel.BACKWARD,
            default_metadata=Metadata(None, MetadataProperties({"tier": "gold"}), None),
            override_rule_set=RuleSet(None, [contract_rule("always", "true")]),
        ),
    )
    config = sr.get_config(subject)
    assert config.override_rule_set == RuleSet([], [contract_rule("always", "true")], [])
    assert config.default_metadata is not None
    assert config.default_metadata.properties == MetadataProperties({"tier": "gold"})
    first = Schema(
        record("Pay", ("amount", "int")),
        "AVRO",
        metadata=contract_metadata("1"),
        rule_set=RuleSet(None, [contract_rule("amountPositive", "message.amount > 0")]),
    )
    sr.register_schema(subject, first)
    grown = record("Pay", ("amount", "int"), ("note", "string"), extra={"note": {"default": ""}})
    sr.register_schema(subject, Schema(grown, "AVRO"))
    second = sr.get_latest_version(subject)
    assert second.version == 2
    assert second.schema.metadata is not None
    assert second.schema.metadata.properties.properties == {
        "major_version": "1",
        "owner": "payments",
        "tier": "gold",
    }
    assert second.schema.rule_set is not None
    assert [r.name for r in second.schema.rule_set.domain_rules or []] == [
        "amountPositive",
        "always",
    ]


def test_compatibility_is_checked_only_within_the_group(sr, subject):
    sr.set_config(subject, ServerConfig(compatibility_group="major_version"))
    assert sr.get_config(subject).compatibility_group == "major_version"
    sr.register_schema(
        subject,
        Schema(record("Pay", ("amount", "int")), "AVRO", metadata=contract_metadata("1")),
    )
    breaking = record("Pay", ("amount", "string"))
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(subject, Schema(breaking, "AVRO", metadata=contract_metadata("1")))
    assert exc.value.error_code == 409
    new_major = sr.register_schema_full_response(
        subject, Schema(breaking, "AVRO", metadata=contract_metadata("2"))
    )
    assert sr.get_latest_version(subject).version == 2
    assert sr.get_latest_with_metadata(subject, {"major_version": "1"}).version == 1
    assert sr.get_latest_with_metadata(subject, {"major_version": "2"}).schema_id == (
        new_major.schema_id
    )


def test_an_invalid_rule_set_is_refused_with_42210(sr, subject):
    twice = RuleSet(None, [contract_rule("dup", "true"), contract_rule("dup", "false")])
    with pytest.raises(SchemaRegistryError) as exc:
        sr.register_schema(subject, Schema(record("Pay", ("a", "int")), "AVRO", rule_set=twice))
    assert (exc.value.http_status_code, exc.value.error_code) == (422, 42210)
