"""The value engine's writer writes exactly fastavro's bytes (every event type, edge values).

Hand-picked regressions; the differential property test covers random schemas and values.
"""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal
from typing import Any

import fastavro
import pytest

from eventflow.producers.http._adapters import RegistryEncoder
from eventflow.producers.http._catalog import EventTypeSpec
from eventflow.producers.http._examples import example_for
from eventflow.producers.http._problems import InvalidEvent
from eventflow.serde._avro_json import inline_references
from eventflow.serde._wire import header
from eventflow.serde.avro import ValueRejected
from eventflow.workspace import load_workspace
from tests.unit.producers.fakes import REPO, real_catalog
from tests.unit.serde.avro.engine import values_of
from tests.unit.serde.fakes import FakeRegistry

CATALOG = real_catalog()
SPECS = {spec.event_type: spec for spec in CATALOG}


def fastavro_bytes(schema: Any, named: Any, datum: Any) -> bytes:
    parsed = fastavro.parse_schema(inline_references(schema, named))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, datum)
    return out.getvalue()


def record_of(spec: EventTypeSpec, payload: Any, **envelope: Any) -> dict[str, Any]:
    return {
        "envelope": {
            "event_id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
            "event_type": spec.event_type,
            "source": "shop",
            "occurred_at": 1_772_362_800_000,
            "received_at": 1_772_362_800_123,
            "correlation_id": "flow-1",
            "causation_id": None,
            **envelope,
        },
        "payload": payload,
        "validation": None,
        "enrichment": None,
    }


def converted_example(spec: EventTypeSpec) -> Any:
    payload, problems = spec.converter(spec.example()["data"], "data")
    assert problems == []
    return payload


def converted_named(spec: EventTypeSpec, name: str) -> Any:
    """A datum of a shared named type, from the example generator of /v1/event-types."""
    engine = values_of(inline_references(name, spec.named))
    datum, problems = engine.from_json(example_for(name, named=spec.named), "x")
    assert problems == []
    return datum


def assert_same_bytes(spec: EventTypeSpec, record: dict[str, Any]) -> None:
    assert spec.values.encode(record) == fastavro_bytes(spec.record_schema, spec.named, record)


def assert_converted_same_bytes(spec: EventTypeSpec, record: dict[str, Any]) -> None:
    """The API's form (payload written unchecked) writes what the checking form writes."""
    written = spec.values.encode(record, converted_fields=("payload",))
    assert written == fastavro_bytes(spec.record_schema, spec.named, record)


@pytest.mark.parametrize("event_type", sorted(SPECS))
def test_every_event_type_example_encodes_like_fastavro(event_type: str) -> None:
    spec = SPECS[event_type]
    assert_same_bytes(spec, record_of(spec, converted_example(spec)))
    assert_same_bytes(spec, record_of(spec, converted_example(spec), causation_id="evt-0"))
    assert_converted_same_bytes(spec, record_of(spec, converted_example(spec)))
    assert_converted_same_bytes(spec, record_of(spec, converted_example(spec), causation_id="c"))


EDGE_LONGS = [
    0,
    1,
    -1,
    63,
    -64,
    64,
    -65,
    8191,
    -8192,
    8192,
    2**31 - 1,
    -(2**31),
    2**53,
    2**63 - 1,
    -(2**63),
    1_772_362_800_000,
    -1_772_362_800_000,
]
EDGE_TEXTS = ["", "a", "ü", "日本語", "emoji 🎉 and \u0000 nul", "x" * 200, "y" * 9000]


@pytest.mark.parametrize("value", EDGE_LONGS)
def test_longs_and_timestamps_at_the_edges(value: int) -> None:
    spec = SPECS["order.placed"]
    mirrored = -value if -value < 2**63 else value
    record = record_of(spec, converted_example(spec), occurred_at=value, received_at=mirrored)
    assert_same_bytes(spec, record)


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_unicode_and_long_texts(text: str) -> None:
    spec = SPECS["order.placed"]
    payload = converted_example(spec)
    payload["order_id"] = text
    payload["shipping_address"]["city"] = text
    assert_same_bytes(spec, record_of(spec, payload, source=text, causation_id=text))


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "-0",
        "0.01",
        "-0.01",
        "1.28",
        "-1.28",
        "-1.27",
        "1.27",
        "327.67",
        "-327.68",
        "9999999999.99",
        "-9999999999.99",
        "1E+2",
        "12.5",
        "100",
    ],
)
def test_decimals_at_scale_and_precision_limits(amount: str) -> None:
    spec = SPECS["order.placed"]
    payload = converted_example(spec)
    converted, problems = spec.converter({**spec.example()["data"], "total": amount}, "data")
    assert problems == []
    payload["total"] = converted["total"]
    payload["line_items"][0]["unit_price"] = Decimal(amount)  # as given, not quantized
    assert_same_bytes(spec, record_of(spec, payload))
    payload["line_items"][0]["unit_price"] = converted["total"]
    assert_converted_same_bytes(spec, record_of(spec, payload))


