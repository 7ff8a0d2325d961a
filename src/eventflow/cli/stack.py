"""Where the CLI finds Kafka: explicit flag, configuration, or the local dev broker."""

from __future__ import annotations

import click

from eventflow.config import Settings
from eventflow.kafka.local import LocalBroker


def local_broker(settings: Settings) -> LocalBroker:
    dev_cfg = settings.dev
    return LocalBroker(
        dev_cfg.state_dir, port=dev_cfg.kafka_port, controller_port=dev_cfg.kafka_controller_port,
        heap=dev_cfg.kafka_heap, start_timeout_s=dev_cfg.start_timeout_s,
    )  # fmt: skip


def resolve_bootstrap(settings: Settings, explicit: str | None) -> str:
    """The cluster to talk to: --bootstrap, EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS, or local dev."""
    if explicit:
        return explicit
    if settings.kafka.bootstrap_servers:
        return settings.kafka.bootstrap_servers
    bootstrap = local_broker(settings).bootstrap
    if bootstrap is None:
        raise click.UsageError(
            "no Kafka configured: run `eventflow dev up`, pass --bootstrap, "
            "or set EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"
        )
    return bootstrap
