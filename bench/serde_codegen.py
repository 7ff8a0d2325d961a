"""Encode/decode rates of generated classes vs raw fastavro dicts, confluent-kafka as reference.

    .venv/bin/python bench/serde_codegen.py [--n 500] [--repeat 15]

All figures come from the same run, in CPU time of this process (the host is shared); the
best of ``--repeat`` interleaved rounds of ``--n`` records is kept. "cost" is time per record
divided by the baseline's (raw fastavro on a prepared dict): the goal for generated classes is
at most 1.3x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer as ConfluentDeserializer
from confluent_kafka.schema_registry.avro import AvroSerializer as ConfluentSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from dataclasses_avroschema import ModelGenerator

from eventflow.events import (
    Currency,
    Envelope,
    OrderLineItem,
    OrderPlaced,
    OrderPlacedPayload,
    ShippingAddress,
)
from eventflow.serde import AvroDeserializer, AvroSerializer

SUBJECT = f"events.raw.v1-{OrderPlaced.AVRO_NAME}"


@dataclass(frozen=True)
class _Registered:
    schema_id: int
    schema: str
    references: tuple[Any, ...] = ()


class _OneSchema:
    """In-memory SchemaLookup holding one schema (no network in the measured loop)."""

    def __init__(self, schema_id: int, text: str) -> None:
        self.entry = _Registered(schema_id, text)

    def get_schema(self, schema_id: int) -> _Registered:
        del schema_id
        return self.entry

    def get_version(self, subject: str, version: int | str = "latest") -> _Registered:
        del subject, version
        return self.entry

    def list_versions(self, subject: str) -> list[int]:
        del subject
        return [1]

    def lookup(self, subject: str, schema: str, references: Sequence[Any] = ()) -> _Registered:
        del subject, schema, references
        return self.entry


def order_placed() -> OrderPlaced:
    """A typical order: two line items, decimals, an enum, a nested address."""
    at = dt.datetime(2026, 11, 27, 10, 30, tzinfo=dt.UTC)
    event_id = uuid.uuid4()
    return OrderPlaced(
        envelope=Envelope(
            event_id=event_id,
            event_type="order.placed",
            source="shop",
            occurred_at=at,
            received_at=at,
            correlation_id=str(event_id),
        ),
        payload=OrderPlacedPayload(
            order_id="o-1001",
            customer_id="c-7",
            line_items=[
                OrderLineItem(sku="SKU-1", quantity=2, unit_price=Decimal("19.99")),
                OrderLineItem(sku="SKU-2", quantity=1, unit_price=Decimal("5.00")),
            ],
            total=Decimal("44.98"),
            currency=Currency.EUR,
            shipping_address=ShippingAddress(
                recipient="Ada",
                street="Hauptstr. 1",
                city="Berlin",
                postal_code="10115",
                country="DE",
            ),
        ),
    )


def dataclasses_avroschema_model() -> Any:
    """OrderPlaced as dataclasses-avroschema's ModelGenerator renders it (ADR 0005's option)."""
    source = ModelGenerator().render(schema=json.loads(OrderPlaced.AVRO_SCHEMA_JSON))
    namespace: dict[str, Any] = {}
    exec(compile(source, "<dataclasses-avroschema>", "exec", dont_inherit=True), namespace)
    return next(v for k, v in namespace.items() if k.endswith("OrderPlaced"))


def best_rates(cases: dict[str, Callable[[], object]], n: int, repeat: int) -> dict[str, float]:
    """Records per CPU second per case. CPU time of this process (not wall time) keeps other
    load on a shared host out of the figures; rounds interleave the cases."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(repeat):
        for name, action in cases.items():
            start = time.process_time()
            for _ in range(n):
                action()
            best[name] = min(best[name], time.process_time() - start)
    return {name: n / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    instance = order_placed()
    record = instance.to_avro_dict()
    parsed = fastavro.parse_schema(json.loads(OrderPlaced.AVRO_SCHEMA_JSON))
    header = b"\x00\x00\x00\x00\x01"

    def fastavro_encode() -> bytes:
        out = io.BytesIO()
        out.write(header)
        fastavro.schemaless_writer(out, parsed, record)
        return out.getvalue()

    lookup = _OneSchema(1, OrderPlaced.AVRO_SCHEMA_JSON)
    ours = AvroSerializer(lookup)
    data = ours.serialize(instance, subject=SUBJECT)
    assert data == fastavro_encode()
    body = data[5:]

    confluent_client = SchemaRegistryClient.new_client({"url": "mock://bench-serde"})
    confluent_client.register_schema(SUBJECT, Schema(OrderPlaced.AVRO_SCHEMA_JSON, "AVRO"))
    ctx = SerializationContext("events.raw.v1", MessageField.VALUE)
    confluent_ser = ConfluentSerializer(
        confluent_client,
        OrderPlaced.AVRO_SCHEMA_JSON,
        lambda obj, _ctx: obj.to_avro_dict(),
        {
            "auto.register.schemas": False,
            "use.latest.version": True,
            "subject.name.strategy": lambda c, name: f"{c.topic}-{name}",
        },
    )
    confluent_data = confluent_ser(instance, ctx)
    confluent_de = ConfluentDeserializer(confluent_client)
    dca_model = dataclasses_avroschema_model()
    dca_instance = dca_model.parse_obj(record)
    dca_data = dca_instance.serialize()
    assert dca_data == body
    decode_class = AvroDeserializer(lookup, reader=OrderPlaced)
    decode_dict = AvroDeserializer(lookup)
    assert decode_class.deserialize(data).value == instance

    n, repeat = args.n, args.repeat
    encode = {
        "fastavro dict (baseline)": fastavro_encode,
        "generated class -> AvroSerializer": lambda: ours.serialize(instance, subject=SUBJECT),
        "dict -> AvroSerializer (checked as written)": lambda: ours.serialize(
            record, subject=SUBJECT
        ),
        "dict -> serialize_with_id (pipeline)": lambda: ours.serialize_with_id(1, record),
        "confluent AvroSerializer (class)": lambda: confluent_ser(instance, ctx),
        "dataclasses-avroschema .serialize()": dca_instance.serialize,
    }
    decode = {
        "fastavro dict (baseline)": lambda: fastavro.schemaless_reader(
            io.BytesIO(body), parsed, None
        ),
        "AvroDeserializer -> generated class": lambda: decode_class.deserialize(data),
        "AvroDeserializer -> dict": lambda: decode_dict.deserialize(data),
        "confluent AvroDeserializer -> dict": lambda: confluent_de(confluent_data, ctx),
        "dataclasses-avroschema .deserialize()": lambda: dca_model.deserialize(dca_data),
    }
    print(f"OrderPlaced, {len(data)} bytes; best of {repeat} x {n} records; cost = time / baseline")
    for title, cases in (("encode", encode), ("decode", decode)):
        rates = best_rates(cases, n, repeat)
        baseline = next(iter(rates.values()))
        print(f"\n{title:<42}{'rec/CPU-s':>12}{'cost':>8}")
        for name, rate in rates.items():
            print(f"  {name:<40}{rate:>12,.0f}{baseline / rate:>7.2f}x")


if __name__ == "__main__":
    main()
