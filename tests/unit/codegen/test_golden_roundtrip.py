"""Instances of the golden classes (every Avro type) survive serde both ways, unchanged."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from eventflow.serde import AvroDeserializer, AvroSerializer, InvalidValue
from tests.golden.codegen.expected import (
    Color,
    Deep,
    Everything,
    Money,
    Priority,
    TreeNode,
)
from tests.golden.codegen.samples import everything
from tests.unit.serde.fakes import FakeRegistry

SUBJECT = "golden.raw.v1-golden.events.Everything"
UTC = dt.UTC


@pytest.fixture
def registry():
    reg = FakeRegistry()
    reg.register(SUBJECT, Everything.AVRO_SCHEMA_JSON)
    return reg


def test_defaults_follow_the_schema():
    value = everything()
    assert value.flag is True and value.count == -3 and value.ratio == 0.5
    assert value.blob == b"\x00\xffab"
    assert value.price == decimal.Decimal("0.256")
    assert value.uid == uuid.UUID("0d1b4e7e-7c3a-4f64-9d6b-8c2f0e6b1a11")
    assert value.day == dt.date(2024, 10, 4)
    assert value.time_ms == dt.time(1, 2, 3, 4000)
    assert value.at_ms == dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert value.priority is Priority.HIGH and value.color is Color.GREEN
    assert value.scores == {"a": 1.5} and value.tags == []
    assert value.deep == Deep(inner_color=Color.GREEN, at=dt.datetime(1970, 1, 1, tzinfo=UTC))
    assert value.amount.currency == "EUR"
    assert everything().scores is not value.scores  # mutable defaults are not shared


@pytest.mark.parametrize(
    "choice",
    [None, "text", 7, Money(amount=decimal.Decimal("2.50")), TreeNode(label="t")],
    ids=["null", "string", "long", "record-Money", "record-TreeNode"],
)
def test_round_trip_preserves_every_field(registry, choice):
    value = everything(choice)
    data = AvroSerializer(registry).serialize(value, subject=SUBJECT)
    decoded = AvroDeserializer(registry, reader=Everything).deserialize(data)
    assert decoded.value == value
    assert type(decoded.value.choice) is type(choice)
    assert isinstance(decoded.value.signal, Color)


def test_enum_union_reads_back_the_right_enum(registry):
    value = everything()
    value.signal = Priority.LOW
    data = AvroSerializer(registry).serialize(value, subject=SUBJECT)
    assert (
        AvroDeserializer(registry, reader=Everything).deserialize(data).value.signal is Priority.LOW
    )


def test_wrong_type_names_the_field(registry):
    value = everything()
    value.tree.children[0].label = 5  # type: ignore[assignment]
    with pytest.raises(InvalidValue) as err:
        AvroSerializer(registry).serialize(value, subject=SUBJECT)
    assert err.value.field_path == "Everything.tree.children[0].label"


def test_dict_in_place_of_a_record_class_still_encodes(registry):
    value = everything()
    value.amount = {"amount": decimal.Decimal("1.00"), "currency": "EUR"}  # type: ignore[assignment]
    data = AvroSerializer(registry).serialize(value, subject=SUBJECT)
    decoded = AvroDeserializer(registry, reader=Everything).deserialize(data).value
    assert decoded.amount == Money(amount=decimal.Decimal("1.00"))


def test_record_where_a_dict_is_needed_is_named(registry):
    value = everything()
    value.amount = "twelve"  # type: ignore[assignment]
    with pytest.raises(InvalidValue) as err:
        AvroSerializer(registry).serialize(value, subject=SUBJECT)
    assert err.value.field_path == "Everything.amount"


def test_validate_record_checks_an_instance_before_serializing():
    from eventflow.serde import validate_record

    value = everything()
    validate_record(value)
    value.history[0]["a"].amount = 1.5  # type: ignore[assignment]
    with pytest.raises(InvalidValue) as err:
        validate_record(value)
    assert err.value.field_path == 'Everything.history[0]["a"].amount'
    with pytest.raises(TypeError, match="not a generated"):
        validate_record({"a": 1})


def test_corner_cases_round_trip():
    from tests.golden.codegen.expected import Edge, Empty, Oops, Pt, Solo

    edge = Edge(empty=Empty(), err=Oops())
    assert edge.grid == [[Solo.ONLY]] and edge.points == [Pt(x=1, tags={"k": "v"})]
    assert edge.bytes_default == b'"\\' and edge.text_default == "line\nbreak 'single' \"double\""
    edge.map_union = {"a": Empty(), "b": 3, "c": None}
    edge.fx = b"abc"
    edge.opt_list = [Empty(), Empty()]
    subject = "golden-edge-value"
    registry = FakeRegistry()
    registry.register(subject, Edge.AVRO_SCHEMA_JSON)
    data = AvroSerializer(registry).serialize(edge, subject=subject)
    assert AvroDeserializer(registry, reader=Edge).deserialize(data).value == edge


@pytest.mark.parametrize(
    "choice",
    [None, "text", 7, Money(amount=decimal.Decimal("2.50")), TreeNode(label="t")],
    ids=["null", "string", "long", "record-Money", "record-TreeNode"],
)
def test_validating_dict_path_accepts_every_generated_value(registry, choice):
    value = everything(choice)
    as_dict = value.to_avro_dict()
    data = AvroSerializer(registry).serialize(as_dict, subject=SUBJECT)
    assert data == AvroSerializer(registry).serialize(value, subject=SUBJECT)
