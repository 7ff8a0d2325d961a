"""``eventflow trace EVENT_ID``: where one event went (topics, offsets, dead letters, row)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._pipeline_common import (
    bootstrap_option,
    progress_bar,
    registry_codec,
    registry_option,
)
from eventflow.cli._render import console
from eventflow.cli._stack import resolve_cluster


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@click.command()
@click.argument("event_id")
@click.option("--no-db", is_flag=True, help="Do not look the event up in the database.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: one JSON object (sightings, dead letters, row).",
)
@bootstrap_option
@registry_option
@click.pass_obj
def trace(
    obj: CliContext,
    *,
    event_id: str,
    no_db: bool,
    fmt: str,
    bootstrap: str | None,
    registry_url: str | None,
) -> None:
    """Show which topics and offsets EVENT_ID passed, its dead letters and its database row."""
    from eventflow.consumers import open_store, topic_size, trace_event

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
    row = _row_json(report.row)
    if fmt == "json":
        found = bool(report.sightings or report.dead_letters or row is not None)
        out = {
            "event_id": event_id,
            "sightings": [vars(s) for s in report.sightings],
            "dead_letters": [
                {
                    "dlq_partition": d.partition,
                    "dlq_offset": d.offset,
                    "failing_service": d.letter.failing_service,
                    "error_type": d.letter.error_type,
                    "error_message": d.letter.error_message,
                }
                for d in report.dead_letters
            ],
            "row": row,
        }
        click.echo(json.dumps(out, default=str))
        if not found:
            raise SystemExit(EXIT_FINDINGS)
        return
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
    if row is not None:
        console.print(f"database row: {json.dumps(row, default=str)}", markup=False)
    elif not no_db:
        console.print(f"database: no row for {event_id} in {p.database_url}")
    if not report.sightings and not report.dead_letters and row is None:
        console.print(f"[yellow]event {event_id} was not found anywhere[/]")
        raise SystemExit(EXIT_FINDINGS)


def _row_json(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The row with its JSON columns as JSON values (not JSON text inside JSON)."""
    if row is None:
        return None
    out = dict(row)
    for column in ("payload", "validation", "enrichment"):
        if isinstance(out.get(column), str):
            out[column] = json.loads(out[column])
    return out
