"""The group ``eventflow schema`` and its subcommands (compatibility, checks, lint, diff, register).

Each subcommand lives in its own module and is registered at the bottom of this file.
"""

from __future__ import annotations

import click


@click.group()
def schema() -> None:
    """Avro contracts: check compatibility, lint, diff, register."""


# Subcommands register below, one import + add_command per module.

from eventflow.cli.schema._lint import lint  # noqa: E402

schema.add_command(lint)

from eventflow.cli.schema._diff import diff  # noqa: E402

schema.add_command(diff)

from eventflow.cli.schema._compat import compat  # noqa: E402

schema.add_command(compat)

from eventflow.cli.schema._check import check  # noqa: E402

schema.add_command(check)

from eventflow.cli.schema._register import register  # noqa: E402

schema.add_command(register)

from eventflow.cli.schema._pull import pull  # noqa: E402

schema.add_command(pull)
