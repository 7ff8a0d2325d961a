"""Schemathesis against the served OpenAPI document: no request makes the API answer 5xx.

The app runs under a real uvicorn server on loopback, on the real Kafka broker and registry.
Generation is bounded (a few dozen examples per operation and mode) to stay well under 60 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from eventflow.kafka.local._broker import free_port
from tests.integration.test_http_ingest import (
    ADMIN_KEY,
    real_app,
    registered_registry,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.integration
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


@pytest.fixture(scope="module")
def served_api(kafka_bootstrap: str, registered_registry: str) -> Iterator[str]:  # noqa: F811
    app = real_app(kafka_bootstrap, registered_registry)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="fuzz-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def test_generated_requests_never_get_a_5xx(served_api: str) -> None:
    schema = schemathesis.openapi.from_url(f"{served_api}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert {op.path for op in operations} >= {"/v1/events", "/v1/events:batch", "/v1/event-types"}
    server_errors: list[str] = []
    statuses: set[int] = set()

    for operation in operations:
        for mode, examples in EXAMPLES.items():
            strategy = operation.as_strategy(mode, headers={"X-API-Key": ADMIN_KEY})

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
                response = case.call(base_url=served_api, timeout=30)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.path} -> {response.status_code}: {response.text[:200]}"
                    )

            try:
                check()
            except Unsatisfiable:
                # nothing to make invalid (e.g. GET /healthz has no inputs): no negative cases
                assert mode is GenerationMode.NEGATIVE, operation.path

    assert server_errors == []
    assert statuses & {200, 202} and statuses & {422}, statuses
