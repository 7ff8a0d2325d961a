"""Shared plumbing of the pipeline's operator commands (replay, dlq, trace, demo)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eventflow.cli._render import err_console
from eventflow.config import Settings

if TYPE_CHECKING:
    from eventflow.consumers import RegistryCodec

bootstrap_option = click.option(
    "--bootstrap", default=None, help="Kafka bootstrap servers (default: settings or local dev)."
)
registry_option = click.option(
    "--registry",
    "registry_url",
    default=None,
    help="Schema registry URL (default: EVENTFLOW_REGISTRY__URL).",
)


def registry_codec(settings: Settings, registry_url: str | None) -> RegistryCodec:
    from eventflow.consumers import RegistryCodec, registry_url_of
    from eventflow.registry import RegistryClient

    url = registry_url or registry_url_of(settings)
    return RegistryCodec(RegistryClient.from_settings(url, settings.registry))


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Progress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        progress.add_task(label, total=total)
        yield progress


def parse_time(text: str) -> int:
    """Epoch milliseconds from ISO 8601 (``2026-11-27T10:00:00Z``) or a number of millis."""
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is neither ISO 8601 (2026-11-27T10:00:00Z) nor epoch milliseconds"
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)
