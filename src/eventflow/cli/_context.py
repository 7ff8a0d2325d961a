"""Shared CLI state and the mapping of errors to exit codes.

Exit codes: 0 ok; 1 a check found a problem (drift, incompatibility); 2 invalid input or
usage; 3 the environment or a service failed (Java, port, Kafka, registry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import click
from pydantic import ValidationError

from eventflow.config import Settings
from eventflow.errors import ConfigError, EventFlowError

T = TypeVar("T")

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3


class InputFailure(click.ClickException):
    """Invalid input or usage: exit 2."""

    exit_code = EXIT_INPUT


class EnvironmentFailure(click.ClickException):
    """The environment or a service failed: exit 3."""

    exit_code = EXIT_ENVIRONMENT


@dataclass
class CliContext:
    settings: Settings


def run_guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn EventFlow errors into a one-line message and an exit code."""
    try:
        return action()
    except ConfigError as exc:
        raise InputFailure(str(exc)) from exc
    except EventFlowError as exc:
        raise EnvironmentFailure(str(exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "__".join(str(p) for p in first["loc"])
        raise InputFailure(f"invalid setting EVENTFLOW_{where.upper()}: {first['msg']}") from exc
