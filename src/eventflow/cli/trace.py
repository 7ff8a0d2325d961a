"""``eventflow trace EVENT_ID``: where one event went (topics, offsets, dead letters, row)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from eventflow.cli.context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli.pipeline_common import (
    bootstrap_option,
    progress_bar,
    registry_codec,
    registry_option,
)
from eventflow.cli.render import console
from eventflow.cli.stack import resolve_cluster


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@click.command()
@click.argument("event_id")
@click.option("--no-db", is_flag=True, help="Do not look the event up in the database.")
@bootstrap_option
@registry_option
@click.pass_obj
def trace(
    obj: CliContext, *, event_id: str, no_db: bool, bootstrap: str | None, registry_url: str | None
) -> None:
    """Show which topics and offsets EVENT_ID passed, its dead letters and its database row."""
    from eventflow.consumers.operations import topic_size, trace_event
    from eventflow.consumers.persistence import open_store

    settings = obj.settings
    p = settings.pipeline
    target = resolve_cluster(settings, bootstrap)
    codec = registry_codec(settings, registry_url)
    topics = [p.raw_topic, p.validated_topic, p.enriched_topic]
    store = None if no_db else run_guarded(lambda: open_store(p.database_url))
    total = run_guarded(lambda: sum(topic_size(target, t) for t in [*topics, p.dlq_topic]))
    try:
        with progress_bar(f"scanning {len(topics) + 1} topics", total) as bar:
            report = run_guarded(
                lambda: trace_event(
                    target,
                    topics,
                    p.dlq_topic,
                    codec,
                    event_id,
                    row_lookup=store.get if store is not None else None,
                    progress=lambda n: bar.advance(bar.task_ids[0], n),
                )
            )
    finally:
        if store is not None:
            store.close()
    for s in report.sightings:
        console.print(
            f"{s.topic:<22} partition {s.partition} offset {s.offset:<8} "
            f"{_when(s.timestamp_ms)}  {s.detail}",
            markup=False,
        )
    for d in report.dead_letters:
        letter = d.letter
        console.print(
            f"{p.dlq_topic:<22} partition {d.partition} offset {d.offset:<8} "
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}  {letter.failing_service}: "
            f"{letter.error_type}: {letter.error_message}",
            markup=False,
        )
    if report.row is not None:
        row = dict(report.row)
        console.print(f"database row: {json.dumps(row, default=str)}", markup=False)
    elif not no_db:
        console.print(f"database: no row for {event_id} in {p.database_url}")
    if not report.sightings and not report.dead_letters and report.row is None:
        console.print(f"[yellow]event {event_id} was not found anywhere[/]")
        raise SystemExit(EXIT_FINDINGS)
