"""``eventflow serve …``: run EventFlow's long-lived services (HTTP API, pipeline consumers).

Each subcommand lives in its own module or below; they are registered at the bottom of this
file, one import + ``add_command`` per service.
"""

from __future__ import annotations

import click


@click.group()
def serve() -> None:
    """Run a service: the HTTP ingest API, or a pipeline stage."""


# Subcommands register below, one import + add_command per module.
from eventflow.cli._serve_api import api  # noqa: E402

serve.add_command(api)

from eventflow.cli._serve_pipeline import enricher, validator, writer  # noqa: E402

serve.add_command(validator)
serve.add_command(enricher)
serve.add_command(writer)
