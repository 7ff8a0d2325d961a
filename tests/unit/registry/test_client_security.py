"""The registry client's credentials and TLS settings, and ``registry serve``'s TLS options."""

from __future__ import annotations

import base64
import ssl

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from eventflow.config import RegistryServerSettings, RegistrySettings, Settings
from eventflow.errors import ConfigError
from eventflow.registry._client import RegistryClient, tls_context
from eventflow.registry._server import tls_options
from tests.fixtures.secure_kafka import make_pki

SECRET = "PLANTED-registry-s3cr3t"


def _seen_headers(client_settings: RegistrySettings) -> httpx.Headers:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json=["a"])

    transport = httpx.MockTransport(answer)
    client = RegistryClient.from_settings(
        "https://sr.example", client_settings, transport=transport
    )
    assert client.list_subjects() == ["a"]
    return seen[0]


def test_bearer_token_is_sent_as_authorization_bearer():
    headers = _seen_headers(RegistrySettings(bearer_token=SecretStr(SECRET)))
    assert headers["Authorization"] == f"Bearer {SECRET}"


def test_basic_auth_user_info_is_sent_as_basic_authorization():
    headers = _seen_headers(RegistrySettings(basic_auth_user_info=SecretStr(f"KEY123:{SECRET}")))
    expected = base64.b64encode(f"KEY123:{SECRET}".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"


def test_basic_and_bearer_together_are_refused_without_echoing_them():
    with pytest.raises(ValidationError, match="not both") as exc:
        RegistrySettings(
            basic_auth_user_info=SecretStr("u:" + SECRET), bearer_token=SecretStr(SECRET)
        )
    assert SECRET not in str(exc.value)


def test_registry_secrets_are_hidden_in_settings_reprs():
    settings = Settings(
        registry=RegistrySettings(bearer_token=SecretStr(SECRET)),
        registry_server=RegistryServerSettings(basic_auth_users=SecretStr(f"alice:{SECRET}")),
    )
    assert SECRET not in repr(settings)
    assert SECRET not in settings.model_dump_json()


def test_tls_context_trusts_the_ca_and_presents_the_client_certificate(tmp_path):
    pki = make_pki(tmp_path)
    context = tls_context(
        RegistrySettings(ca_file=pki.ca_file, cert_file=pki.client_cert, key_file=pki.client_key)
    )
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "eventflow-it-ca" in str(context.get_ca_certs())
    assert tls_context(RegistrySettings()) is None  # httpx's default: the system store


def test_unreadable_tls_files_are_named(tmp_path):
    with pytest.raises(ConfigError, match=r"EVENTFLOW_REGISTRY__CA_FILE .*missing\.pem"):
        tls_context(RegistrySettings(ca_file=tmp_path / "missing.pem"))
    pki = make_pki(tmp_path)
    with pytest.raises(ConfigError, match=r"EVENTFLOW_REGISTRY__CERT_FILE .*ca\.pem"):
        tls_context(RegistrySettings(cert_file=pki.ca_file, key_file=pki.ca_file))
    with pytest.raises(ValidationError, match=r"cert_file and registry\.key_file go together"):
        RegistrySettings(cert_file=pki.client_cert)


def test_serve_tls_options(tmp_path):
    pki = make_pki(tmp_path)
    assert tls_options(RegistryServerSettings()) == {}
    plain_https = RegistryServerSettings(tls_cert_file=pki.server_cert, tls_key_file=pki.server_key)
    assert plain_https.scheme == "https"
    assert tls_options(plain_https) == {
        "ssl_certfile": str(pki.server_cert),
        "ssl_keyfile": str(pki.server_key),
    }
    mutual = plain_https.model_copy(update={"tls_client_ca_file": pki.ca_file})
    assert tls_options(mutual)["ssl_cert_reqs"] == ssl.CERT_REQUIRED
    assert tls_options(mutual)["ssl_ca_certs"] == str(pki.ca_file)
    missing = plain_https.model_copy(update={"tls_key_file": tmp_path / "nope.pem"})
    with pytest.raises(ConfigError, match=r"EVENTFLOW_REGISTRY_SERVER__TLS_KEY_FILE: .*nope\.pem"):
        tls_options(missing)
    with pytest.raises(ValidationError, match="tls_client_ca_file needs tls_cert_file"):
        RegistryServerSettings(tls_client_ca_file=pki.ca_file)
