"""Composition root of the registry server: settings → log → store → controller → ASGI app."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from typing import Any

from eventflow.config import RegistryServerSettings
from eventflow.errors import ConfigError
from eventflow.kafka import KafkaCluster, KafkaSchemaLog
from eventflow.registry._asgi import RegistryApp
from eventflow.registry._controller import RegistryController
from eventflow.registry._engine import ContractsEngine, SchemaEngine
from eventflow.registry._filelog import FileSchemaLog
from eventflow.registry._store import RegistryStore, SchemaLog

LOG = logging.getLogger("eventflow.registry")


@dataclass
class RunningRegistry:
    app: RegistryApp
    store: RegistryStore

    def close(self) -> None:
        self.store.close()


def parse_users(spec: str | None) -> dict[str, str]:
    """``user:password[,user:password]`` → mapping; bad entries name the setting."""
    users: dict[str, str] = {}
    for i, entry in enumerate(filter(None, (spec or "").split(",")), start=1):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user or not password:
            raise ConfigError(
                f"EVENTFLOW_REGISTRY_SERVER__BASIC_AUTH_USERS entry {i} must be user:password"
            )
        users[user] = password
    return users


def open_log(server: RegistryServerSettings, cluster: KafkaCluster | None) -> SchemaLog:
    if server.storage == "file":
        return FileSchemaLog(server.file)
    if cluster is None:
        raise ConfigError("the registry's kafka storage needs a Kafka cluster (--bootstrap)")
    return KafkaSchemaLog(cluster, server.topic)


def start_registry(
    server: RegistryServerSettings,
    cluster: KafkaCluster | None,
    *,
    engine: SchemaEngine | None = None,
) -> RunningRegistry:
    """Open the log, replay it fully, and return the app ready to serve."""
    users = parse_users(
        server.basic_auth_users.get_secret_value() if server.basic_auth_users else None
    )
    store = RegistryStore(open_log(server, cluster))
    store.start()
    chosen = engine or ContractsEngine(validate_defaults=server.validate_defaults)
    controller = RegistryController(store, chosen)
    app = RegistryApp(controller, users=users, max_body_bytes=server.max_body_bytes)
    return RunningRegistry(app, store)


def serve_registry(server: RegistryServerSettings, cluster: KafkaCluster | None) -> None:
    """Run the registry in the foreground until interrupted (one worker)."""
    import uvicorn

    running = start_registry(server, cluster)
    LOG.info("schema registry replayed %d records", running.store.position)
    try:
        uvicorn.run(
            running.app,
            host=server.host,
            port=server.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            server_header=False,
            **tls_options(server),
        )
    finally:
        running.close()


def tls_options(server: RegistryServerSettings) -> dict[str, Any]:
    """uvicorn's TLS options: HTTPS with the configured certificate, and client certificates
    required (signed by ``tls_client_ca_file``) when that is set."""
    if server.tls_cert_file is None or server.tls_key_file is None:
        return {}
    for path, setting in (
        (server.tls_cert_file, "TLS_CERT_FILE"),
        (server.tls_key_file, "TLS_KEY_FILE"),
        (server.tls_client_ca_file, "TLS_CLIENT_CA_FILE"),
    ):
        if path is not None and not path.is_file():
            raise ConfigError(
                f"EVENTFLOW_REGISTRY_SERVER__{setting}: {path} is not a readable file"
            )
    options: dict[str, Any] = {
        "ssl_certfile": str(server.tls_cert_file),
        "ssl_keyfile": str(server.tls_key_file),
    }
    if server.tls_key_password is not None:
        options["ssl_keyfile_password"] = server.tls_key_password.get_secret_value()
    if server.tls_client_ca_file is not None:
        options["ssl_ca_certs"] = str(server.tls_client_ca_file)
        options["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    return options
