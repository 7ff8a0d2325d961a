"""The whole pipeline against real Kafka and the real registry: HTTP -> validator -> enricher
-> writer -> database row; trace; two validators sharing partitions; replay into a new group."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from eventflow.cli import main
from eventflow.config import ApiKeySettings, ApiSettings
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._demo import run_demo
from eventflow.consumers._operations import trace_event
from eventflow.consumers._persistence import SqliteStore
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka.local._broker import free_port
from eventflow.producers.http._adapters import build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key
from eventflow.registry._client import RegistryClient
from tests.integration.pipeline_support import (
    SCHEMAS,
    Events,
    Lane,
    ServiceProcess,
    make_lane,
    produce,
    register_contracts,
    wait_until,
)

pytestmark = pytest.mark.integration

API_KEY = "it-pipeline-key"


@pytest.fixture(scope="module")
def registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


@pytest.fixture
def running(kafka_bootstrap, registry, tmp_path) -> Iterator[tuple[Lane, list[ServiceProcess]]]:
    lane = make_lane(kafka_bootstrap, registry, tmp_path, shared_raw="events.raw.v1")
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        for service in services:
            service.wait_ready()
        yield lane, services
    finally:
        codes = {s.kind: s.stop() for s in services}
        assert codes == {"validator": 0, "enricher": 0, "writer": 0}, [s.output() for s in services]


def test_http_to_database_row_with_validation_enrichment_dead_letters_and_trace(running):
    lane, _services = running
    settings = lane.settings().model_copy(
        update={
            "api": ApiSettings(
                topic=lane.raw, keys=[ApiKeySettings(name="it", sha256=hash_key(API_KEY))]
            )
        }
    )
    components = build_components(
        settings,
        cluster=KafkaCluster(lane.bootstrap),
        registry_url=lane.registry_url,
        schemas_dir=SCHEMAS,
    )
    codec = RegistryCodec(RegistryClient(lane.registry_url))
    store = SqliteStore(lane.db_path)
    with TestClient(create_app(settings, components=components)) as client:
        summary = run_demo(
            client=client,
            api_url="",
            api_key=API_KEY,
            cluster=KafkaCluster(lane.bootstrap),
            dlq_topic=lane.dlq,
            decoder=codec,
            count_rows=store.count,
            row_of=store.get,
            count=12,
            timeout_s=120,
            run=lane.run,
        )
    assert summary.rejected_by_api == 0, summary.refusals[:3]
    assert summary.complete, summary
    assert summary.rows == 12 and store.count() == 12
    assert summary.dead_letters == {
        "rule:order_total_matches_lines": 1,
        "rule:order_quantity_positive": 1,
        "rule:user_email_format": 1,
    }
    # a user row: validated, enriched by the real offline models, payload intact
    user_id = summary.accepted_valid[1]
    row = store.get(user_id)
    assert row is not None and row["event_type"] == "user.registered"
    assert json.loads(row["validation"])["valid"] is True
    outputs = {o["enricher"]: o for o in json.loads(row["enrichment"])["outputs"]}
    assert outputs["language"]["attributes"]["language"] == "de"  # BIOS[1] is German
    assert outputs["sentiment"]["target_field"] == "payload.bio"
    assert json.loads(row["payload"])["bio"].startswith("Ich koche")
    # trace: the event on every stage's topic, and its row; a bad one in the DLQ
    report = trace_event(
        KafkaCluster(lane.bootstrap),
        [lane.raw, lane.validated, lane.enriched],
        lane.dlq,
        codec,
        user_id,
        row_lookup=store.get,
    )
    assert [s.topic for s in report.sightings] == [lane.raw, lane.validated, lane.enriched]
    assert report.row is not None and report.dead_letters == ()
    bad = summary.accepted_invalid[2]
    result = CliRunner().invoke(main, ["trace", bad], env=lane.env())
    assert result.exit_code == 0, result.output
    assert "rule:user_email_format" in result.output and lane.raw in result.output
    assert "database: no row" in result.output
    as_json = CliRunner().invoke(main, ["trace", user_id, "--format", "json"], env=lane.env())
    assert as_json.exit_code == 0, as_json.output
    traced = json.loads(as_json.output.splitlines()[-1])
    assert [s["topic"] for s in traced["sightings"]] == [lane.raw, lane.validated, lane.enriched]
    assert traced["row"]["payload"]["bio"].startswith("Ich koche"), "the row as JSON, not text"
    store.close()


def test_two_validator_instances_split_the_partitions(kafka_bootstrap, registry, tmp_path):
    lane = make_lane(kafka_bootstrap, registry, tmp_path)
    first, second = ServiceProcess("validator", lane), ServiceProcess("validator", lane)
    try:
        first.wait_ready()
        second.wait_ready()

        def split() -> bool:
            a, b = first.partitions(), second.partitions()
            return bool(a) and bool(b) and not (a & b) and a | b == {0, 1, 2}

        wait_until(split, 90, "the two members to share the 3 partitions")
        events = Events(registry, rules=False)
        orders = [events.order(f"split-{i}") for i in range(600)]
        produce(kafka_bootstrap, lane.raw, [(k, v) for _i, k, v in orders])
        wait_until(lambda: lane.size(lane.validated) >= 600, 120, "600 validated events")
        a = first.metric("eventflow_consumed_total")
        b = second.metric("eventflow_consumed_total")
        assert a > 0 and b > 0, f"both members must consume (got {a} and {b})"
        assert a + b >= 600
        assert lane.dead_letters() == []
    finally:
        assert first.stop() == 0 and second.stop() == 0


def test_replay_into_a_new_group_reprocesses_without_duplicate_rows(
    kafka_bootstrap, registry, tmp_path
):
    lane = make_lane(kafka_bootstrap, registry, tmp_path)
    events = Events(registry, rules=False)
    orders = [events.order(f"replay-{i}") for i in range(50)]
    produce(kafka_bootstrap, lane.raw, [(k, v) for _i, k, v in orders])
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    store = SqliteStore(lane.db_path)
    try:
        wait_until(lambda: store.count() == 50, 120, "50 rows")
        services[0].stop()
        result = CliRunner().invoke(
            main,
            ["replay", "--topic", lane.raw, "--group", f"again-{lane.run}", "--from-offset", "0"],
            env=lane.env(),
        )
        assert result.exit_code == 0, result.output
        assert f"group again-{lane.run} reset" in result.output
        services[0] = ServiceProcess("validator", lane, validator_group=f"again-{lane.run}")
        wait_until(lambda: lane.size(lane.validated) >= 100, 120, "the replayed events")
        wait_until(
            lambda: services[2].metric("eventflow_produced_total") >= 100,
            120,
            "the writer to store the replayed events",
        )
        assert store.count() == 50, "replays upsert by event id: no duplicate rows"
    finally:
        for service in services:
            service.stop()
        store.close()


def test_eventflow_demo_against_a_running_stack(running):
    """The README's last step: `eventflow demo` against the API and the three services, all
    real processes configured only by EVENTFLOW_* settings."""
    lane, _services = running
    port = free_port()
    env = lane.env(demo_api_url=f"http://127.0.0.1:{port}", demo_api_key=API_KEY)
    env["EVENTFLOW_API__PORT"] = str(port)
    env["EVENTFLOW_API__KEYS"] = json.dumps(
        [{"name": "demo", "sha256": hash_key(API_KEY), "event_types": ["*"]}]
    )
    env["EVENTFLOW_SCHEMAS_DIR"] = str(SCHEMAS)
    with open(lane.workdir / "api.log", "wb") as log:
        api = subprocess.Popen(
            [sys.executable, "-m", "eventflow", "serve", "api"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=lane.workdir,
        )
        try:

            def ready() -> bool:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).is_success
                except httpx.HTTPError:
                    return False

            wait_until(ready, 90, "the API to be ready")
            demo = subprocess.run(
                [sys.executable, "-m", "eventflow", "demo", "--count", "9", "--timeout", "120"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                cwd=lane.workdir,
            )
        finally:
            api.terminate()
            api.wait(30)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = " ".join(demo.stdout.split())
    assert "rows in database 9 of 9" in out
    assert (
        "dead-lettered 3: rule:order_quantity_positive x1, "
        "rule:order_total_matches_lines x1, rule:user_email_format x1" in out
    )
    assert "enrichment" in out
