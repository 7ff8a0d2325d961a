"""A planted secret never shows: not in a repr, an error message, a log line (ours or
librdkafka's, at debug level) or the CLI's output (``dev status`` included)."""

from __future__ import annotations

import logging
import time

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from eventflow.cli import main
from eventflow.config import KafkaSettings, Settings
from eventflow.devstack._stack import StackUrls, service_env
from eventflow.errors import ConfigError
from eventflow.kafka._client_config import QUIET_LOGGER, KafkaCluster, client_config
from eventflow.kafka._producer import DurableProducer

SECRET = "PLANTED-s3cr3t-7d2e"
SECRET_ENV = {
    "EVENTFLOW_KAFKA__SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "EVENTFLOW_KAFKA__SASL__MECHANISM": "SCRAM-SHA-512",
    "EVENTFLOW_KAFKA__SASL__USERNAME": "alice",
    "EVENTFLOW_KAFKA__SASL__PASSWORD": SECRET,
}


def _secret_settings() -> KafkaSettings:
    return KafkaSettings.model_validate(
        {
            "security_protocol": "SASL_SSL",
            "tls": {"key_password": SECRET + "-key", "cert_file": "c.pem", "key_file": "k.pem"},
            "sasl": {"mechanism": "SCRAM-SHA-512", "username": "alice", "password": SECRET},
            "properties": {"ssl.keystore.password": SECRET + "-store"},
        }
    )


def test_settings_and_cluster_reprs_and_dumps_hide_secrets():
    kafka = _secret_settings()
    settings = Settings(kafka=kafka)
    cluster = KafkaCluster.from_settings(kafka, "b:9096")
    shown = [
        repr(kafka),
        str(kafka),
        repr(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
        repr(cluster),
        str(cluster),
    ]
    for text in shown:
        assert SECRET not in text


def test_validation_errors_never_echo_the_input():
    with pytest.raises(ValidationError) as exc:
        KafkaSettings.model_validate({"sasl": {"mechanism": "PLAIN", "password": SECRET}})
    assert SECRET not in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        KafkaSettings.model_validate({"properties": {"x": SECRET}, "security_protocol": "NOPE"})
    assert SECRET not in str(exc.value)


def test_property_errors_name_the_key_not_the_value():
    bad = KafkaSettings.model_validate({"properties": {"sasl.password": SECRET}})
    with pytest.raises(ConfigError) as exc:
        client_config(KafkaCluster("b:1", bad), {})
    assert "sasl.password" in str(exc.value)
    assert SECRET not in str(exc.value)


def test_no_log_line_holds_the_secret_even_at_librdkafka_debug_level(caplog):
    kafka = KafkaSettings.model_validate(
        {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl": {"mechanism": "SCRAM-SHA-512", "username": "alice", "password": SECRET},
            "properties": {"debug": "security,broker,conf"},
        }
    )
    QUIET_LOGGER.addHandler(caplog.handler)  # it does not propagate to the root logger
    with caplog.at_level(logging.DEBUG):
        # nothing listens on port 1: the client connects, fails and logs about it
        producer = DurableProducer(KafkaCluster.from_settings(kafka, "127.0.0.1:1"))
        producer.send("t", b"v")
        time.sleep(1.5)
        producer.close(timeout_s=0.5)
    QUIET_LOGGER.removeHandler(caplog.handler)
    librdkafka_lines = [r for r in caplog.records if r.name.startswith("eventflow.kafka")]
    assert len(librdkafka_lines) > 10, "librdkafka logged nothing: the test would prove nothing"
    assert any("SASL" in r.getMessage() for r in librdkafka_lines)
    for record in caplog.records:
        assert SECRET not in record.getMessage()


def test_dev_stack_services_do_not_inherit_production_kafka_credentials(monkeypatch, tmp_path):
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVENTFLOW_KAFKA__CLIENT_ID", "mine")
    urls = StackUrls("127.0.0.1:9092", "http://127.0.0.1:8081", "http://127.0.0.1:8080")
    env = service_env(urls, tmp_path / "keys.json")
    assert SECRET not in env.values()
    assert not {k for k in env if k.startswith("EVENTFLOW_KAFKA__SASL")}
    assert env["EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    assert env["EVENTFLOW_KAFKA__CLIENT_ID"] == "mine"


@pytest.mark.parametrize(
    "args", [["dev", "status"], ["topics", "apply", "--file", "does-not-exist.yaml"]]
)
def test_cli_output_holds_no_secret(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args, env=SECRET_ENV)
    assert result.output  # it said something
    assert SECRET not in result.output


def test_cli_refuses_inconsistent_security_settings_without_echoing_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {**SECRET_ENV, "EVENTFLOW_KAFKA__SECURITY_PROTOCOL": "PLAINTEXT"}
    result = CliRunner().invoke(main, ["dev", "status"], env=env)
    assert result.exit_code == 2
    assert "invalid setting EVENTFLOW_KAFKA" in result.output
    assert "has no SASL" in result.output
    assert SECRET not in result.output
