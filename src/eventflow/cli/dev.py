"""``eventflow dev up | down | status``: the local development stack."""

from __future__ import annotations

import time

import click

from eventflow.cli.context import CliContext, run_guarded
from eventflow.cli.render import console
from eventflow.cli.stack import local_broker
from eventflow.cli.topics import print_apply_result
from eventflow.kafka.admin import TopicAdmin
from eventflow.kafka.topics_file import load_topics_file


@click.group()
def dev() -> None:
    """Run the local stack: a real Kafka in KRaft mode (and later the registry and services)."""


@dev.command()
@click.pass_obj
def up(obj: CliContext) -> None:
    """Start local Kafka (downloading it on first use) and apply the topics file."""
    settings = obj.settings
    specs = run_guarded(lambda: load_topics_file(settings.topics_file))
    broker = local_broker(settings)
    started = time.monotonic()
    with console.status("starting Kafka (first run downloads it from Maven Central)…"):
        bootstrap = run_guarded(broker.start)
    console.print(f"[green]Kafka[/] answering on [bold]{bootstrap}[/] "
                  f"({time.monotonic() - started:.1f}s); log: {broker.log_file}")  # fmt: skip
    result = run_guarded(lambda: TopicAdmin(bootstrap).apply(specs))
    print_apply_result(result)
    console.print(
        "\nNext: [bold]eventflow dev status[/] · [bold]eventflow topics apply[/] · "
        f"point clients at [bold]{bootstrap}[/] · stop with [bold]eventflow dev down[/]"
    )


@dev.command()
@click.pass_obj
def down(obj: CliContext) -> None:
    """Stop the local stack (data stays; it is reused by the next `dev up`)."""
    broker = local_broker(obj.settings)
    stopped = run_guarded(broker.stop)
    console.print("Kafka stopped." if stopped else "Kafka was not running.")


@dev.command()
@click.pass_obj
def status(obj: CliContext) -> None:
    """Show what runs, where, and whether it answers."""
    st = run_guarded(local_broker(obj.settings).status)
    if not st.running:
        console.print(f"Kafka: [yellow]stopped[/] (state in {st.state_dir})")
        raise SystemExit(1)
    health = "[green]answering[/]" if st.answering else "[red]not answering[/]"
    console.print(f"Kafka: running pid {st.pid} on {st.bootstrap}, {health}; log {st.log_file}")
    if not st.answering:
        raise SystemExit(1)
