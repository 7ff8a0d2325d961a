"""A schema author's week on the real dev stack (`eventflow dev up`, real processes): a refused
change names every subject and leaves the services as they were; a compatible one registers
and the API serves it; SIGHUP reloads the API's contracts (only registered ones);
`eventflow dev restart SERVICE`; `/v1/event-types` says which version each type is on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.kafka.local._broker import free_port
from eventflow.processes import process_alive
from tests.integration.cli_support import run_eventflow
from tests.integration.pipeline_support import SCHEMAS, wait_until

pytestmark = pytest.mark.integration

CUSTOMER = (
    '{"name": "customer_id", "type": "string", "doc": "Id of the customer who placed the order."},'
)
REQUIRED = CUSTOMER + '\n          {"name": "channel", "type": "string", "doc": "Channel."},'
OPTIONAL = CUSTOMER + (
    '\n          {"name": "coupon_code", "type": ["null", "string"], "default": null, '
    '"doc": "Coupon."},'
)
UNREGISTERED = OPTIONAL + '\n          {"name": "gift", "type": "boolean", "default": false},'


@pytest.fixture
def stack(tmp_path: Path) -> Any:
    state = tmp_path / "state"
    schemas = tmp_path / "avro"
    shutil.copytree(SCHEMAS, schemas)
    api_port = free_port()
    env = dict(
        os.environ,
        COLUMNS="200",
        EVENTFLOW_SCHEMAS_DIR=str(schemas),
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
    try:
        yield env, state, schemas, f"http://127.0.0.1:{api_port}"
    finally:
        run_eventflow(["dev", "down"], env)


def pid_of(state: Path, service: str) -> int | None:
    try:
        pid = int((state / service / "process.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if process_alive(pid) else None


def order_contract(api: str, key: str) -> dict[str, Any] | None:
    answer = httpx.get(f"{api}/v1/event-types", headers={"X-API-Key": key}, timeout=30)
    assert answer.status_code == 200, answer.text
    info = next(t for t in answer.json() if t["event_type"] == "order.placed")
    return info["contract"]  # type: ignore[no-any-return]


def post_order(api: str, key: str, **extra: Any) -> httpx.Response:
    data = {
        "order_id": f"o-{time.monotonic_ns()}",
        "customer_id": "c-1",
        "line_items": [{"sku": "SKU-9", "quantity": 1, "unit_price": "4.10"}],
        "total": "4.10",
        "currency": "CHF",
        "shipping_address": {
            "recipient": "Grace",
            "street": "Lake 2",
            "city": "Zug",
            "postal_code": "6300",
            "country": "CH",
        },
        **extra,
    }
    body = {"event_type": "order.placed", "data": data}
    return httpx.post(f"{api}/v1/events", json=body, headers={"X-API-Key": key}, timeout=60)


def set_order(schemas: Path, fields: str) -> None:
    path = schemas / "events" / "OrderPlaced.avsc"
    original = (SCHEMAS / "events" / "OrderPlaced.avsc").read_text()
    assert CUSTOMER in original
    path.write_text(original.replace(CUSTOMER, fields, 1))


def test_refusal_then_rollout_then_reload_and_restart(stack):
    env, state, schemas, api = stack
    up = run_eventflow(["dev", "up"], env)
    assert up.returncode == 0, up.stdout + up.stderr
    key = (state / "dev-api-key").read_text().strip()
    v1 = order_contract(api, key)
    assert v1 is not None and v1["version"] == 1 and isinstance(v1["schema_id"], int)

    # an incompatible change while the API is down and the pipeline runs
    api_pid = pid_of(state, "api")
    assert api_pid is not None
    os.kill(api_pid, signal.SIGTERM)
    wait_until(lambda: pid_of(state, "api") is None, 60, "the API to stop")
    validator = pid_of(state, "validator")
    set_order(schemas, REQUIRED)
    refused = run_eventflow(["dev", "up"], env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    out = refused.stdout
    for topic in ("raw", "validated", "enriched"):
        assert f"INCOMPATIBLE  events.{topic}.v1-com.eventflow.events.OrderPlaced" in out, out
    assert "OrderPlaced.avsc:" in out and "READER_FIELD_MISSING_DEFAULT_VALUE" in out
    assert "(hint: give field 'channel' a default" in out
    assert "who must upgrade first: BACKWARD_TRANSITIVE: consumers upgrade first" in out
    assert "api: stopped, not started" in out
    assert f"validator: running pid {validator}" in out
    assert pid_of(state, "validator") == validator and pid_of(state, "api") is None

    # the compatible version: registered, and the API (started from it) serves version 2
    set_order(schemas, OPTIONAL)
    rolled = run_eventflow(["dev", "up"], env)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "created       events.raw.v1-com.eventflow.events.OrderPlaced v2" in rolled.stdout
    assert pid_of(state, "validator") == validator  # running services stay as they were
    v2 = order_contract(api, key)
    assert v2 is not None and (v2["version"], v2["schema_id"] != v1["schema_id"]) == (2, True)
    assert post_order(api, key, coupon_code="WINTER").status_code == 202

    # SIGHUP: back to the v1 files (a rollback) -> the API serves version 1 again
    api_pid = pid_of(state, "api")
    assert api_pid is not None
    shutil.copy(SCHEMAS / "events" / "OrderPlaced.avsc", schemas / "events" / "OrderPlaced.avsc")
    os.kill(api_pid, signal.SIGHUP)
    wait_until(lambda: (order_contract(api, key) or {}).get("version") == 1, 60, "v1 again")
    assert pid_of(state, "api") == api_pid  # reloaded in place, not restarted
    assert post_order(api, key, coupon_code="WINTER").status_code == 422
    assert post_order(api, key).status_code == 202

    # SIGHUP with contracts the registry does not hold: refused, version 1 stays in service
    set_order(schemas, UNREGISTERED)
    os.kill(api_pid, signal.SIGHUP)
    log = state / "api" / "process.log"
    wait_until(lambda: "contracts NOT reloaded" in log.read_text(), 60, "the refusal in the log")
    assert "not registered for order.placed" in log.read_text()
    assert (order_contract(api, key) or {}).get("version") == 1
    assert post_order(api, key, gift=True).status_code == 422

    # dev restart api: a new process, on the contracts of the folder (registered v2 again)
    set_order(schemas, OPTIONAL)
    restarted = run_eventflow(["dev", "restart", "api"], env)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert f"api restarted (pid {pid_of(state, 'api')}; before: pid {api_pid})" in (
        restarted.stdout
    )
    assert pid_of(state, "api") != api_pid
    assert (order_contract(api, key) or {}).get("version") == 2
    assert json.loads(httpx.get(f"{api}/readyz", timeout=30).text)["status"] == "ready"
