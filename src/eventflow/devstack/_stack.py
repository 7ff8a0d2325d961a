"""The whole local stack: Kafka, the schema registry, the HTTP API and the three pipeline stages.

Everything runs as a real process from this checkout: the broker from its jars, every
EventFlow service as ``python -m eventflow …`` configured only through ``EVENTFLOW_*``
variables. The dev API key is created once and kept (as a SHA-256 hash in the keys file the
API reads, and in clear in ``<state>/dev-api-key`` for the demo).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from eventflow.config import Settings
from eventflow.devstack._process import ManagedProcess

DEV_KEY_NAME = "dev"


@dataclass(frozen=True)
class StackUrls:
    bootstrap: str
    registry: str
    api: str


def urls_of(settings: Settings, bootstrap: str) -> StackUrls:
    return StackUrls(bootstrap, settings.registry_url(), f"http://127.0.0.1:{settings.api.port}")


def keys_file_of(state_dir: Path) -> Path:
    """The API keys file the dev stack's API reads (the dev key's hash)."""
    return state_dir / "api-keys.json"


def dev_api_key(state_dir: Path) -> str:
    """The dev stack's API key: created once, its hash (re)written to the keys file."""
    from eventflow.producers.http import hash_key

    state_dir.mkdir(parents=True, exist_ok=True)
    key_file = state_dir / "dev-api-key"
    keys_file = keys_file_of(state_dir)
    if not key_file.exists():
        key_file.write_text(f"ef_dev_{secrets.token_urlsafe(24)}\n", "utf-8")
        key_file.chmod(0o600)
    key = key_file.read_text("utf-8").strip()
    entry = {"name": DEV_KEY_NAME, "sha256": hash_key(key), "event_types": ["*"]}
    keys_file.write_text(json.dumps([entry], indent=2) + "\n", "utf-8")
    return key


def service_env(urls: StackUrls, keys_file: Path) -> dict[str, str]:
    # the dev broker is plaintext on loopback: a production cluster's TLS/SASL settings in
    # this shell must not reach the local services
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EVENTFLOW_KAFKA__") or k == "EVENTFLOW_KAFKA__CLIENT_ID"
    }
    env.update(
        {
            "EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS": urls.bootstrap,
            "EVENTFLOW_REGISTRY__URL": urls.registry,
            "EVENTFLOW_API__KEYS_FILE": str(keys_file.resolve()),
            "EVENTFLOW_PIPELINE__DEMO_API_URL": urls.api,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def _retrying(url: str) -> Callable[[], str | None]:
    """A stage's "retrying since T: cause" from its ``/health`` (None when it is not)."""

    def detail() -> str | None:
        try:
            health = httpx.get(url, timeout=1.0).json()
        except (httpx.HTTPError, ValueError):
            return None
        if isinstance(health, dict) and health.get("state") == "retrying":
            return str(health.get("detail"))
        return None

    return detail


def services(settings: Settings, urls: StackUrls, env: dict[str, str]) -> list[ManagedProcess]:
    """The services in start order (stop in reverse)."""
    state = settings.dev.state_dir
    python = [sys.executable, "-m", "eventflow"]
    p = settings.pipeline
    registry = ManagedProcess(
        "registry",
        [*python, "registry", "serve", "--bootstrap", urls.bootstrap],
        state_dir=state,
        env=env,
        ready=_http_ok(f"{urls.registry}/subjects"),
    )
    api = ManagedProcess(
        "api",
        [*python, "serve", "api"],
        state_dir=state,
        env=env,
        ready=_http_ok(f"{urls.api}/healthz"),
    )
    stages = [
        ManagedProcess(
            kind,
            [*python, "serve", kind],
            state_dir=state,
            env=env,
            ready=_http_ok(f"http://127.0.0.1:{port}/metrics") if port else None,
            detail=_retrying(f"http://127.0.0.1:{port}/health") if port else None,
        )
        for kind, port in (
            ("validator", p.validator_metrics_port),
            ("enricher", p.enricher_metrics_port),
            ("writer", p.writer_metrics_port),
        )
    ]
    return [registry, api, *stages]
