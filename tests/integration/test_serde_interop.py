"""Interop with confluent-kafka's Avro serdes against the real registry (``registry_url``).

Our bytes are read by confluent-kafka's ``AvroDeserializer``; its ``AvroSerializer`` bytes are
read by ours, for every starter event type; v1 data reads into v2 classes.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer as ConfluentDeserializer
from confluent_kafka.schema_registry.avro import AvroSerializer as ConfluentSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from eventflow.contracts import parse_schema
from eventflow.events import EVENT_CLASSES
from eventflow.kafka._client_config import KafkaCluster
from eventflow.registry._client import RegistryClient, SchemaReference
from eventflow.serde import AvroDeserializer, AvroSerializer, SchemaMismatch, UnknownSchemaId, frame
from eventflow.serde._splice import SplicingCodec
from eventflow.workspace import load_workspace
from tests.golden.codegen.expected import Everything
from tests.golden.codegen.samples import everything
from tests.unit.serde.samples import SAMPLES

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas/avro"
TOPIC = "events.raw.v1"


def register_contracts(client: RegistryClient) -> None:
    """What `eventflow schema register` does: every subject, shared types first, by reference."""
    workspace = load_workspace(SCHEMAS)
    for entry in workspace.registration_order():
        refs = [
            SchemaReference(name=ref, subject=ref, version=client.list_versions(ref)[-1])
            for ref in entry.references
        ]
        client.register(entry.subject, workspace.schema_for_subject(entry.subject).text, refs)


@pytest.fixture(scope="module")
def registry(registry_url: str):
    # generous timeout: the first write to a fresh _schemas topic can be slow on a busy host
    with RegistryClient(registry_url, timeout_s=60) as client:
        register_contracts(client)
        yield client


@pytest.fixture(scope="module")
def confluent(registry_url: str, registry) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": registry_url})


def context() -> SerializationContext:
    return SerializationContext(TOPIC, MessageField.VALUE)


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_confluent_reads_what_we_write(registry, confluent, event_type):
    cls = EVENT_CLASSES[event_type]
    value = SAMPLES[event_type]
    subject = f"{TOPIC}-{cls.AVRO_NAME}"
    data = AvroSerializer(registry).serialize(value, subject=subject)
    assert data[0] == 0
    assert int.from_bytes(data[1:5], "big") == registry.get_version(subject).schema_id
    decoded = ConfluentDeserializer(confluent)(data, context())
    assert decoded == value.to_avro_dict()


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_we_read_what_confluent_writes(registry, confluent, event_type):
    cls = EVENT_CLASSES[event_type]
    value = SAMPLES[event_type]
    serializer = ConfluentSerializer(
        confluent,
        cls.AVRO_SCHEMA_JSON,
        lambda obj, ctx: obj.to_avro_dict(),
        {
            "auto.register.schemas": False,
            "use.latest.version": True,
            "subject.name.strategy": lambda ctx, record_name: f"{ctx.topic}-{record_name}",
        },
    )
    data = serializer(value, context())
    decoded = AvroDeserializer(registry, reader=cls).deserialize(data)
    assert decoded.value == value
    assert decoded.writer.fullname == cls.AVRO_NAME
    as_dict = AvroDeserializer(registry).deserialize(data)
    assert as_dict.value == value.to_avro_dict()
    # a pipeline stage re-encodes under the same id and produces the same bytes
    assert AvroSerializer(registry).serialize_with_id(as_dict.schema_id, as_dict.value) == data


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_splicing_stages_on_registered_schemas_match_full_encodes(registry, confluent, event_type):
    """The registry holds the events with their shared types by reference; the validator's and
    the enricher's splices over Confluent-written input equal a full re-encode, and Confluent
    reads them back."""
    cls = EVENT_CLASSES[event_type]
    filled = SAMPLES["order.placed"].to_avro_dict()
    raw = {**SAMPLES[event_type].to_avro_dict(), "validation": None, "enrichment": None}
    data = ConfluentSerializer(
        confluent,
        cls.AVRO_SCHEMA_JSON,
        None,
        {
            "auto.register.schemas": False,
            "use.latest.version": True,
            "subject.name.strategy": lambda ctx, record_name: f"{ctx.topic}-{record_name}",
        },
    )(raw, context())
    full = AvroSerializer(registry)
    for tail_from in ("validation", "enrichment"):
        codec = SplicingCodec(registry, tail_from)
        schema_id, value, head_end = codec.decode(data)
        assert head_end is not None and value == AvroDeserializer(registry).deserialize(data).value
        value[tail_from] = filled[tail_from]
        spliced = codec.encode(
            schema_id, value, source=data, head_end=head_end, changed={tail_from}
        )
        assert spliced == full.serialize_with_id(schema_id, value)
        assert ConfluentDeserializer(confluent)(spliced, context()) == value
        data = spliced


def test_serializer_never_registers_and_unknown_id_is_typed(registry):
    subject = f"serde-it-{uuid.uuid4().hex}-value"
    with pytest.raises(SchemaMismatch, match="never registers"):
        AvroSerializer(registry).serialize(SAMPLES["order.placed"], subject=subject)
    assert subject not in registry.list_subjects()
    with pytest.raises(UnknownSchemaId):
        AvroDeserializer(registry).deserialize(frame(987654, b"\x00"))


def v1_of_everything() -> dict[str, Any]:
    """The golden Everything without the fields v2 added (all of which have defaults)."""
    schema: dict[str, Any] = copy.deepcopy(json.loads(Everything.AVRO_SCHEMA_JSON))
    added = {"flag", "count", "ratio", "tags", "scores", "type", "maybe_money", "choice"}
    schema["fields"] = [f for f in schema["fields"] if f["name"] not in added]
    return schema


def test_v1_data_reads_into_v2_class(registry, confluent):
    subject = f"serde-it-{uuid.uuid4().hex}-value"
    v1_text = json.dumps(v1_of_everything())
    v1_id = registry.register(subject, v1_text)
    v2_id = registry.register(subject, Everything.AVRO_SCHEMA_JSON)  # BACKWARD-compatible
    assert v1_id != v2_id
    full = everything().to_avro_dict()
    v1_value = {name: full[name] for name in (f["name"] for f in v1_of_everything()["fields"])}

    ours = AvroSerializer(registry).serialize(
        v1_value, subject=subject, schema=parse_schema(v1_text)
    )
    confluent_bytes = ConfluentSerializer(
        confluent, v1_text, conf={"auto.register.schemas": False, "use.latest.version": False}
    )(v1_value, SerializationContext(subject.removesuffix("-value"), MessageField.VALUE))
    for data in (ours, confluent_bytes):
        assert int.from_bytes(data[1:5], "big") == v1_id
        decoded = AvroDeserializer(registry, reader=Everything).deserialize(data)
        assert isinstance(decoded.value, Everything)
        assert decoded.value.flag is True and decoded.value.count == -3  # v2 defaults
        assert decoded.value.tags == [] and decoded.value.choice is None
        assert decoded.value.tree == everything().tree
        assert decoded.writer.fingerprint == parse_schema(v1_text).fingerprint


def test_through_kafka_every_event_type_reads_back_typed(registry, kafka_bootstrap):
    from eventflow.kafka._consumer import read_one
    from eventflow.kafka._producer import DurableProducer

    serializer = AvroSerializer(registry)
    deserializer = AvroDeserializer(registry)
    producer = DurableProducer(KafkaCluster(kafka_bootstrap), client_id="serde-it")
    try:
        sent = {}
        for event_type, value in SAMPLES.items():
            cls = EVENT_CLASSES[event_type]
            data = serializer.serialize(value, subject=f"{TOPIC}-{cls.AVRO_NAME}")
            key = str(value.to_avro_dict()["payload"][cls.PARTITION_KEY.split(".")[1]]).encode()
            sent[event_type] = producer.send(TOPIC, data, key=key).result(timeout=60)
    finally:
        producer.close()
    for event_type, report in sent.items():
        record = read_one(KafkaCluster(kafka_bootstrap), TOPIC, report.partition, report.offset)
        assert record is not None and record.value is not None
        decoded = deserializer.deserialize(record.value)
        cls = EVENT_CLASSES[event_type]
        assert decoded.writer.fullname == cls.AVRO_NAME
        assert cls.from_avro_dict(decoded.value) == SAMPLES[event_type]
