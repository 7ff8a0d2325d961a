import datetime as dt
import decimal
import io
import json
import uuid

import fastavro
import pytest

from eventflow.contracts import parse_schema
from eventflow.errors import EventFlowError
from eventflow.serde import (
    AvroDeserializer,
    AvroSerializer,
    InvalidValue,
    SchemaMismatch,
    TruncatedPayload,
    UnknownSchemaId,
    frame,
)
from tests.unit.serde.fakes import FakeRegistry, Ref

MONEY = {
    "type": "record",
    "name": "Money",
    "namespace": "com.t.common",
    "fields": [
        {
            "name": "amount",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2},
        },
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}
ORDER_V1 = {
    "type": "record",
    "name": "Order",
    "namespace": "com.t.events",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "total", "type": "com.t.common.Money"},
        {"name": "lines", "type": {"type": "array", "items": "long"}},
    ],
}
ORDER_V2 = {
    **ORDER_V1,
    "fields": [*ORDER_V1["fields"], {"name": "note", "type": ["null", "string"], "default": None}],
}
SUBJECT = "events.raw.v1-com.t.events.Order"


@pytest.fixture
def registry():
    reg = FakeRegistry()
    reg.register("com.t.common.Money", json.dumps(MONEY))
    reg.register(
        SUBJECT, json.dumps(ORDER_V1), [Ref("com.t.common.Money", "com.t.common.Money", 1)]
    )
    return reg


def order():
    return {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "total": {
            "amount": decimal.Decimal("10.25"),
            "at": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        },
        "lines": [1, 2],
    }


def test_dict_round_trip_through_references(registry):
    data = AvroSerializer(registry).serialize(order(), subject=SUBJECT)
    assert data[:5] == b"\x00\x00\x00\x00\x02"
    decoded = AvroDeserializer(registry).deserialize(data)
    assert decoded.schema_id == 2
    assert decoded.writer.fullname == "com.t.events.Order"
    assert decoded.value == order()


def test_bytes_equal_plain_fastavro_with_inlined_schema(registry):
    data = AvroSerializer(registry).serialize(order(), subject=SUBJECT)
    inlined = {
        **ORDER_V1,
        "fields": [ORDER_V1["fields"][0], {"name": "total", "type": MONEY}, ORDER_V1["fields"][2]],
    }
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(inlined), order())
    assert data == frame(2, out.getvalue())


def test_schema_id_is_fetched_once_and_cached(registry):
    ser = AvroSerializer(registry)
    for _ in range(3):
        ser.serialize(order(), subject=SUBJECT)
    assert registry.calls.count(f"get_version {SUBJECT} latest") == 1
    assert registry.calls.count("get_schema 2") == 1


def _inlined(order_schema):
    fields = order_schema["fields"]
    return {**order_schema, "fields": [fields[0], {"name": "total", "type": MONEY}, *fields[2:]]}


def test_an_older_version_is_found_after_a_newer_one_is_registered(registry):
    """Confluent's semantics: the id is looked up among ALL versions, not only the latest."""
    money_ref = [Ref("com.t.common.Money", "com.t.common.Money", 1)]
    v2_id = registry.register(SUBJECT, json.dumps(ORDER_V2), money_ref)
    v1_schema, v2_schema = (parse_schema(json.dumps(_inlined(s))) for s in (ORDER_V1, ORDER_V2))
    ser = AvroSerializer(registry)
    old = ser.serialize(order(), subject=SUBJECT, schema=v1_schema)
    new = ser.serialize({**order(), "note": "x"}, subject=SUBJECT, schema=v2_schema)
    assert (old[:5], new[:5]) == (frame(2, b""), frame(v2_id, b""))
    assert v2_id != 2
    de = AvroDeserializer(registry)
    assert de.deserialize(old).value == order()
    calls = len(registry.calls)
    ser.serialize(order(), subject=SUBJECT, schema=v1_schema)
    assert len(registry.calls) == calls  # the id found among the versions is cached


def test_a_schema_in_no_version_is_a_mismatch_naming_the_subject(registry):
    v1 = _inlined(ORDER_V1)
    other = {**v1, "fields": [*v1["fields"], {"name": "x", "type": "int"}]}
    with pytest.raises(SchemaMismatch, match="has no registered version equal"):
        AvroSerializer(registry).serialize(
            {**order(), "x": 1}, subject=SUBJECT, schema=parse_schema(json.dumps(other))
        )


def test_serialize_with_id_reencodes_same_writer(registry):
    ser, de = AvroSerializer(registry), AvroDeserializer(registry)
    decoded = de.deserialize(ser.serialize(order(), subject=SUBJECT))
    again = ser.serialize_with_id(decoded.schema_id, decoded.value)
    assert de.deserialize(again).value == decoded.value


def test_explicit_parsed_schema_is_looked_up_not_registered(registry):
    money = parse_schema(json.dumps(MONEY))
    ser = AvroSerializer(registry)
    data = ser.serialize(order()["total"], subject="com.t.common.Money", schema=money)
    assert data[:5] == frame(1, b"")
    assert not any(c.startswith("register") for c in registry.calls[2:])


def test_unregistered_schema_is_a_mismatch_unless_auto_register(registry):
    other = {**MONEY, "name": "Other"}
    parsed = parse_schema(json.dumps(other))
    with pytest.raises(SchemaMismatch, match="never registers"):
        AvroSerializer(registry).serialize(order()["total"], subject="s-new", schema=parsed)
    data = AvroSerializer(registry, auto_register=True).serialize(
        order()["total"], subject="s-new", schema=parsed
    )
    assert AvroDeserializer(registry).deserialize(data).writer.fullname == "com.t.common.Other"


