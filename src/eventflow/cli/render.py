"""Terminal rendering shared by commands (pure formatting lives next to each command)."""

from __future__ import annotations

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
