"""DurableProducer against the real broker: futures resolve with the real offset."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition

from eventflow.kafka.producer import DeliveryFailed, DurableProducer

pytestmark = pytest.mark.integration


def test_send_resolves_with_the_offset_the_record_is_stored_at(kafka_bootstrap):
    producer = DurableProducer(kafka_bootstrap)
    marker = uuid.uuid4().hex.encode()
    report = producer.send("events.raw.v1", marker, key=b"k", headers=[("h", b"v")]).result(30)
    assert producer.close() == 0
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": uuid.uuid4().hex,
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(report.topic, report.partition, report.offset)])
    msg = consumer.poll(15)
    consumer.close()
    assert msg is not None and msg.error() is None
    assert (msg.value(), msg.key(), msg.headers()) == (marker, b"k", [("h", b"v")])


def test_send_async_reports_delivery(kafka_bootstrap):
    producer = DurableProducer(kafka_bootstrap)
    reports = asyncio.run(_send_many(producer, 20))
    producer.close()
    assert len({(r.partition, r.offset) for r in reports}) == 20
    assert {r.topic for r in reports} == {"events.enriched.v1"}


async def _send_many(producer: DurableProducer, n: int):
    return await asyncio.gather(
        *(
            producer.send_async("events.enriched.v1", f"v{i}".encode(), key=str(i).encode())
            for i in range(n)
        )
    )


def test_unknown_topic_fails_the_future_instead_of_acknowledging(kafka_bootstrap):
    producer = DurableProducer(kafka_bootstrap, delivery_timeout_ms=3000)
    future = producer.send("no.such.topic.v1", b"x")
    with pytest.raises(DeliveryFailed, match=r"no\.such\.topic\.v1"):
        future.result(30)
    producer.close(timeout_s=5)