def test_unknown_subject_without_schema_is_a_mismatch(registry):
    with pytest.raises(SchemaMismatch, match="not registered"):
        AvroSerializer(registry).serialize({}, subject="nope-value")


def test_invalid_value_names_nested_field(registry):
    bad = order()
    bad["total"]["amount"] = 1.5
    with pytest.raises(InvalidValue) as err:
        AvroSerializer(registry).serialize(bad, subject=SUBJECT)
    assert err.value.field_path == "Order.total.amount"
    assert err.value.error_type == "invalid_value"
    assert isinstance(err.value, ValueError)


def test_silent_fastavro_coercion_is_refused_for_dicts(registry):
    bad = {**order(), "lines": [1.7]}
    with pytest.raises(InvalidValue, match=r"Order\.lines\[0\]"):
        AvroSerializer(registry).serialize(bad, subject=SUBJECT)


def test_fast_path_failure_still_names_field(registry):
    ser = AvroSerializer(registry)
    with pytest.raises(InvalidValue) as err:
        ser.serialize({**order(), "lines": ["x"]}, subject=SUBJECT)
    assert err.value.field_path == "Order.lines[0]"


def test_unknown_schema_id_carries_raw_and_id(registry):
    data = frame(99, b"\x00")
    with pytest.raises(UnknownSchemaId) as err:
        AvroDeserializer(registry).deserialize(data)
    assert (err.value.schema_id, err.value.raw) == (99, data)


def test_other_registry_errors_propagate(registry):
    class Down(EventFlowError):
        http_status = 503

    def fail(schema_id):
        raise Down("registry down")

    registry.get_schema = fail
    with pytest.raises(Down):
        AvroDeserializer(registry).deserialize(frame(2, b""))


def test_truncated_body(registry):
    data = AvroSerializer(registry).serialize(order(), subject=SUBJECT)
    with pytest.raises(TruncatedPayload) as err:
        AvroDeserializer(registry).deserialize(data[:-3])
    assert err.value.schema_id == 2
    assert err.value.raw == data[:-3]


def test_old_data_reads_into_new_reader_schema(registry):
    data = AvroSerializer(registry).serialize(order(), subject=SUBJECT)
    inlined_v2 = {
        **ORDER_V2,
        "fields": [
            ORDER_V2["fields"][0],
            {"name": "total", "type": MONEY},
            *ORDER_V2["fields"][2:],
        ],
    }
    reader = parse_schema(json.dumps(inlined_v2))
    value = AvroDeserializer(registry, reader=reader).deserialize(data).value
    assert value["note"] is None
    assert value["lines"] == [1, 2]


def test_incompatible_reader_is_schema_mismatch(registry):
    data = AvroSerializer(registry).serialize(order(), subject=SUBJECT)
    reader = parse_schema(
        json.dumps(
            {
                "type": "record",
                "name": "Order",
                "namespace": "com.t.events",
                "fields": [{"name": "missing", "type": "int"}],
            }
        )
    )
    with pytest.raises(SchemaMismatch) as err:
        AvroDeserializer(registry, reader=reader).deserialize(data)
    assert err.value.error_type == "schema_mismatch"
    assert err.value.schema_id == 2


def test_reader_with_foreign_references_is_refused():
    money = parse_schema(json.dumps(MONEY))
    reader = parse_schema(json.dumps(ORDER_V1), references=[money])
    with pytest.raises(SchemaMismatch, match=r"com\.t\.common\.Money"):
        AvroDeserializer(FakeRegistry(), reader=reader)


def test_schema_registered_with_references_is_found_by_fingerprint(registry):
    inlined = {
        **ORDER_V1,
        "fields": [ORDER_V1["fields"][0], {"name": "total", "type": MONEY}, ORDER_V1["fields"][2]],
    }
    schema = parse_schema(json.dumps(inlined))
    ser = AvroSerializer(registry)
    data = ser.serialize(order(), subject=SUBJECT, schema=schema)
    assert data[:5] == frame(2, b"")  # the version registered with a reference to Money
    assert f"lookup {SUBJECT}" in registry.calls
    ser.serialize(order(), subject=SUBJECT, schema=schema)
    assert registry.calls.count(f"lookup {SUBJECT}") == 1  # cached per (subject, schema)


def test_unparsable_registry_schema_is_a_typed_mismatch(registry):
    registry.by_id[7] = registry.by_id[1].__class__(7, "s", 1, '{"type": "record", "name": 3}')
    data = frame(7, b"\x00")
    with pytest.raises(SchemaMismatch) as err:
        AvroDeserializer(registry).deserialize(data)
    assert (err.value.schema_id, err.value.raw) == (7, data)
    assert "registry schema id 7 is not a valid Avro schema" in str(err.value)


def test_auto_register_needs_a_registrar():
    class ReadOnly:
        def get_schema(self, schema_id):
            raise AssertionError

        def get_version(self, subject, version="latest"):
            raise AssertionError

        def list_versions(self, subject):
            raise AssertionError

        def lookup(self, subject, schema, references=()):
            raise AssertionError

    AvroSerializer(ReadOnly())
    with pytest.raises(TypeError, match="register"):
        AvroSerializer(ReadOnly(), auto_register=True)
