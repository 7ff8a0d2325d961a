"""The `api` service of docker-compose.yml runs `eventflow serve api` once topics and schemas exist."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import compose

REPO = Path(__file__).resolve().parents[3]


def test_compose_api_service_serves_the_ingest_api_after_topic_init():
    binary = Path(compose.__file__).parent / "docker-compose"
    result = subprocess.run(
        [str(binary), "-f", str(REPO / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    api = json.loads(result.stdout)["services"]["api"]
    assert api["command"][:2] == ["serve", "api"]
    assert api["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
    # the contracts are registered (schema-init) before the API looks up schema ids
    assert api["depends_on"]["schema-init"]["condition"] == "service_completed_successfully"
    assert api["environment"]["EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert api["environment"]["EVENTFLOW_API__HOST"] == "0.0.0.0"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
