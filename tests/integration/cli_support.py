"""Running the real `eventflow` command line from integration tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_eventflow(
    args: list[str], env: dict[str, str], timeout: float = 400
) -> subprocess.CompletedProcess[str]:
    """``python -m eventflow ARGS`` from the repository root, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "eventflow", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=timeout,
        check=False,
    )
