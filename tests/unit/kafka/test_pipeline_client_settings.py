"""The pipeline services' producer and consumer tuning: typed settings (EVENTFLOW_PIPELINE__
PRODUCER__* / CONSUMER__*) that reach librdkafka through the one client_config."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from eventflow.config import KafkaSettings, PipelineSettings, Settings
from eventflow.errors import ConfigError
from eventflow.kafka import (
    KafkaCluster,
    client_config,
    pipeline_consumer_properties,
    pipeline_producer_properties,
)


def test_env_settings_become_the_librdkafka_properties(monkeypatch):
    monkeypatch.setenv("EVENTFLOW_PIPELINE__PRODUCER__LINGER_MS", "12.5")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__PRODUCER__BATCH_NUM_MESSAGES", "2000")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__PRODUCER__BATCH_BYTES", "262144")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__PRODUCER__COMPRESSION", "zstd")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__CONSUMER__FETCH_MIN_BYTES", "4096")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__CONSUMER__FETCH_WAIT_MAX_MS", "7")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__CONSUMER__QUEUED_MIN_MESSAGES", "5000")
    monkeypatch.setenv("EVENTFLOW_PIPELINE__CONSUMER__MAX_PARTITION_FETCH_BYTES", "65536")
    pipeline = Settings().pipeline
    assert pipeline_producer_properties(pipeline.producer) == {
        "linger.ms": 12.5,
        "batch.num.messages": 2000,
        "batch.size": 262144,
        "compression.type": "zstd",
    }
    assert pipeline_consumer_properties(pipeline.consumer) == {
        "fetch.min.bytes": 4096,
        "fetch.wait.max.ms": 7,
        "queued.min.messages": 5000,
        "max.partition.fetch.bytes": 65536,
    }


def test_every_default_is_a_value_librdkafka_accepts():
    from confluent_kafka import Consumer, Producer

    pipeline = PipelineSettings()
    role = {"logger": __import__("logging").getLogger("quiet")}
    Producer({**pipeline_producer_properties(pipeline.producer), **role}).flush(0)
    Consumer({**pipeline_consumer_properties(pipeline.consumer), "group.id": "g", **role}).close()


@pytest.mark.parametrize(
    ("section", "values", "field"),
    [
        ("producer", {"compression": "brotli"}, "producer.compression"),
        ("producer", {"linger_ms": -1}, "producer.linger_ms"),
        ("consumer", {"fetch_min_bytes": 0}, "consumer.fetch_min_bytes"),
        ("consumer", {"fetch_wiat_max_ms": 5}, "consumer.fetch_wiat_max_ms"),
    ],
)
def test_bad_values_are_refused_naming_the_field(section, values, field):
    with pytest.raises(ValidationError) as caught:
        PipelineSettings.model_validate({section: values})
    assert field in str(caught.value).replace("\n  ", ".").replace("\n", " ")


def test_an_operator_property_fighting_a_typed_setting_names_the_setting():
    kafka = KafkaSettings.model_validate({"properties": {"linger.ms": "50"}})
    role = pipeline_producer_properties(PipelineSettings().producer)
    with pytest.raises(ConfigError, match="EVENTFLOW_PIPELINE__PRODUCER__LINGER_MS instead"):
        client_config(KafkaCluster("b:1", kafka), role)
