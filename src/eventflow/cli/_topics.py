"""``eventflow topics apply``: create declared topics, report drift, destroy nothing."""

from __future__ import annotations

from pathlib import Path

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.cli._stack import resolve_cluster
from eventflow.kafka import ApplyResult, TopicAdmin, load_topics_file


def format_apply_result(result: ApplyResult) -> list[str]:
    lines = [f"created  {name}" for name in result.created]
    lines += [f"in sync  {name}" for name in result.plan.in_sync]
    lines += [f"DRIFT    {d.describe()} (left as is)" for d in result.plan.drift]
    return lines


def print_apply_result(result: ApplyResult) -> None:
    for line in format_apply_result(result):
        style = "yellow" if line.startswith("DRIFT") else "green"
        console.print(f"[{style}]{line}[/]")


@click.group()
def topics() -> None:
    """Topics as code (see topics.yaml)."""


@topics.command()
@click.option(
    "--file",
    "topics_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Topics file (default: topics.yaml, or EVENTFLOW_TOPICS_FILE).",
)
@click.option("--bootstrap", default=None, help="Kafka bootstrap servers (default: local dev).")
@click.pass_obj
def apply(obj: CliContext, topics_file: Path | None, bootstrap: str | None) -> None:
    """Create missing topics idempotently; report drift (exit 1) without changing it."""
    specs = run_guarded(lambda: load_topics_file(topics_file or obj.settings.topics_file))
    target = resolve_cluster(obj.settings, bootstrap)
    result = run_guarded(lambda: TopicAdmin(target).apply(specs))
    print_apply_result(result)
    if result.plan.drift:
        raise SystemExit(EXIT_FINDINGS)
