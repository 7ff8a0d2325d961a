"""Whatever bytes arrive, the deserializer raises a typed SerdeError (dead-letter material)."""

from __future__ import annotations

import random

import pytest

from eventflow.events import OrderPlaced
from eventflow.serde import AvroDeserializer, AvroSerializer, SerdeError
from tests.unit.serde.fakes import FakeRegistry
from tests.unit.serde.samples import order_placed

SUBJECT = f"events.raw.v1-{OrderPlaced.AVRO_NAME}"


@pytest.fixture(scope="module")
def setup():
    registry = FakeRegistry()
    registry.register(SUBJECT, OrderPlaced.AVRO_SCHEMA_JSON)
    data = AvroSerializer(registry).serialize(order_placed(), subject=SUBJECT)
    return registry, data


@pytest.mark.parametrize("reader", [None, OrderPlaced], ids=["dict", "class"])
def test_every_truncation_is_a_typed_error(setup, reader):
    registry, data = setup
    de = AvroDeserializer(registry, reader=reader)
    for end in range(len(data)):
        with pytest.raises(SerdeError) as err:
            de.deserialize(data[:end])
        assert err.value.raw == data[:end]
        assert err.value.error_type in {"truncated_payload", "invalid_value"}


def test_random_corruption_never_escapes_as_another_exception(setup):
    registry, data = setup
    de = AvroDeserializer(registry, reader=OrderPlaced)
    rng = random.Random(5)
    outcomes = {"decoded": 0, "error": 0}
    for _ in range(400):
        body = bytearray(data[5:])
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        try:
            de.deserialize(data[:5] + bytes(body))
            outcomes["decoded"] += 1
        except SerdeError as exc:
            assert exc.schema_id == 1
            outcomes["error"] += 1
    assert outcomes["error"] > 0
