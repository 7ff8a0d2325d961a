"""The persistence writer against a real PostgreSQL server (started here, in a temp folder):
idempotent batched upsert by event id, JSONB columns, and a database outage that is retried
(never dead-lettered) until the server is back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventflow.consumers._outcome import RetriableFailure
from eventflow.consumers._persistence import PostgresStore, open_store
from eventflow.consumers._services import build_service
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka.local._broker import free_port
from tests.integration.pipeline_support import (
    Events,
    make_lane,
    produce,
    register_contracts,
    wait_until,
)
from tests.unit.consumers.test_persistence import event

pytestmark = pytest.mark.integration


class Postgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl); run as `postgres` when we are root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="eventflow-pg-"))
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-w",
            "-l",
            str(self.dir / "log"),
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-w", "-m", "fast", "stop")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    server = Postgres()
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.dir, ignore_errors=True)


def test_upsert_is_idempotent_and_json_is_queryable(postgres):
    store = open_store(postgres.url)
    assert isinstance(store, PostgresStore)
    store.write([event(1), event(2)])
    store.write([event(2), event(3)])
    assert store.count(["id-1", "id-2", "id-3"]) == 3
    row = store.get("id-1")
    assert row is not None and row["payload"]["total"] == "12.50"  # JSONB, decimal exact
    assert row["validation"]["valid"] is True and row["schema_id"] == 7
    store.close()


def test_database_outage_is_retriable_and_the_store_reconnects(postgres):
    store = open_store(postgres.url)
    store.write([event(10)])
    postgres.stop()
    try:
        with pytest.raises(RetriableFailure, match="postgresql"):
            store.write([event(11)])
    finally:
        postgres.start()
    store.write([event(11)])
    assert store.count(["id-10", "id-11"]) == 2
    store.close()


def test_writer_service_stores_a_topic_in_postgres(
    postgres, kafka_bootstrap, registry_url, tmp_path
):
    register_contracts(registry_url)
    lane = make_lane(kafka_bootstrap, registry_url, tmp_path)
    events = Events(registry_url, rules=False)
    data = [events.order(f"pg-{i}") for i in range(200)]
    produce(kafka_bootstrap, lane.enriched, [(k, v) for _i, k, v in data])
    produce(kafka_bootstrap, lane.enriched, [(k, v) for _i, k, v in data[:50]])  # redelivery
    settings = lane.settings(database_url=postgres.url)
    built = build_service("writer", settings, cluster=KafkaCluster(kafka_bootstrap))
    store = open_store(postgres.url)
    try:
        wait_until(
            lambda: (
                built.runtime.run_once() >= 0
                and built.runtime.metrics.value("eventflow_consumed_total") >= 250
            ),
            120,
            "the writer to consume 250 records",
            interval=0,
        )
        assert store.count([i for i, _k, _v in data]) == 200
        row = store.get(data[0][0])
        assert row is not None and row["origin_topic"] == lane.enriched
        assert json.loads(json.dumps(row["payload"]))["order_id"] == "pg-0"
    finally:
        built.close()
        store.close()
