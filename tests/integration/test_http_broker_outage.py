"""Kafka stopped mid-test: 503s with Retry-After, then recovery, and no 2xx without Kafka.

Runs its OWN broker (a LocalBroker in a temporary folder) so stopping it never disturbs the
shared session broker; the registry is the shared one.
"""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from fastapi.testclient import TestClient

from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._topics_file import load_topics_file
from eventflow.kafka.local import LocalBroker
from tests.integration.test_http_ingest import (
    REPO,
    SHOP_KEY,
    TOPIC,
    order_body,
    real_app,
    registered_registry,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.integration
SHOP = {"X-API-Key": SHOP_KEY}


def all_event_ids(bootstrap: str) -> set[str]:
    """Every event id in the topic: each partition read from the start to its high watermark."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"outage-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    partitions = consumer.list_topics(TOPIC, timeout=30).topics[TOPIC].partitions
    ends = {
        p: consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1]
        for p in partitions
    }
    consumer.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p, end in ends.items() if end])
    remaining = {p for p, end in ends.items() if end}
    ids: set[str] = set()
    deadline = time.monotonic() + 60
    while remaining and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        event_id = dict(msg.headers() or [])["event_id"]
        assert isinstance(event_id, bytes)
        ids.add(event_id.decode())
        if (msg.offset() or 0) + 1 >= ends[msg.partition()]:
            remaining.discard(msg.partition())
    consumer.close()
    assert not remaining, f"could not read partitions {remaining} to their end"
    return ids


def test_broker_outage_gives_503_then_recovers_and_every_2xx_is_in_kafka(
    tmp_path,
    registered_registry,  # noqa: F811
):
    broker = LocalBroker(
        tmp_path / "outage", port=0, controller_port=0, heap="384m", start_timeout_s=120
    )
    bootstrap = broker.start()
    try:
        TopicAdmin(KafkaCluster(bootstrap)).apply(load_topics_file(REPO / "topics.yaml"))
        app = real_app(bootstrap, registered_registry, delivery_timeout_ms=3000, retry_after_s=2)
        accepted: list[str] = []
        with TestClient(app) as client:
            for i in range(5):
                response = client.post("/v1/events", json=order_body(f"before-{i}"), headers=SHOP)
                assert response.status_code == 202, response.text
                accepted.append(response.json()["event_id"])

            broker.stop()
            for i in range(3):
                response = client.post("/v1/events", json=order_body(f"during-{i}"), headers=SHOP)
                assert response.status_code == 503, response.text
                assert response.headers["Retry-After"] == "2"
                assert response.json()["error"] == "api.unavailable"
            batch = client.post(
                "/v1/events:batch",
                headers=SHOP,
                json={"events": [order_body("during-b1"), order_body("during-b2")]},
            )
            assert batch.status_code == 503
            assert client.get("/readyz").status_code == 503

            assert broker.start() == bootstrap  # same port and data: the broker comes back
            deadline = time.monotonic() + 90
            recovered = None
            while time.monotonic() < deadline:
                response = client.post("/v1/events", json=order_body("after-probe"), headers=SHOP)
                assert response.status_code in {202, 503}, response.text
                if response.status_code == 202:
                    recovered = response.json()["event_id"]
                    break
            assert recovered is not None, "the API did not recover after the broker restarted"
            accepted.append(recovered)
            for i in range(5):
                response = client.post("/v1/events", json=order_body(f"after-{i}"), headers=SHOP)
                assert response.status_code == 202, response.text
                accepted.append(response.json()["event_id"])
            assert client.get("/readyz").status_code == 200

        in_kafka = all_event_ids(bootstrap)
        missing = set(accepted) - in_kafka
        assert not missing, f"events answered 2xx but not in Kafka: {missing}"
    finally:
        broker.stop()
