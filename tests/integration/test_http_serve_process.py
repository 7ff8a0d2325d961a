"""`eventflow serve api` as a real process, configured only through EVENTFLOW_* variables."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from eventflow.producers.http._auth import hash_key
from tests.integration.test_http_ingest import (
    SCHEMAS,
    order_body,
    registered_registry,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.integration


def test_serve_api_process_accepts_events_and_stops_cleanly(
    kafka_bootstrap,
    registered_registry,  # noqa: F811
    tmp_path,
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text(
        f"- name: proc-test\n  sha256: {hash_key('proc-key')}\n  event_types: [order.placed]\n"
    )
    env = {
        **os.environ,
        "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        "EVENTFLOW_REGISTRY__URL": registered_registry,
        "EVENTFLOW_SCHEMAS_DIR": str(SCHEMAS),
        "EVENTFLOW_API__KEYS_FILE": str(keys_file),
        "EVENTFLOW_API__KEYS": json.dumps([]),
    }
    log = (tmp_path / "api.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventflow", "serve", "api", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        ready = False
        last = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"{base}/readyz", timeout=5)
                ready, last = answer.status_code == 200, answer.text
            except httpx.HTTPError as exc:
                ready, last = False, repr(exc)
            if ready:
                break
            time.sleep(0.3)
        assert ready, f"{last}\n{(tmp_path / 'api.log').read_text()[-2000:]}"
        response = httpx.post(
            f"{base}/v1/events",
            json=order_body("proc-1"),
            headers={"X-API-Key": "proc-key"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        assert response.json()["topic"] == "events.raw.v1"
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert 'eventflow_http_events_produced_total{event_type="order.placed"} 1.0' in metrics
    finally:
        proc.terminate()
        code = proc.wait(30)
        log.close()
    output = (tmp_path / "api.log").read_text()
    # uvicorn re-raises SIGTERM after a graceful shutdown (which flushed the producer)
    assert code in {0, -signal.SIGTERM}, output[-2000:]
    assert "Application shutdown complete" in output
