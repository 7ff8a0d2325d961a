"""The root command group `eventflow`: its options, the settings, and every subcommand."""

from __future__ import annotations

import click

from eventflow import __version__
from eventflow.cli._codegen import codegen
from eventflow.cli._context import CliContext, run_guarded
from eventflow.cli._demo import demo
from eventflow.cli._dev import dev
from eventflow.cli._dlq import dlq
from eventflow.cli._registry import registry
from eventflow.cli._replay import replay
from eventflow.cli._serve import serve
from eventflow.cli._topics import topics
from eventflow.cli._trace import trace
from eventflow.cli.schema import schema
from eventflow.config import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eventflow")
@click.pass_context
def main(ctx: click.Context) -> None:
    """EventFlow: Avro contracts, a compatibility gate, a registry and Kafka services."""
    ctx.obj = run_guarded(lambda: CliContext(Settings()))


main.add_command(dev)
main.add_command(topics)
main.add_command(codegen)
main.add_command(registry)
main.add_command(schema)
main.add_command(serve)
main.add_command(replay)
main.add_command(dlq)
main.add_command(trace)
main.add_command(demo)

__all__ = ["main"]
