"""deploy/aws/ecs: the example ECS task definitions, validated offline.

The structural check is botocore's own parameter validator against the ECS API model that
botocore ships (``RegisterTaskDefinition``): what ``aws ecs register-task-definition
--cli-input-json`` checks before it sends anything. On top: every service runs from the image
as the non-root user of the Dockerfile with a health check, secrets only come from AWS Secrets
Manager, and each container's environment is a valid EventFlow configuration.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from eventflow.config import Settings
from eventflow.kafka._client_config import KafkaCluster, client_config

REPO = Path(__file__).resolve().parents[3]
ECS = REPO / "deploy" / "aws" / "ecs"
COMMANDS = {
    "api": ["serve", "api"],
    "validator": ["serve", "validator", "--metrics-port", "9101"],
    "enricher": ["serve", "enricher", "--metrics-port", "9102"],
    "writer": ["serve", "writer", "--metrics-port", "9103"],
    "registry": ["registry", "serve"],
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|USER_INFO|__KEYS$|DATABASE_URL|USERS$")
SECRETS_MANAGER_ARN = re.compile(r"^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+")


def _validate(params: dict[str, Any]) -> str:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(params, shape)
    return str(report.generate_report()) if report.has_errors() else ""


def _tasks() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text("utf-8")) for path in sorted(ECS.glob("*.json"))}


def test_every_service_has_a_task_definition():
    assert set(_tasks()) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_task_definition_is_valid_for_register_task_definition(name):
    assert _validate(_tasks()[name]) == ""


def test_the_validator_catches_a_broken_task_definition():
    broken = _tasks()["api"]
    broken["containerDefinitions"][0]["healthCheck"]["interval"] = "15s"
    broken["containerDefinitions"][0]["bogus"] = True
    report = _validate(broken)
    assert "Invalid type for parameter containerDefinitions[0].healthCheck.interval" in report
    assert 'Unknown parameter in containerDefinitions[0]: "bogus"' in report


def _dockerfile_user() -> str:
    users = re.findall(r"^USER (\S+)$", (REPO / "Dockerfile").read_text("utf-8"), re.M)
    assert users, "the Dockerfile must switch to a non-root user"
    return str(users[-1])


def test_the_image_runs_as_non_root_with_a_health_check():
    dockerfile = (REPO / "Dockerfile").read_text("utf-8")
    user = _dockerfile_user()
    assert user.split(":")[0] not in ("root", "0")
    assert "\nHEALTHCHECK " in dockerfile
    assert '".[aws]"' in dockerfile  # Amazon MSK IAM in the image


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_container_runs_its_service_as_the_images_user_with_a_health_check(name):
    task = _tasks()[name]
    assert task["requiresCompatibilities"] == ["FARGATE"]
    [container] = task["containerDefinitions"]
    assert container["command"] == COMMANDS[name]
    assert container["user"] == _dockerfile_user()
    check = container["healthCheck"]["command"]
    port = str(container["portMappings"][0]["containerPort"])
    assert check[0] == "CMD" and f"127.0.0.1:{port}/" in check[-1]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_secrets_come_only_from_secrets_manager(name):
    [container] = _tasks()[name]["containerDefinitions"]
    plain = [e["name"] for e in container["environment"] if SECRET_NAME.search(e["name"])]
    assert plain == [], "secrets belong in `secrets`, not in `environment`"
    for secret in container.get("secrets", []):
        assert SECRETS_MANAGER_ARN.match(secret["valueFrom"]), secret
    assert _tasks()[name]["executionRoleArn"]  # the role that may read those secrets


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_container_environment_is_a_valid_configuration(name, monkeypatch):
    [container] = _tasks()[name]["containerDefinitions"]
    for key in [k for k in os.environ if k.startswith("EVENTFLOW_")]:
        monkeypatch.delenv(key)
    for entry in container["environment"]:
        monkeypatch.setenv(entry["name"], entry["value"])
    placeholders = {"EVENTFLOW_API__KEYS": "[]"}
    for secret in container.get("secrets", []):
        monkeypatch.setenv(secret["name"], placeholders.get(secret["name"], "from-secrets-manager"))
    settings = Settings()
    kafka = settings.kafka
    assert kafka.bootstrap_servers
    config = client_config(KafkaCluster.from_settings(kafka, kafka.bootstrap_servers), {})
    assert config["security.protocol"] == "SASL_SSL"
    assert callable(config["oauth_cb"])  # Amazon MSK IAM with the task role's credentials
    if name == "api":
        assert settings.api.host == "0.0.0.0"
    if name == "registry":
        assert settings.registry_server.host == "0.0.0.0"
