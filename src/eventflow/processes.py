"""Small helpers for the background processes EventFlow starts (the broker, dev services)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie child counts as stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); look at its state.
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def terminate_group(pid: int, grace_s: float, reap: Callable[[], object] = lambda: None) -> None:
    """SIGTERM the process group of ``pid``; SIGKILL it if still alive after ``grace_s``.

    ``reap`` is called while waiting so a child of ours does not linger as a zombie.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and process_alive(pid):
        reap()
        time.sleep(0.1)
    if process_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        reap()
