"""EventFlow against a real SASL_SSL + SCRAM-SHA-512 broker (tests/fixtures/secure_kafka.py):
every kind of client connects with the typed settings; a wrong password, an untrusted CA and a
wrong host name each fail fast with one line naming the cause; the whole pipeline runs over it
(API -> validator -> enricher -> writer, the registry's log on ``_schemas``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from eventflow.config import ApiKeySettings, ApiSettings
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._demo import run_demo
from eventflow.consumers._persistence import SqliteStore
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._consumer import read_one, watermarks
from eventflow.kafka._producer import DurableProducer
from eventflow.kafka._refusals import ConnectionRefused
from eventflow.kafka._topics_file import TopicSpec, load_topics_file
from eventflow.producers.http._adapters import build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.registry._client import RegistryClient
from tests.fixtures.registry import RegistryProcess
from tests.fixtures.secure_kafka import SCRAM_PASSWORD, SecuredKafka
from tests.integration.pipeline_support import (
    REPO,
    SCHEMAS,
    ServiceProcess,
    make_lane,
    register_contracts,
    wait_until,
)

pytestmark = pytest.mark.integration

API_KEY = "it-secured-key"
FAST_S = 15.0  # "within seconds": a refusal must not wait for the 30 s admin timeout


def test_admin_producer_and_reader_work_over_sasl_ssl_scram(secured_kafka: SecuredKafka):
    cluster = secured_kafka.cluster()
    topic = f"it-secured-{uuid.uuid4().hex[:8]}"
    created = TopicAdmin(cluster).apply([TopicSpec(topic, 1, 1, {})])
    assert created.created == (topic,)
    producer = DurableProducer(cluster, client_id="it-secured")
    try:
        report = producer.send(topic, b"over TLS", key=b"k").result(timeout=60)
    finally:
        producer.close()
    record = read_one(cluster, topic, report.partition, report.offset)
    assert record is not None and record.value == b"over TLS"


@pytest.mark.parametrize(
    ("changes", "cause"),
    [
        (
            {"sasl": {"mechanism": "SCRAM-SHA-512", "username": "eventflow-it", "password": "no"}},
            "authentication failed (check EVENTFLOW_KAFKA__SASL__*",
        ),
        ("untrusted-ca", "the broker's certificate is not trusted (check EVENTFLOW_KAFKA__TLS__CA"),
        ("wrong-host", "the broker's certificate names localhost, not 127.0.0.1 (connect by"),
    ],
)
def test_a_refused_connection_fails_fast_with_one_line_naming_the_cause(
    secured_kafka: SecuredKafka, changes: object, cause: str
):
    if changes == "untrusted-ca":
        changes = {"tls": {"ca_file": secured_kafka.pki.other_ca_file}}
    elif changes == "wrong-host":  # the certificate names localhost, not 127.0.0.1
        changes = {"bootstrap_servers": secured_kafka.bootstrap.replace("localhost", "127.0.0.1")}
    assert isinstance(changes, dict)
    cluster = secured_kafka.cluster(**changes)
    started = time.monotonic()
    with pytest.raises(ConnectionRefused) as exc:
        TopicAdmin(cluster).existing(["events.raw.v1"])
    elapsed = time.monotonic() - started
    message = str(exc.value)
    assert elapsed < FAST_S, f"took {elapsed:.1f}s"
    assert cause in message
    assert message.startswith(f"Kafka at {cluster.bootstrap} refused the connection: ")
    assert "\n" not in message
    assert SCRAM_PASSWORD not in message


def test_operator_tools_reading_topics_fail_fast_on_a_refusal(secured_kafka: SecuredKafka):
    """replay, dlq and trace read through group-less consumers, not the admin client."""
    wrong = {"sasl": {"mechanism": "SCRAM-SHA-512", "username": "eventflow-it", "password": "no"}}
    cluster = secured_kafka.cluster(**wrong)
    started = time.monotonic()
    with pytest.raises(ConnectionRefused, match="refused the connection: authentication failed"):
        watermarks(cluster, "events.raw.v1")
    assert time.monotonic() - started < FAST_S


@pytest.mark.parametrize(
    "command",
    [["topics", "apply", "--file", str(REPO / "topics.yaml")], ["serve", "api", "--port", "0"]],
)
def test_cli_reports_a_wrong_password_in_one_line_and_exit_3(
    secured_kafka: SecuredKafka, tmp_path, command: list[str]
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTFLOW_")}
    env.update(secured_kafka.env())
    env["EVENTFLOW_KAFKA__SASL__PASSWORD"] = "wrong-" + SCRAM_PASSWORD
    env["EVENTFLOW_SCHEMAS_DIR"] = str(SCHEMAS)
    env["EVENTFLOW_API__KEYS"] = "[]"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "eventflow", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert time.monotonic() - started < FAST_S + 10  # interpreter start-up included
    assert result.returncode == 3, result.stdout + result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "refused the connection: authentication failed" in lines[0]
    assert SCRAM_PASSWORD not in result.stdout + result.stderr


@pytest.fixture
def secured_registry(secured_kafka: SecuredKafka, tmp_path_factory) -> Iterator[str]:
    """Our registry, its log in ``_schemas`` on the secured broker."""
    server = RegistryProcess(
        tmp_path_factory.mktemp("secured-registry"),
        bootstrap=secured_kafka.bootstrap,
        env=secured_kafka.env(),
        via_cli=True,
    )
    try:
        register_contracts(server.url)
        yield server.url
    finally:
        server.stop()


def test_the_whole_pipeline_runs_over_sasl_ssl(
    secured_kafka: SecuredKafka, secured_registry, tmp_path
):
    cluster = secured_kafka.cluster()
    specs = load_topics_file(REPO / "topics.yaml")
    admin = TopicAdmin(cluster)
    admin.apply(specs)
    wait_until(lambda: len(admin.existing([t.name for t in specs])) == len(specs), 30, "topics")
    assert "_schemas" in admin.existing(["_schemas"])  # the registry's log, on this broker
    lane = make_lane(
        secured_kafka.bootstrap,
        secured_registry,
        tmp_path,
        shared_raw="events.raw.v1",  # the API's topic, as the manifest declares it
        kafka=secured_kafka.settings(),
        kafka_env=secured_kafka.env(),
    )
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        for service in services:
            service.wait_ready()
        settings = lane.settings().model_copy(
            update={
                "api": ApiSettings(
                    topic=lane.raw, keys=[ApiKeySettings(name="it", sha256=hash_key(API_KEY))]
                )
            }
        )
        components = build_components(
            settings, cluster=lane.cluster, registry_url=lane.registry_url, schemas_dir=SCHEMAS
        )
        store = SqliteStore(lane.db_path)
        with TestClient(create_app(settings, components=components)) as client:
            summary = run_demo(
                client=client,
                api_url="",
                api_key=API_KEY,
                cluster=lane.cluster,
                dlq_topic=lane.dlq,
                decoder=RegistryCodec(RegistryClient(lane.registry_url)),
                count_rows=store.count,
                row_of=store.get,
                count=6,
                timeout_s=180,
                run=lane.run,
            )
    finally:
        codes = {s.kind: s.stop() for s in services}
    assert codes == {"validator": 0, "enricher": 0, "writer": 0}, [s.output() for s in services]
    assert summary.rejected_by_api == 0, summary.refusals[:3]
    assert summary.complete, summary
    assert summary.rows == 6
    assert sum(summary.dead_letters.values()) == 3
    row = store.get(summary.accepted_valid[1])
    assert row is not None and json.loads(row["validation"])["valid"] is True
    assert json.loads(row["enrichment"])["outputs"]
    for service in services:
        assert SCRAM_PASSWORD not in service.output()
