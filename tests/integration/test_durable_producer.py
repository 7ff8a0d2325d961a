"""DurableProducer against the real broker: futures resolve with the real offset."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition

from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._producer import DeliveryFailed, DeliveryGroup, DeliveryReport, DurableProducer

pytestmark = pytest.mark.integration


def test_send_resolves_with_the_offset_the_record_is_stored_at(kafka_bootstrap):
    producer = DurableProducer(KafkaCluster(kafka_bootstrap))
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
    producer = DurableProducer(KafkaCluster(kafka_bootstrap))
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
    producer = DurableProducer(KafkaCluster(kafka_bootstrap), delivery_timeout_ms=3000)
    future = producer.send("no.such.topic.v1", b"x")
    with pytest.raises(DeliveryFailed, match=r"no\.such\.topic\.v1"):
        future.result(30)
    producer.close(timeout_s=5)


@pytest.mark.parametrize("background_poll", [True, False])
def test_a_delivery_group_completes_once_with_every_offset(kafka_bootstrap, background_poll):
    completed: list[DeliveryGroup] = []
    producer = DurableProducer(KafkaCluster(kafka_bootstrap), background_poll=background_poll)
    group = DeliveryGroup(on_complete=completed.append)
    marker = uuid.uuid4().hex
    for i in range(50):
        index = producer.send_in(
            group,
            "events.validated.v1",
            f"{marker}-{i}".encode(),
            key=str(i % 7).encode(),
            headers=[("i", str(i).encode())],
        )
        assert index == i
    assert producer.wait_for(group, 30)
    producer.close()
    assert completed == [group] and group.done and group.failed == 0
    reports = [r for r in group.reports if isinstance(r, DeliveryReport)]
    assert len({(r.partition, r.offset) for r in reports}) == 50
    first = reports[0]
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": uuid.uuid4().hex})
    consumer.assign([TopicPartition(first.topic, first.partition, first.offset)])
    msg = consumer.poll(15)
    consumer.close()
    assert msg is not None and msg.value() == f"{marker}-0".encode()


def test_a_delivery_group_reports_the_failed_record(kafka_bootstrap):
    producer = DurableProducer(
        KafkaCluster(kafka_bootstrap), delivery_timeout_ms=3000, background_poll=False
    )
    group = DeliveryGroup()
    producer.send_in(group, "events.raw.v1", b"ok")
    producer.send_in(group, "no.such.topic.v1", b"lost")
    assert producer.wait_for(group, 30)
    producer.close(timeout_s=5)
    assert group.failed == 1 and isinstance(group.reports[0], DeliveryReport)
    error = group.first_error()
    assert error is group.reports[1] and "no.such.topic.v1" in str(error)


def test_send_to_an_explicit_partition_lands_there(kafka_bootstrap):
    producer = DurableProducer(KafkaCluster(kafka_bootstrap))
    reports = [
        producer.send("events.raw.v1", b"p", key=b"same", partition=p).result(30) for p in (0, 1, 2)
    ]
    producer.close()
    assert [r.partition for r in reports] == [0, 1, 2]
