"""Kafka security settings and the one function that builds every client's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from eventflow.config import KafkaSettings, Settings
from eventflow.errors import ConfigError
from eventflow.kafka._client_config import (
    KafkaCluster,
    client_config,
    extra_properties,
    read_properties_file,
)
from eventflow.kafka._msk_iam import MskIamTokenProvider

SECRET = "PLANTED-s3cr3t-9f1c"


def _settings(**kafka: object) -> KafkaSettings:
    return KafkaSettings.model_validate(kafka)


def _pem(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    return path


def test_plaintext_cluster_gets_bootstrap_client_id_and_the_role():
    config = client_config(KafkaCluster("h:9092"), {"acks": "all"}, client_id="api")
    assert config["bootstrap.servers"] == "h:9092"
    assert config["client.id"] == "api"
    assert config["security.protocol"] == "PLAINTEXT"
    assert config["acks"] == "all"
    assert not any(k.startswith(("ssl.", "sasl.")) for k in config)


def test_sasl_ssl_scram_with_tls_files(tmp_path):
    ca, cert, key = _pem(tmp_path, "ca.pem"), _pem(tmp_path, "c.pem"), _pem(tmp_path, "k.pem")
    settings = _settings(
        security_protocol="SASL_SSL",
        tls={"ca_file": ca, "cert_file": cert, "key_file": key, "key_password": "kp"},
        sasl={"mechanism": "SCRAM-SHA-512", "username": "alice", "password": SECRET},
    )
    config = client_config(KafkaCluster("b:9093", settings), {})
    assert config["security.protocol"] == "SASL_SSL"
    assert config["ssl.ca.location"] == str(ca)
    assert config["ssl.certificate.location"] == str(cert)
    assert config["ssl.key.location"] == str(key)
    assert config["ssl.key.password"] == "kp"
    assert config["ssl.endpoint.identification.algorithm"] == "https"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert (config["sasl.username"], config["sasl.password"]) == ("alice", SECRET)
    assert config["client.id"] == "eventflow"


def test_hostname_verification_can_be_turned_off():
    settings = _settings(security_protocol="SSL", tls={"verify_hostname": False})
    config = client_config(KafkaCluster("b:9093", settings), {})
    assert config["ssl.endpoint.identification.algorithm"] == "none"
    assert "ssl.ca.location" not in config  # the system trust store


def test_oidc_client_credentials_go_to_librdkafka():
    settings = _settings(
        security_protocol="SASL_SSL",
        sasl={
            "mechanism": "OAUTHBEARER",
            "oidc": {
                "token_endpoint_url": "https://idp.example/token",
                "client_id": "svc",
                "client_secret": SECRET,
                "scope": "kafka",
                "extensions": {"logicalCluster": "lkc-1", "identityPoolId": "pool-2"},
            },
        },
    )
    config = client_config(KafkaCluster("b:9093", settings), {})
    assert config["sasl.mechanism"] == "OAUTHBEARER"
    assert config["sasl.oauthbearer.method"] == "oidc"
    assert config["sasl.oauthbearer.client.id"] == "svc"
    assert config["sasl.oauthbearer.client.secret"] == SECRET
    assert config["sasl.oauthbearer.token.endpoint.url"] == "https://idp.example/token"
    assert config["sasl.oauthbearer.scope"] == "kafka"
    assert config["sasl.oauthbearer.extensions"] == "identityPoolId=pool-2,logicalCluster=lkc-1"


def test_msk_iam_installs_the_token_callback():
    settings = _settings(
        security_protocol="SASL_SSL",
        sasl={"mechanism": "OAUTHBEARER", "aws_msk_iam": {"region": "eu-west-1"}},
    )
    config = client_config(KafkaCluster("b-1.msk:9098", settings), {})
    assert config["sasl.mechanism"] == "OAUTHBEARER"
    assert isinstance(config["oauth_cb"], MskIamTokenProvider)
    assert "sasl.oauthbearer.method" not in config  # librdkafka's default: the callback


@pytest.mark.parametrize(
    ("kafka", "message"),
    [
        ({"security_protocol": "SASL_SSL"}, "SASL_SSL needs sasl.mechanism"),
        ({"sasl": {"mechanism": "PLAIN", "username": "u", "password": "p"}}, "has no SASL"),
        ({"tls": {"verify_hostname": False}}, "has no TLS"),
        (
            {"security_protocol": "SASL_SSL", "sasl": {"mechanism": "SCRAM-SHA-256"}},
            "needs sasl.username and sasl.password",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl": {"mechanism": "OAUTHBEARER"}},
            "exactly one of sasl.oidc and sasl.aws_msk_iam",
        ),
        ({"security_protocol": "SSL", "tls": {"cert_file": "c.pem"}}, "go together"),
        (
            {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl": {"mechanism": "OAUTHBEARER", "aws_msk_iam": {"region": "us-east-1"}},
            },
            "needs security_protocol SASL_SSL",
        ),
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl": {
                    "mechanism": "OAUTHBEARER",
                    "aws_msk_iam": {"region": "us-east-1", "role_arn": "arn:x", "profile": "p"},
                },
            },
            "role_arn or profile, not both",
        ),
        ({"security_protocol": "TLS"}, "Input should be"),
        ({"sasl": {"password": "p"}}, "sasl.mechanism is not"),
    ],
)
def test_inconsistent_security_settings_are_refused(kafka, message):
    with pytest.raises(ValidationError, match=message):
        KafkaSettings.model_validate(kafka)


def test_settings_read_from_the_environment(monkeypatch, tmp_path):
    ca = _pem(tmp_path, "ca.pem")
    monkeypatch.setenv("EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS", "b:9096")
    monkeypatch.setenv("EVENTFLOW_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("EVENTFLOW_KAFKA__TLS__CA_FILE", str(ca))
    monkeypatch.setenv("EVENTFLOW_KAFKA__SASL__MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("EVENTFLOW_KAFKA__SASL__USERNAME", "alice")
    monkeypatch.setenv("EVENTFLOW_KAFKA__SASL__PASSWORD", SECRET)
    monkeypatch.setenv("EVENTFLOW_KAFKA__PROPERTIES", '{"socket.keepalive.enable": "true"}')
    kafka = Settings().kafka
    config = client_config(KafkaCluster.from_settings(kafka, "b:9096"), {})
    assert config["sasl.password"] == SECRET
    assert config["ssl.ca.location"] == str(ca)
    assert config["socket.keepalive.enable"] == "true"


def test_a_missing_tls_file_is_named(tmp_path):
    settings = _settings(security_protocol="SSL", tls={"ca_file": tmp_path / "nope.pem"})
    with pytest.raises(ConfigError, match=r"EVENTFLOW_KAFKA__TLS__CA_FILE: .*nope.pem"):
        client_config(KafkaCluster("b:1", settings), {})


# ---- the escape hatch: any other librdkafka property, checked ------------------------------


def test_extra_properties_from_env_and_file_are_merged(tmp_path):
    path = tmp_path / "client.properties"
    path.write_text(
        "# tuning\nsocket.keepalive.enable = true\n! comment\nreconnect.backoff.ms: 250\n"
    )
    settings = _settings(properties={"statistics.interval.ms": "0"}, properties_file=path)
    assert extra_properties(settings) == {
        "socket.keepalive.enable": "true",
        "reconnect.backoff.ms": "250",
        "statistics.interval.ms": "0",
    }
    config = client_config(KafkaCluster("b:1", settings), {"linger.ms": 5})
    assert config["reconnect.backoff.ms"] == "250"
    assert config["linger.ms"] == 5


def test_unknown_property_is_refused_with_its_origin(tmp_path):
    settings = _settings(properties={"socket.keepalive.enabled": "true"})
    unknown = r"unknown librdkafka property socket\.keepalive\.enabled in EVENTFLOW_KAFKA__PROP"
    with pytest.raises(ConfigError, match=unknown):
        client_config(KafkaCluster("b:1", settings), {})
    path = tmp_path / "p.properties"
    path.write_text("no.such.thing=1\n")
    with pytest.raises(
        ConfigError, match=rf"unknown librdkafka property no\.such\.thing in {path}"
    ):
        client_config(KafkaCluster("b:1", _settings(properties_file=path)), {})


def test_invalid_value_is_refused_without_showing_it():
    settings = _settings(properties={"reconnect.backoff.ms": SECRET})
    with pytest.raises(
        ConfigError, match=r"invalid value for librdkafka property reconnect"
    ) as exc:
        client_config(KafkaCluster("b:1", settings), {})
    assert SECRET not in str(exc.value)


@pytest.mark.parametrize(
    ("key", "setting"),
    [
        ("sasl.password", "EVENTFLOW_KAFKA__SASL__PASSWORD"),
        ("security.protocol", "EVENTFLOW_KAFKA__SECURITY_PROTOCOL"),
        ("ssl.ca.location", "EVENTFLOW_KAFKA__TLS__CA_FILE"),
        ("bootstrap.servers", "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"),
    ],
)
def test_a_property_the_typed_settings_own_is_refused(key, setting):
    settings = _settings(properties={key: SECRET})
    with pytest.raises(
        ConfigError, match=rf"{key} in EVENTFLOW_KAFKA__PROPERTIES .* use {setting}"
    ):
        client_config(KafkaCluster("b:1", settings), {})


def test_a_property_conflicting_with_the_clients_role_is_refused():
    settings = _settings(properties={"acks": "1"})
    with pytest.raises(
        ConfigError, match=r"acks in EVENTFLOW_KAFKA__PROPERTIES conflicts .*acks=all"
    ):
        client_config(KafkaCluster("b:1", settings), {"acks": "all"})
    # the same value is no conflict, and a client whose role does not set it takes it
    same = KafkaCluster("b:1", _settings(properties={"acks": "all"}))
    assert client_config(same, {"acks": "all"})["acks"] == "all"
    assert client_config(KafkaCluster("b:1", settings), {})["acks"] == "1"


def test_env_and_file_disagreeing_on_a_key_is_refused(tmp_path):
    path = tmp_path / "p.properties"
    path.write_text("socket.keepalive.enable=false\n")
    settings = _settings(properties={"socket.keepalive.enable": "true"}, properties_file=path)
    with pytest.raises(ConfigError, match=r"set both in .*p\.properties and in EVENTFLOW_KAFKA"):
        extra_properties(settings)


def test_properties_file_mistakes_name_file_and_line(tmp_path):
    path = tmp_path / "p.properties"
    path.write_text("a.b=1\njust-a-word\n")
    with pytest.raises(ConfigError, match=rf"{path}:2: expected key=value"):
        read_properties_file(path)
    path.write_text("a.b=1\n\na.b=2\n")
    with pytest.raises(ConfigError, match=rf"{path}:3: a\.b is already set"):
        read_properties_file(path)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_properties_file(tmp_path / "missing.properties")
