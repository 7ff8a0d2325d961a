"""Write the generated package atomically, or check it for drift (the I/O edge of codegen)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from eventflow.errors import EnvironmentProblem, ErrorCode


def ruff_binary() -> str:
    """The ruff executable installed with the dev dependencies (next to this Python first)."""
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.is_file() else shutil.which("ruff")
    if found is None:
        raise EnvironmentProblem(
            "codegen formats its output with ruff, which is not installed; install the dev "
            "dependencies (pip install -e '.[dev]')",
            code=ErrorCode.CODEGEN_INVALID,
        )
    return found


def format_sources(sources: Mapping[str, str], *, config: Path | None) -> dict[str, str]:
    """Run ``ruff format`` over every generated module (deterministic for a pinned ruff)."""
    ruff = ruff_binary()
    settings = ["--config", str(config)] if config else ["--line-length", "100"]
    out: dict[str, str] = {}
    for name, text in sources.items():
        result = subprocess.run(
            [ruff, "format", *settings, "--stdin-filename", name, "-"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise EnvironmentProblem(
                f"ruff could not format generated {name}: {result.stderr.strip()}",
                code=ErrorCode.CODEGEN_INVALID,
            )
        out[name] = result.stdout
    return out


def stale_files(target: Path, sources: Mapping[str, str]) -> list[str]:
    """Files of ``target`` that differ from ``sources``, are missing, or should not exist."""
    stale = []
    for name, text in sorted(sources.items()):
        path = target / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if target.is_dir():
        extra = {p.name for p in target.glob("*.py")} - set(sources)
        stale += sorted(extra)
    return stale


def write_package(target: Path, sources: Mapping[str, str]) -> None:
    """Replace ``target`` by exactly ``sources``: written to a temporary folder beside it, then
    swapped in by renames, so a failure leaves the previous package untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    staging.chmod(0o755)
    backup = target.parent / f".{target.name}-old-{os.getpid()}"
    try:
        for name, text in sources.items():
            (staging / name).write_text(text, encoding="utf-8")
        if target.exists():
            target.rename(backup)
        staging.rename(target)
    except BaseException:
        if backup.exists() and not target.exists():
            backup.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(backup, ignore_errors=True)
