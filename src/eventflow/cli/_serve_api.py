"""``eventflow serve api``: the HTTP ingest API under uvicorn (app factory, N workers)."""

from __future__ import annotations

import click

from eventflow.cli._context import CliContext, run_guarded
from eventflow.cli._render import err_console
from eventflow.config import Settings

APP_FACTORY = "eventflow.producers.http:create_app"


@click.command("api")
@click.option("--host", default=None, help="Interface to bind (default: EVENTFLOW_API__HOST).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port (default: EVENTFLOW_API__PORT).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: EVENTFLOW_API__WORKERS).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (costs throughput; /metrics counts anyway).",
)
@click.pass_obj
def api(
    obj: CliContext, host: str | None, port: int | None, workers: int | None, access_log: bool
) -> None:
    """Serve the HTTP ingest API (POST /v1/events, /v1/events:batch, /docs, /metrics)."""
    import uvicorn

    from eventflow.producers.http import load_keys
    from eventflow.workspace import load_workspace

    settings = obj.settings
    keys = run_guarded(lambda: load_keys(settings.api.keys, settings.api.keys_file))
    run_guarded(lambda: load_workspace(settings.schemas_dir))
    run_guarded(lambda: _not_refused(settings))
    if not keys:
        err_console.print(
            "[yellow]warning:[/] no API keys configured (EVENTFLOW_API__KEYS or "
            "EVENTFLOW_API__KEYS_FILE): every event request will get 401"
        )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host or settings.api.host,
        port=settings.api.port if port is None else port,
        workers=workers or settings.api.workers,
        access_log=access_log,
        log_level="info",
    )


def _not_refused(settings: Settings) -> None:
    """Stop at start when the cluster refuses us (credentials, certificates): one line naming
    the cause. A cluster that is only away is no reason not to start: the API answers 503
    until it is back."""
    from eventflow.errors import BrokerError
    from eventflow.kafka import ConnectionRefused, TopicAdmin
    from eventflow.producers.http import api_cluster

    try:
        TopicAdmin(api_cluster(settings), timeout_s=5.0).existing([])
    except ConnectionRefused:
        raise
    except BrokerError:
        return
