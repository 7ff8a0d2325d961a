"""``eventflow registry serve`` (also ``python -m eventflow.registry``): the schema registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eventflow.cli._context import CliContext, run_guarded
from eventflow.cli._stack import resolve_cluster
from eventflow.config import Settings


def _serve_options(func: Any) -> Any:
    options = [
        click.option("--host", default=None, help="Listen address (default 127.0.0.1)."),
        click.option("--port", type=int, default=None, help="Listen port (default 8081)."),
        click.option(
            "--storage",
            type=click.Choice(["kafka", "file"]),
            default=None,
            help="Where the schema log lives (default kafka).",
        ),
        click.option("--topic", default=None, help="Kafka topic of the log (default _schemas)."),
        click.option(
            "--file",
            "file",
            type=click.Path(path_type=Path),
            default=None,
            help="Log file for --storage file (embedded single node).",
        ),
        click.option("--bootstrap", default=None, help="Kafka bootstrap (default: local dev)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(settings: Settings, bootstrap: str | None, overrides: dict[str, Any]) -> None:
    from eventflow.registry import serve_registry

    chosen = {k: v for k, v in overrides.items() if v is not None}
    server = settings.registry_server.model_copy(update=chosen)
    cluster = None if server.storage == "file" else resolve_cluster(settings, bootstrap)
    where = server.file if server.storage == "file" else f"{server.topic} on {cluster}"
    click.echo(f"schema registry on {server.scheme}://{server.host}:{server.port} (log: {where})")
    run_guarded(lambda: serve_registry(server, cluster))


@click.group()
def registry() -> None:
    """The Confluent-compatible schema registry."""


@registry.command("serve")
@_serve_options
@click.pass_obj
def serve_in_group(obj: CliContext, /, bootstrap: str | None, **overrides: Any) -> None:
    """Serve Confluent's Schema Registry REST API v1 (storage: Kafka `_schemas` or a file)."""
    _run(obj.settings, bootstrap, overrides)


@click.command("serve")
@_serve_options
def serve_command(bootstrap: str | None, **overrides: Any) -> None:
    """Serve Confluent's Schema Registry REST API v1 (storage: Kafka `_schemas` or a file)."""
    _run(run_guarded(Settings), bootstrap, overrides)
