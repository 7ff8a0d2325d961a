"""Where the CLI finds Kafka: explicit flag, configuration, or the local dev broker."""

from __future__ import annotations

import click

from eventflow.config import Settings
from eventflow.kafka import KafkaCluster
from eventflow.kafka.local import LocalBroker


def local_broker(settings: Settings) -> LocalBroker:
    dev_cfg = settings.dev
    return LocalBroker(
        dev_cfg.state_dir,
        port=dev_cfg.kafka_port,
        controller_port=dev_cfg.kafka_controller_port,
        heap=dev_cfg.kafka_heap,
        start_timeout_s=dev_cfg.start_timeout_s,
    )


def resolve_cluster(settings: Settings, explicit: str | None) -> KafkaCluster:
    """The cluster to talk to (--bootstrap, EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS, or the local
    dev broker) with the connection settings of EVENTFLOW_KAFKA__*."""
    bootstrap = explicit or settings.kafka.bootstrap_servers or resolve_local_bootstrap(settings)
    return KafkaCluster.from_settings(settings.kafka, bootstrap)


def resolve_local_bootstrap(settings: Settings) -> str:
    bootstrap = local_broker(settings).bootstrap
    if bootstrap is None:
        raise click.UsageError(
            "no Kafka configured: run `eventflow dev up`, pass --bootstrap, "
            "or set EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"
        )
    return bootstrap
