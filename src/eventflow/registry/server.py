"""Composition root of the registry server: settings → log → store → controller → ASGI app."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eventflow.config import RegistryServerSettings
from eventflow.errors import ConfigError
from eventflow.kafka.client_config import KafkaCluster
from eventflow.kafka.schemas_log import KafkaSchemaLog
from eventflow.registry.asgi import RegistryApp
from eventflow.registry.controller import RegistryController
from eventflow.registry.engine import ContractsEngine, SchemaEngine
from eventflow.registry.filelog import FileSchemaLog
from eventflow.registry.store import RegistryStore, SchemaLog

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
    users = parse_users(server.basic_auth_users)
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
        uvicorn.run(running.app, host=server.host, port=server.port, log_level="warning",
                    access_log=False, lifespan="on", server_header=False)  # fmt: skip
    finally:
        running.close()
