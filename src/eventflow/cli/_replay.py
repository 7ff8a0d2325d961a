"""``eventflow replay``: point a consumer group at an earlier position so its service
reprocesses (into a new group, or a stopped existing one)."""

from __future__ import annotations

import click

from eventflow.cli._context import CliContext, run_guarded
from eventflow.cli._pipeline_common import bootstrap_option, parse_time
from eventflow.cli._render import console
from eventflow.cli._stack import resolve_cluster


@click.command()
@click.option("--topic", required=True, help="Topic to reprocess, e.g. events.raw.v1.")
@click.option(
    "--group", required=True, help="Consumer group to reset (new, or with its service stopped)."
)
@click.option("--from-offset", type=int, default=None, help="Start offset in every partition.")
@click.option(
    "--from-time",
    default=None,
    help="Start at this time (ISO 8601 or epoch ms) in every partition.",
)
@bootstrap_option
@click.pass_obj
def replay(
    obj: CliContext,
    *,
    topic: str,
    group: str,
    from_offset: int | None,
    from_time: str | None,
    bootstrap: str | None,
) -> None:
    """Reset GROUP on TOPIC to --from-offset or --from-time; start the service to reprocess.

    Run the service with that group (e.g. EVENTFLOW_PIPELINE__VALIDATOR_GROUP=G); writes are
    idempotent by event id, so reprocessing never duplicates a database row.
    """
    from eventflow.consumers import replay_group

    time_ms = parse_time(from_time) if from_time is not None else None
    target = resolve_cluster(obj.settings, bootstrap)
    offsets = run_guarded(
        lambda: replay_group(target, topic, group, from_offset=from_offset, from_time_ms=time_ms)
    )
    for partition, offset in sorted(offsets.items()):
        console.print(f"{topic}[{partition}] -> offset {offset}")
    console.print(
        f"[green]group {group} reset[/]; start its service to reprocess {topic} from there"
    )
