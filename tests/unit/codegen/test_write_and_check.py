"""`eventflow codegen --check` reports drift and writes nothing; generation is atomic."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from eventflow.cli._codegen import codegen
from eventflow.cli._context import CliContext
from eventflow.codegen import run_codegen
from eventflow.config import Settings
from tests.unit.codegen.helpers import record, write_contracts

ID = {"name": "id", "type": "string", "doc": "Key."}


@pytest.fixture
def schemas(tmp_path) -> Path:
    return write_contracts(tmp_path / "schemas", ("events/Ev.avsc", "id", record("Ev", ID)), {})


def run(*args: str):
    return CliRunner().invoke(codegen, list(args), obj=CliContext(Settings()))


def test_check_lists_missing_files_exits_1_and_writes_nothing(schemas, tmp_path):
    out = tmp_path / "pkg"
    result = run("--check", "--schemas", str(schemas), "--out", str(out))
    assert result.exit_code == 1
    assert "STALE" in result.output and "ev.py" in result.output and "__init__.py" in result.output
    assert not out.exists()


def test_generate_then_check_is_clean_and_deterministic(schemas, tmp_path):
    out = tmp_path / "pkg"
    assert run("--schemas", str(schemas), "--out", str(out)).exit_code == 0
    first = {p.name: p.read_text() for p in out.glob("*.py")}
    assert set(first) == {"__init__.py", "by_event_type.py", "ev.py"}
    result = run("--check", "--schemas", str(schemas), "--out", str(out))
    assert result.exit_code == 0 and "up to date" in result.output
    assert run("--schemas", str(schemas), "--out", str(out)).exit_code == 0
    assert {p.name: p.read_text() for p in out.glob("*.py")} == first


def test_check_reports_edited_and_extra_files(schemas, tmp_path):
    out = tmp_path / "pkg"
    run_codegen(schemas, out, check=False)
    (out / "ev.py").write_text((out / "ev.py").read_text() + "# hand edit\n")
    (out / "leftover.py").write_text("")
    result = run_codegen(schemas, out, check=True)
    assert result.stale == ("ev.py", "leftover.py")
    assert (out / "leftover.py").exists()  # check writes nothing
    run_codegen(schemas, out, check=False)
    assert not (out / "leftover.py").exists()
    assert run_codegen(schemas, out, check=True).stale == ()


def test_schema_change_makes_package_stale(schemas, tmp_path):
    out = tmp_path / "pkg"
    run_codegen(schemas, out, check=False)
    new = record("Ev", ID, {"name": "note", "type": ["null", "string"], "default": None})
    write_contracts(schemas, ("events/Ev.avsc", "id", new), {})
    assert run_codegen(schemas, out, check=True).stale == ("ev.py",)


def test_failure_while_writing_leaves_previous_package(schemas, tmp_path, monkeypatch):
    out = tmp_path / "pkg"
    run_codegen(schemas, out, check=False)
    before = {p.name: p.read_text() for p in out.glob("*.py")}
    write_contracts(
        schemas, ("events/Ev.avsc", "id", record("Ev", ID, {"name": "n", "type": "int"})), {}
    )
    calls = {"n": 0}
    real = Path.write_text

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", flaky)
    with pytest.raises(OSError, match="disk full"):
        run_codegen(schemas, out, check=False)
    monkeypatch.undo()
    assert {p.name: p.read_text() for p in out.glob("*.py")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "schemas"]  # no temp left
