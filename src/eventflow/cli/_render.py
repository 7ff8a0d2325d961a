"""Terminal rendering shared by commands (pure formatting lives next to each command)."""

from __future__ import annotations

from rich.console import Console

# soft_wrap: long lines are never broken by us (a terminal wraps them itself; a pipe, e.g.
# `eventflow dlq list | wc -l`, gets one line per record); rich writes no markup codes when
# the output is not a terminal
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
