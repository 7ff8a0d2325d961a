"""A retry after an API restart does not duplicate (issue 12): without a client event_id, the
event id is derived from (API key name, Idempotency-Key), so the same retry after kill -9 and
a new start carries the same event id and the writer keeps one row. A different body under the
reused key, once the new process has forgotten the first, does not replace the stored event: the
writer dead-letters it as ``store.event_id_conflict``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.consumers._persistence import SqliteStore
from eventflow.producers.http._auth import hash_key
from eventflow.producers.http._service import derived_event_id
from tests.integration.pipeline_support import (
    SCHEMAS,
    Lane,
    ServiceProcess,
    make_lane,
    register_contracts,
    wait_until,
)
from tests.integration.test_http_ingest import order_body

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def registry(registry_url: str) -> str:
    register_contracts(registry_url)
    return registry_url


class ApiProcess:
    def __init__(self, lane: Lane, workdir: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        keys_file = workdir / "keys.yaml"
        keys_file.write_text(
            f'- name: restart-test\n  sha256: {hash_key("restart-key")}\n  event_types: ["*"]\n'
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("EVENTFLOW_")},
            "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS": lane.bootstrap,
            "EVENTFLOW_REGISTRY__URL": lane.registry_url,
            "EVENTFLOW_SCHEMAS_DIR": str(SCHEMAS),
            "EVENTFLOW_API__KEYS_FILE": str(keys_file),
            "EVENTFLOW_API__KEYS": json.dumps([]),
        }
        self.log_path = workdir / f"api-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "eventflow", "serve", "api", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"the API did not become ready: {self.output()}")

    def post(self, body: dict[str, Any], key: str) -> httpx.Response:
        return httpx.post(
            f"{self.base}/v1/events",
            json=body,
            headers={"X-API-Key": "restart-key", "Idempotency-Key": key},
            timeout=30,
        )

    def kill9(self) -> None:
        self.process.kill()
        self.process.wait(10)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def test_the_same_retry_after_a_kill_9_restart_keeps_one_row_and_a_changed_body_is_refused(
    kafka_bootstrap, registry, tmp_path
):
    # the API writes the manifest's raw topic; the lane's validator starts at its current end
    lane = make_lane(kafka_bootstrap, registry, tmp_path, partitions=1, shared_raw="events.raw.v1")
    first = ApiProcess(lane, tmp_path)
    try:
        before = first.post(order_body("restart-1"), "checkout-42")
        assert before.status_code == 202, before.text
    finally:
        first.kill9()
    second = ApiProcess(lane, tmp_path)
    changed_body = order_body("restart-1")
    changed_body["data"]["customer_id"] = "c-other"
    try:
        retried = second.post(order_body("restart-1"), "checkout-42")
        assert retried.status_code == 202, retried.text
        early = second.post(changed_body, "checkout-42")  # this process remembers the first
        assert early.status_code == 409, early.text
    finally:
        second.kill9()
    third = ApiProcess(lane, tmp_path)
    try:  # a process that never saw the key: the body differs, the derived id does not
        changed = third.post(changed_body, "checkout-42")
        assert changed.status_code == 202, changed.text
    finally:
        third.kill9()
    event_id = derived_event_id("restart-test", "checkout-42")
    assert before.json()["event_id"] == retried.json()["event_id"] == event_id
    assert changed.json()["event_id"] == event_id
    assert (retried.json()["partition"], retried.json()["offset"]) != (
        before.json()["partition"],
        before.json()["offset"],
    ), "the new process wrote the retry again (it forgot the first)"
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        wait_until(lambda: len(lane.dead_letters()) >= 1, 120, "the changed body's dead letter")
        wait_until(
            lambda: lane.db_path.exists() and SqliteStore(lane.db_path).count([event_id]) == 1,
            60,
            "the event's row",
        )
    finally:
        for service in services:
            service.stop()
    [letter] = [d.letter for d in lane.dead_letters()]
    assert letter.error_type == "store.event_id_conflict", letter.error_message
    assert event_id in letter.error_message
    store = SqliteStore(lane.db_path)
    assert store.count() == 1
    row = store.get(event_id)
    assert row is not None and json.loads(row["payload"])["customer_id"] == "c-1"
    store.close()


def test_every_example_the_api_serves_is_stored(kafka_bootstrap, registry, tmp_path):
    lane = make_lane(kafka_bootstrap, registry, tmp_path, partitions=1, shared_raw="events.raw.v1")
    api = ApiProcess(lane, tmp_path)
    try:
        served = httpx.get(
            f"{api.base}/v1/event-types", headers={"X-API-Key": "restart-key"}, timeout=30
        )
        assert served.status_code == 200, served.text
        examples = {info["event_type"]: info["example"] for info in served.json()}
        assert set(examples) == {"order.placed", "user.registered", "payment.failed"}
        ids = {}
        for event_type, example in examples.items():
            answer = api.post(example, f"example-{event_type}")
            assert answer.status_code == 202, answer.text
            ids[event_type] = answer.json()["event_id"]
    finally:
        api.kill9()
    services = [ServiceProcess(kind, lane) for kind in ("validator", "enricher", "writer")]
    try:
        wait_until(
            lambda: (
                lane.db_path.exists() and SqliteStore(lane.db_path).count(list(ids.values())) == 3
            ),
            120,
            "every example's row",
        )
    finally:
        for service in services:
            service.stop()
    assert lane.dead_letters() == [], [d.letter.error_type for d in lane.dead_letters()]
    store = SqliteStore(lane.db_path)
    for event_type, event_id in ids.items():
        row = store.get(event_id)
        assert row is not None and row["event_type"] == event_type
    store.close()