def test_empty_and_long_arrays_maps_and_filled_unions() -> None:
    spec = SPECS["order.placed"]
    payload = converted_example(spec)
    record = record_of(spec, payload)
    payload["line_items"] = []
    assert_same_bytes(spec, record)
    payload["line_items"] = [
        {"sku": f"s{i}", "quantity": i - 100, "unit_price": Decimal(f"{i}.05")} for i in range(200)
    ]
    assert_same_bytes(spec, record)
    record["validation"] = converted_named(spec, "com.eventflow.common.ValidationResult")
    record["validation"]["findings"] *= 3
    record["enrichment"] = converted_named(spec, "com.eventflow.common.Enrichment")
    output = record["enrichment"]["outputs"][0]
    record["enrichment"]["outputs"] = [
        {**output, "attributes": {}, "scores": {}},
        {**output, "attributes": {"k": "v", "ü": ""}, "scores": {"a": 0.5, "b": -1e300, "c": 3.0}},
    ]
    assert_same_bytes(spec, record)


def test_randomized_records_of_every_event_type() -> None:
    rng = random.Random(20261127)
    alphabet = "abcXYZ09 -_.äé中🎉"
    for _ in range(300):
        spec = SPECS[rng.choice(sorted(SPECS))]
        payload = converted_example(spec)
        texts = {f["name"] for f in spec.payload_schema["fields"] if f["type"] == "string"}
        for key, value in list(payload.items()):
            if key in texts:
                payload[key] = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
            elif isinstance(value, Decimal):
                payload[key] = Decimal(rng.randrange(-(10**12) + 1, 10**12)).scaleb(-2)
            elif isinstance(value, bool):
                payload[key] = rng.random() < 0.5
            elif isinstance(value, int):
                payload[key] = rng.randrange(-(2**31), 2**31)
        record = record_of(
            spec,
            payload,
            occurred_at=rng.randrange(-(2**62), 2**62),
            causation_id=rng.choice([None, "", "c" * rng.randrange(0, 300)]),
        )
        assert_same_bytes(spec, record)
        assert_converted_same_bytes(spec, record)


def test_unions_of_several_branches_and_fixed_decimals_write_like_fastavro() -> None:
    union = ["null", "string", "long", {"type": "array", "items": "double"}]
    engine = values_of(union)
    for datum in (None, "x", 5, [1.5, 2], []):
        assert engine.encode(datum) == fastavro_bytes(union, {}, datum)
    fixed = {"type": "fixed", "name": "F", "size": 8, "logicalType": "decimal", "precision": 5}
    engine = values_of(fixed)
    for amount in ("0", "1", "-1", "99999", "-99999", "-128", "127", "255"):
        assert engine.encode(Decimal(amount)) == fastavro_bytes(fixed, {}, Decimal(amount))


def test_values_that_do_not_fit_are_refused_with_their_path() -> None:
    spec = SPECS["order.placed"]
    good = record_of(spec, converted_example(spec))
    for field, bad in [
        ("total", "19.98"),
        ("total", Decimal("1.234")),
        ("total", Decimal("12345678901.00")),
        ("currency", "XYZ"),
        ("order_id", 5),
        ("line_items", "nope"),
    ]:
        record = record_of(spec, {**good["payload"], field: bad})
        with pytest.raises(ValueRejected) as caught:
            spec.values.encode(record, root="OrderPlaced")
        assert caught.value.first.path == f"OrderPlaced.payload.{field}"
    for beyond in (1.5, 2**63, -(2**63) - 1):
        with pytest.raises(ValueRejected) as caught:
            spec.values.encode(record_of(spec, good["payload"], occurred_at=beyond), root="R")
        assert caught.value.first.path == "R.envelope.occurred_at"


def registry_encoder() -> tuple[RegistryEncoder, FakeRegistry]:
    """The API's encoder on an in-memory registry holding every event type's subject."""
    workspace = load_workspace(REPO / "schemas" / "avro")
    registry = FakeRegistry()
    for spec in CATALOG:
        registry.register(
            spec.subject, json.dumps(inline_references(dict(spec.record_schema), spec.named))
        )
    schemas = {
        spec.event_type: workspace.schema_for_event_type(spec.event_type) for spec in CATALOG
    }
    return RegistryEncoder(registry, schemas), registry


def test_registry_encoder_writes_the_header_and_fastavro_bytes_looking_the_id_up_once() -> None:
    encoder, registry = registry_encoder()
    spec = SPECS["order.placed"]
    records = [record_of(spec, converted_example(spec), causation_id=str(i)) for i in range(3)]
    encoded = [encoder.encode(spec, record) for record in records]
    assert registry.calls.count(f"list_versions {spec.subject}") == 1  # once, not per record
    schema_id = registry.get_version(spec.subject).schema_id
    for record, value in zip(records, encoded, strict=True):
        assert value == header(schema_id) + fastavro_bytes(spec.record_schema, spec.named, record)


def test_registry_encoder_names_the_field_of_a_value_the_compiled_encoder_refuses() -> None:
    encoder, _ = registry_encoder()
    spec = SPECS["order.placed"]
    encoder.encode(spec, record_of(spec, converted_example(spec)))
    bad = record_of(spec, {**converted_example(spec), "total": "not a decimal"})
    with pytest.raises(InvalidEvent) as caught:
        encoder.encode(spec, bad)
    assert [f.path for f in caught.value.fields] == ["record.payload.total"]
