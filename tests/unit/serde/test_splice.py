"""Splicing a stage's output is byte-identical to a full re-encode, or falls back to it."""

from __future__ import annotations

import json

import pytest

from eventflow.contracts import parse_schema
from eventflow.events import EVENT_CLASSES
from eventflow.serde import AvroDeserializer, AvroSerializer, InvalidValue, TruncatedPayload
from eventflow.serde._splice import SplicingCodec
from eventflow.serde.avro import split_record
from tests.unit.serde.fakes import FakeRegistry
from tests.unit.serde.samples import SAMPLES, order_placed

FILLED = order_placed().to_avro_dict()  # a validation with a finding, an enrichment with output


def setup(event_type):
    cls = EVENT_CLASSES[event_type]
    registry = FakeRegistry()
    schema_id = registry.register(f"events.raw.v1-{cls.AVRO_NAME}", cls.AVRO_SCHEMA_JSON)
    raw = SAMPLES[event_type].to_avro_dict()
    raw["validation"] = raw["enrichment"] = None
    ser = AvroSerializer(registry)
    return registry, schema_id, ser, ser.serialize_with_id(schema_id, raw)


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_validator_then_enricher_splices_are_byte_identical_to_full_encodes(event_type):
    registry, schema_id, ser, raw_bytes = setup(event_type)
    full = AvroDeserializer(registry)

    validator = SplicingCodec(registry, "validation")
    decoded = validator.decode(raw_bytes)
    assert decoded.schema_id == schema_id
    assert decoded.value == full.deserialize(raw_bytes).value
    assert decoded.head_end == len(raw_bytes) - 2  # two null unions follow the head
    validated = {**decoded.value, "validation": FILLED["validation"]}
    spliced = validator.encode(
        schema_id, validated, source=raw_bytes, head_end=decoded.head_end, changed={"validation"}
    )
    assert spliced == ser.serialize_with_id(schema_id, validated)

    enricher = SplicingCodec(registry, "enrichment")
    decoded = enricher.decode(spliced)
    assert decoded.value == full.deserialize(spliced).value
    enriched = {**decoded.value, "enrichment": FILLED["enrichment"]}
    out = enricher.encode(
        schema_id, enriched, source=spliced, head_end=decoded.head_end, changed={"enrichment"}
    )
    assert out == ser.serialize_with_id(schema_id, enriched)
    assert full.deserialize(out).value == enriched


def test_a_changed_leading_field_or_another_schema_id_falls_back_to_the_full_encode():
    registry, schema_id, ser, raw_bytes = setup("order.placed")
    codec = SplicingCodec(registry, "validation")
    decoded = codec.decode(raw_bytes)
    changed = {**decoded.value, "payload": {**decoded.value["payload"], "order_id": "o-2"}}
    for claimed in ({"payload", "validation"}, None):
        out = codec.encode(
            schema_id, changed, source=raw_bytes, head_end=decoded.head_end, changed=claimed
        )
        assert out == ser.serialize_with_id(schema_id, changed)
        assert AvroDeserializer(registry).deserialize(out).value["payload"]["order_id"] == "o-2"
    other = registry.register("other", EVENT_CLASSES["order.placed"].AVRO_SCHEMA_JSON + " ")
    assert other != schema_id
    out = codec.encode(
        other, decoded.value, source=raw_bytes, head_end=decoded.head_end, changed={"validation"}
    )
    assert out[1:5] == other.to_bytes(4, "big")


def test_a_schema_without_the_tail_field_is_read_and_written_whole():
    registry, schema_id, _ser, raw_bytes = setup("order.placed")
    codec = SplicingCodec(registry, "no_such_field")
    decoded = codec.decode(raw_bytes)
    assert decoded.head_end is None
    assert (
        codec.encode(
            schema_id, decoded.value, source=raw_bytes, head_end=None, changed={"validation"}
        )
        == raw_bytes
    )
    first_only = {"type": "record", "name": "R", "fields": [{"name": "validation", "type": "int"}]}
    node = parse_schema(json.dumps(first_only)).root
    assert split_record(node, first_only, "validation") is None


def test_bad_input_and_bad_tail_values_raise_the_typed_errors():
    registry, schema_id, _ser, raw_bytes = setup("order.placed")
    codec = SplicingCodec(registry, "validation")
    with pytest.raises(TruncatedPayload):
        codec.decode(raw_bytes[:30])
    decoded = codec.decode(raw_bytes)
    broken = {**decoded.value, "validation": {**FILLED["validation"], "valid": "yes"}}
    with pytest.raises(InvalidValue) as info:
        codec.encode(
            schema_id, broken, source=raw_bytes, head_end=decoded.head_end, changed={"validation"}
        )
    assert "valid" in str(info.value)
