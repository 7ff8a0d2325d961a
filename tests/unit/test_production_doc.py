"""docs/production.md: every example environment parses into the settings and yields a
working librdkafka and registry configuration (so the examples stay true)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from eventflow.config import Settings
from eventflow.kafka._client_config import KafkaCluster, client_config
from eventflow.kafka._msk_iam import MskIamTokenProvider
from eventflow.registry._client import RegistryClient
from tests.fixtures.secure_kafka import make_pki

DOC = Path(__file__).resolve().parents[2] / "docs" / "production.md"
BLOCK = re.compile(r"^### (?P<title>.+?)\n.*?```dotenv\n(?P<body>.*?)```", re.S | re.M)


def _examples() -> dict[str, dict[str, str]]:
    found = {}
    for match in BLOCK.finditer(DOC.read_text("utf-8")):
        lines = [ln for ln in match["body"].splitlines() if ln.strip()]
        found[match["title"]] = dict(line.split("=", 1) for line in lines)
    return found


EXAMPLES = _examples()


def test_the_doc_has_the_four_examples():
    assert sorted(EXAMPLES) == [
        "Amazon MSK with IAM",
        "Amazon MSK with SCRAM",
        "Confluent Cloud",
        "Self-hosted Kafka with mutual TLS",
    ]


def _settings(env: dict[str, str], monkeypatch, tmp_path) -> Settings:
    pki = make_pki(tmp_path)
    files = {"ca.pem": pki.ca_file, "client.pem": pki.client_cert, "client-key.pem": pki.client_key}
    for name in [n for n in os.environ if n.startswith("EVENTFLOW_")]:
        monkeypatch.delenv(name)
    for key, value in env.items():
        real = value  # the example's TLS paths, made real here
        if value.startswith("/etc/eventflow/tls/"):
            real = str(files[Path(value).name])
        monkeypatch.setenv(key, real)
    return Settings()


@pytest.mark.parametrize("title", sorted(EXAMPLES))
def test_example_parses_and_builds_a_client_configuration(title, monkeypatch, tmp_path):
    env = EXAMPLES[title]
    settings = _settings(env, monkeypatch, tmp_path)
    kafka = settings.kafka
    assert kafka.bootstrap_servers == env["EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"]
    config = client_config(KafkaCluster.from_settings(kafka, kafka.bootstrap_servers or ""), {})
    assert config["security.protocol"] == env["EVENTFLOW_KAFKA__SECURITY_PROTOCOL"]
    if "SASL" in kafka.security_protocol:
        assert config["sasl.mechanism"] == env["EVENTFLOW_KAFKA__SASL__MECHANISM"]
    if "EVENTFLOW_KAFKA__SASL__PASSWORD" in env:
        assert config["sasl.password"] == env["EVENTFLOW_KAFKA__SASL__PASSWORD"]
    if "EVENTFLOW_KAFKA__SASL__AWS_MSK_IAM__REGION" in env:
        assert isinstance(config["oauth_cb"], MskIamTokenProvider)
    if "EVENTFLOW_KAFKA__TLS__CERT_FILE" in env:
        assert config["ssl.certificate.location"].endswith("client.pem")
        assert config["ssl.key.password"] == env["EVENTFLOW_KAFKA__TLS__KEY_PASSWORD"]
    assert config["ssl.endpoint.identification.algorithm"] == "https"
    with RegistryClient.from_settings(settings.registry_url(), settings.registry) as registry:
        assert registry.url == env["EVENTFLOW_REGISTRY__URL"]
