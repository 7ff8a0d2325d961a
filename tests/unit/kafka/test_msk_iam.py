"""The Amazon MSK IAM token callback, offline: AWS's signer with static fake credentials."""

from __future__ import annotations

import base64
import logging
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from eventflow.config import KafkaMskIamSettings, KafkaSettings
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._msk_iam import MskIamTokenProvider

FAKE_KEY_ID = "AKIAFAKEEVENTFLOW001"
FAKE_SECRET = "fake/Secret+Key/PLANTED/0123456789abcdef"
AWS_SOURCES = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture
def static_credentials(monkeypatch, tmp_path):
    """Credentials only from the environment: no config files, no instance metadata."""
    for name in AWS_SOURCES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)


def _signed_url(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


def _key_id(token: str) -> str:
    credential = parse_qs(urlparse(_signed_url(token)).query)["X-Amz-Credential"][0]
    return credential.split("/")[0]


def test_token_is_a_signed_kafka_connect_url_and_expiry_is_epoch_seconds(static_credentials):
    provider = MskIamTokenProvider(KafkaMskIamSettings(region="eu-central-1"))
    before = time.time()
    token, expiry = provider("ignored librdkafka oauthbearer config")
    url = urlparse(_signed_url(token))
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "kafka.eu-central-1.amazonaws.com", "/")
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith(f"{FAKE_KEY_ID}/")
    assert "/eu-central-1/kafka-cluster/aws4_request" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Expires"] == ["900"]
    assert len(query["X-Amz-Signature"][0]) == 64
    assert FAKE_SECRET not in token and FAKE_SECRET not in _signed_url(token)
    assert "=" not in token  # URL-safe base64 without padding
    # librdkafka wants seconds since the epoch as a float (the signer gives milliseconds)
    assert isinstance(expiry, float)
    assert before + 900 - 2 <= expiry <= time.time() + 900 + 1


def test_every_call_signs_anew_with_the_current_credentials(static_credentials, monkeypatch):
    provider = MskIamTokenProvider(KafkaMskIamSettings(region="us-east-1"))
    first, first_expiry = provider(None)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAROTATEDEVENTFLOW")  # credentials rotated
    second, second_expiry = provider(None)
    assert _key_id(first) == FAKE_KEY_ID
    assert _key_id(second) == "AKIAROTATEDEVENTFLOW"
    assert first != second
    assert second_expiry >= first_expiry


def test_named_profile_credentials(static_credentials, monkeypatch, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[analytics]\naws_access_key_id = AKIAPROFILEEVENTFLOW\n"
        f"aws_secret_access_key = {FAKE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    provider = MskIamTokenProvider(KafkaMskIamSettings(region="us-west-2", profile="analytics"))
    token, _ = provider(None)
    assert _key_id(token) == "AKIAPROFILEEVENTFLOW"
    assert "profile analytics" in repr(provider)


def test_role_arn_goes_to_the_signers_assume_role_path():
    calls: list[tuple[Any, ...]] = []

    def from_role(region: str, role_arn: str, session: str) -> tuple[str, int]:
        calls.append((region, role_arn, session))
        return "tok", 1_700_000_900_000

    signer: Any = SimpleNamespace(generate_auth_token_from_role_arn=from_role)
    settings = KafkaMskIamSettings(
        region="ap-south-1",
        role_arn="arn:aws:iam::123456789012:role/ef",
        role_session_name="ef-api",
    )
    assert MskIamTokenProvider(settings, signer=signer)(None) == ("tok", 1_700_000_900.0)
    assert calls == [("ap-south-1", "arn:aws:iam::123456789012:role/ef", "ef-api")]


def test_a_signing_failure_is_logged_in_one_line_and_raised(
    static_credentials, monkeypatch, caplog
):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    provider = MskIamTokenProvider(KafkaMskIamSettings(region="us-east-1"))
    with caplog.at_level(logging.ERROR, logger="eventflow.kafka"), pytest.raises(Exception):  # noqa: B017
        provider(None)
    [record] = caplog.records
    assert "Amazon MSK IAM token for region us-east-1 could not be signed" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_repr_never_shows_a_token(static_credentials):
    provider = MskIamTokenProvider(KafkaMskIamSettings(region="us-east-1"))
    token, _ = provider(None)
    assert token not in repr(provider)
    assert repr(provider) == "MskIamTokenProvider(region=us-east-1, credentials=default)"


def test_librdkafka_asks_for_the_first_token_when_a_client_is_made(static_credentials, monkeypatch):
    """confluent-kafka serves the first oauth_cb at construction, so calls that do not poll
    (an admin's list_topics, a reader's get_watermark_offsets) do not wait for a token."""
    signed: list[float] = []
    real_call = MskIamTokenProvider.__call__

    def counting(self: MskIamTokenProvider, config: Any = None) -> tuple[str, float]:
        token, expiry = real_call(self, config)
        signed.append(expiry)
        return token, expiry

    monkeypatch.setattr(MskIamTokenProvider, "__call__", counting)
    settings = KafkaSettings.model_validate(
        {
            "security_protocol": "SASL_SSL",
            "sasl": {"mechanism": "OAUTHBEARER", "aws_msk_iam": {"region": "eu-west-1"}},
        }
    )
    TopicAdmin(KafkaCluster.from_settings(settings, "127.0.0.1:1"), timeout_s=0.1)
    assert len(signed) == 1
    assert signed[0] > time.time() + 800  # a 15-minute token, in epoch seconds
