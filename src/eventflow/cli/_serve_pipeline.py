"""``eventflow serve validator|enricher|writer``: the pipeline stages as long-lived processes.

Configured purely by ``EVENTFLOW_*`` settings (Kafka, registry, ``EVENTFLOW_PIPELINE__*``), so
``eventflow dev up`` and docker-compose can start them without flags. SIGTERM finishes the
batch in flight, commits and leaves the group.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from eventflow.cli._context import CliContext, run_guarded
from eventflow.cli._render import err_console
from eventflow.cli._stack import resolve_cluster

if TYPE_CHECKING:
    from eventflow.consumers import ServiceKind


def _serve(
    obj: CliContext, kind: ServiceKind, bootstrap: str | None, metrics_port: int | None
) -> None:
    from eventflow.consumers import build_service, registry_url_of, run_service

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per registry request
    settings = obj.settings
    target = resolve_cluster(settings, bootstrap)
    built = run_guarded(lambda: build_service(kind, settings, cluster=target))
    port = built.metrics_port if metrics_port is None else metrics_port
    err_console.print(
        f"{built.runtime.spec.service}: {built.runtime.spec.input_topic} -> "
        f"{built.runtime.spec.output_topic or settings.pipeline.database_url} "
        f"(Kafka {target}, registry {registry_url_of(settings)}, "
        f"metrics :{port or 'off'})"
    )
    run_guarded(lambda: run_service(built, metrics_port=port))


_bootstrap = click.option(
    "--bootstrap", default=None, help="Kafka bootstrap servers (default: settings or local dev)."
)
_metrics = click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Prometheus port (0 = off; default from EVENTFLOW_PIPELINE__*).",
)


@click.command("validator")
@_bootstrap
@_metrics
@click.pass_obj
def validator(obj: CliContext, bootstrap: str | None, metrics_port: int | None) -> None:
    """Validate raw events: the CEL rules registered with their schemas and the code rules of
    the contracts in EVENTFLOW_SCHEMAS_DIR (schemas/avro/events/*.rules.yaml)."""
    _serve(obj, "validator", bootstrap, metrics_port)


@click.command("enricher")
@_bootstrap
@_metrics
@click.pass_obj
def enricher(obj: CliContext, bootstrap: str | None, metrics_port: int | None) -> None:
    """Enrich validated events with the plugins configured in EVENTFLOW_PIPELINE__ENRICHMENT_DIR."""
    _serve(obj, "enricher", bootstrap, metrics_port)


@click.command("writer")
@_bootstrap
@_metrics
@click.pass_obj
def writer(obj: CliContext, bootstrap: str | None, metrics_port: int | None) -> None:
    """Write enriched events to EVENTFLOW_PIPELINE__DATABASE_URL (upsert by event id)."""
    _serve(obj, "writer", bootstrap, metrics_port)
