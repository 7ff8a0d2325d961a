"""The README's run command end to end: `eventflow dev up` (whole stack) + `eventflow demo`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from eventflow.kafka.local._broker import free_port
from tests.integration.cli_support import run_eventflow

pytestmark = pytest.mark.integration


@pytest.fixture
def stack_env(tmp_path):
    state = tmp_path / "state"
    api_port = free_port()
    env = dict(
        os.environ,
        COLUMNS="200",
        EVENTFLOW_DEV__STATE_DIR=str(state),
        EVENTFLOW_DEV__KAFKA_PORT="0",
        EVENTFLOW_REGISTRY_SERVER__PORT=str(free_port()),
        EVENTFLOW_API__PORT=str(api_port),
        EVENTFLOW_PIPELINE__DEMO_API_URL=f"http://127.0.0.1:{api_port}",
        EVENTFLOW_PIPELINE__VALIDATOR_METRICS_PORT=str(free_port()),
        EVENTFLOW_PIPELINE__ENRICHER_METRICS_PORT=str(free_port()),
        EVENTFLOW_PIPELINE__WRITER_METRICS_PORT=str(free_port()),
        EVENTFLOW_PIPELINE__DATABASE_URL=f"sqlite:///{tmp_path / 'events.db'}",
    )
    for name in ("EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS", "EVENTFLOW_REGISTRY__URL"):
        env.pop(name, None)
    yield env
    run_eventflow(["dev", "down"], env)


def test_dev_up_runs_the_whole_pipeline_and_the_demo_lands_rows(stack_env):
    up = run_eventflow(["dev", "up"], stack_env)
    assert up.returncode == 0, up.stdout + up.stderr
    for name in ("registry", "api", "validator", "enricher", "writer"):
        assert re.search(rf"{name} (on|running)", up.stdout), up.stdout

    hint = re.search(r"curl -H '(X-API-Key): (\S+)' (\S+)", up.stdout.replace("\n", " "))
    assert hint, up.stdout
    printed = httpx.get(hint.group(3), headers={hint.group(1): hint.group(2)}, timeout=10)
    assert printed.status_code == 200, "the curl line dev up prints must work as printed"
    assert "order.placed" in printed.text

    status = run_eventflow(["dev", "status"], stack_env)
    assert status.returncode == 0
    for name in ("api", "validator", "enricher", "writer"):
        assert re.search(rf"{name}: running pid \d+, ready", status.stdout), status.stdout

    key = (Path(stack_env["EVENTFLOW_DEV__STATE_DIR"]) / "dev-api-key").read_text().strip()
    demo = run_eventflow(
        ["demo", "--count", "20", "--timeout", "120"],
        dict(stack_env, EVENTFLOW_PIPELINE__DEMO_API_KEY=key),
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert re.search(r"rows in database\s+20 of 20", demo.stdout), demo.stdout
    assert re.search(r"dead-lettered\s+[1-9]", demo.stdout), demo.stdout

    down = run_eventflow(["dev", "down"], stack_env)
    assert down.returncode == 0
    for name in ("writer", "enricher", "validator", "api", "registry"):
        assert f"{name} stopped." in down.stdout
    assert "Kafka stopped." in down.stdout
