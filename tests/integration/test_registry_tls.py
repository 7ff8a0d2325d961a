"""``eventflow registry serve`` over HTTPS with client certificates required, and the registry
client with a CA bundle, a client certificate and basic auth (a real server process)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from eventflow.cli.schema._check import registry_access
from eventflow.config import RegistrySettings
from eventflow.errors import EventFlowError
from eventflow.kafka.local._broker import free_port
from eventflow.registry._client import RegistryClient
from eventflow.registry._errors import RegistryUnreachable
from eventflow.workspace._history import RegistryAccess, RegistryUnavailable, registry_histories
from tests.fixtures.secure_kafka import Pki, make_pki

pytestmark = pytest.mark.integration

SCHEMA = '{"type":"record","name":"A","namespace":"it.tls","fields":[{"name":"a","type":"int"}]}'


@pytest.fixture
def https_registry(tmp_path: Path) -> Iterator[tuple[str, Pki]]:
    pki = make_pki(tmp_path / "pki")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTFLOW_")}
    env.update(
        {
            "EVENTFLOW_REGISTRY_SERVER__TLS_CERT_FILE": str(pki.server_cert),
            "EVENTFLOW_REGISTRY_SERVER__TLS_KEY_FILE": str(pki.server_key),
            "EVENTFLOW_REGISTRY_SERVER__TLS_CLIENT_CA_FILE": str(pki.ca_file),
            "EVENTFLOW_REGISTRY_SERVER__BASIC_AUTH_USERS": "sr-key:sr-secret",
        }
    )
    log = tmp_path / "registry.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "eventflow",
                "registry",
                "serve",
                "--port",
                str(port),
                "--storage",
                "file",
                "--file",
                str(tmp_path / "schemas.log"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"https://localhost:{port}"
    try:
        _wait_until_https_answers(url, pki, process, log)
        yield url, pki
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise


def _client(url: str, pki: Pki, **changes: object) -> RegistryClient:
    values: dict[str, object] = {
        "ca_file": pki.ca_file,
        "cert_file": pki.client_cert,
        "key_file": pki.client_key,
        "basic_auth_user_info": SecretStr("sr-key:sr-secret"),
    }
    values.update(changes)
    return RegistryClient.from_settings(url, RegistrySettings.model_validate(values), timeout_s=5)


def _wait_until_https_answers(
    url: str, pki: Pki, process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            with _client(url, pki) as client:
                client.list_subjects()
            return
        except EventFlowError:
            time.sleep(0.3)
    raise AssertionError(f"registry did not answer on {url}: {log.read_text()[-2000:]}")


def test_client_with_ca_certificate_and_basic_auth_registers_and_reads(https_registry):
    url, pki = https_registry
    with _client(url, pki) as client:
        schema_id = client.register("it-tls-value", SCHEMA)
        assert client.get_schema(schema_id).schema_id == schema_id
        assert "it-tls-value" in client.list_subjects()


def test_without_a_client_certificate_the_server_refuses(https_registry):
    url, pki = https_registry
    client = _client(url, pki, cert_file=None, key_file=None)
    with client, pytest.raises(RegistryUnreachable, match=f"registry at {url} did not answer"):
        client.list_subjects()


def test_a_client_that_does_not_trust_the_servers_ca_refuses_it(https_registry):
    url, pki = https_registry
    client = _client(url, pki, ca_file=pki.other_ca_file)
    with client, pytest.raises(RegistryUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
        client.list_subjects()


def test_the_gates_registry_reads_use_the_same_tls_and_credentials(https_registry):
    url, pki = https_registry
    settings = RegistrySettings.model_validate(
        {
            "ca_file": pki.ca_file,
            "cert_file": pki.client_cert,
            "key_file": pki.client_key,
            "basic_auth_user_info": SecretStr("sr-key:sr-secret"),
        }
    )
    with _client(url, pki) as client:
        client.register("it-tls-gate-value", SCHEMA)
    found = registry_histories({"it-tls-gate-value": True}, url, access=registry_access(settings))
    assert len(found["it-tls-gate-value"].versions) == 1
    untrusted = RegistryAccess(basic_auth="sr-key:sr-secret")  # system CAs: ours is not among them
    with pytest.raises(RegistryUnavailable):
        registry_histories({"it-tls-gate-value": True}, url, access=untrusted)
