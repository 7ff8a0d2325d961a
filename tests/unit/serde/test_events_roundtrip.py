"""Every starter event class round-trips through serde; dicts and classes give the same bytes."""

from __future__ import annotations

import pytest

from eventflow.events import EVENT_CLASSES
from eventflow.serde import AvroDeserializer, AvroSerializer
from tests.unit.serde.fakes import FakeRegistry
from tests.unit.serde.samples import SAMPLES


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_instance_round_trip_and_dict_path_agree(event_type):
    cls = EVENT_CLASSES[event_type]
    subject = f"events.raw.v1-{cls.AVRO_NAME}"
    registry = FakeRegistry()
    registry.register(subject, cls.AVRO_SCHEMA_JSON)
    value = SAMPLES[event_type]
    ser = AvroSerializer(registry)
    data = ser.serialize(value, subject=subject)
    assert ser.serialize(value.to_avro_dict(), subject=subject) == data
    assert AvroDeserializer(registry, reader=cls).deserialize(data).value == value
    decoded = AvroDeserializer(registry).deserialize(data)
    assert ser.serialize_with_id(decoded.schema_id, decoded.value) == data
