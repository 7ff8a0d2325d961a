"""The installed ``eventflow codegen`` entry point on the real contracts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EVENTFLOW = str(Path(sys.executable).parent / "eventflow")


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EVENTFLOW, "codegen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_committed_classes_match_the_contracts():
    result = run("--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_changed_contract_is_reported_then_regenerated(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas/avro", schemas)
    out = tmp_path / "events"
    shutil.copytree(
        REPO / "src/eventflow/events", out, ignore=shutil.ignore_patterns("__pycache__")
    )
    envelope = schemas / "common/Envelope.avsc"
    envelope.write_text(
        envelope.read_text().replace(
            '"doc": "Dotted event type', '"doc": "The dotted event type', 1
        )
    )
    stale = run("--check", "--schemas", str(schemas), "--out", str(out))
    assert stale.returncode == 1
    # docs are part of every class's self-contained schema: the envelope and every event
    assert "envelope.py" in stale.stdout and "order_placed.py" in stale.stdout
    before = (out / "envelope.py").read_text()
    assert run("--check", "--schemas", str(schemas), "--out", str(out)).returncode == 1
    assert (out / "envelope.py").read_text() == before  # --check wrote nothing
    assert run("--schemas", str(schemas), "--out", str(out)).returncode == 0
    assert "The dotted event type" in (out / "envelope.py").read_text()
    assert run("--check", "--schemas", str(schemas), "--out", str(out)).returncode == 0


def test_broken_contract_exits_2_naming_the_file(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas/avro", schemas)
    (schemas / "events/OrderPlaced.avsc").write_text('{"type": "record", "name": ')
    result = run("--check", "--schemas", str(schemas), "--out", str(tmp_path / "events"))
    assert result.returncode == 2
    assert "OrderPlaced.avsc" in result.stdout + result.stderr
