"""``eventflow schema diff`` through the real CLI on our own contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventflow.cli import main
from tests.unit.workspace.git_helpers import SCHEMAS, commit_all, copy_schemas, edit, init_repo

USER = SCHEMAS / "events" / "UserRegistered.avsc"


def run(*args: str):
    return CliRunner().invoke(main, ["schema", "diff", "--root", str(SCHEMAS), *args])


def changed_user(tmp_path: Path) -> Path:
    new = tmp_path / "UserRegistered.avsc"
    new.write_text(USER.read_text())
    edit(
        new,
        '"name": "locale", "type": "string"',
        '"name": "locale", "type": "string", "default": "en"',
    )
    edit(
        new,
        '"name": "email", "type": "string",',
        '"name": "email_address", "aliases": ["email"], "type": "string",',
    )
    return new


def test_text_diff_of_an_event_with_shared_type_references(tmp_path: Path):
    result = run(str(USER), str(changed_user(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("2 change(s); backward compatible only (consumers upgrade first)")
    assert "FIELD_RENAMED         UserRegistered.payload.email_address: renamed from email" in (
        result.output
    )
    assert "breaks forward: producers cannot upgrade first" in result.output
    assert 'DEFAULT_ADDED         UserRegistered.payload.locale: default "en" added' in (
        result.output
    )


def test_json_diff_and_fail_on_breaking(tmp_path: Path):
    new = changed_user(tmp_path)
    result = run("--format", "json", str(USER), str(new))
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["backward_compatible"], report["forward_compatible"]) == (True, False)
    assert [(c["kind"], c["forward_breaking"]) for c in report["changes"]] == [
        ("FIELD_RENAMED", True),
        ("DEFAULT_ADDED", False),
    ]
    assert report["changes"][0]["where"] == f"{new}:20"
    assert (report["level"], report["breaks_level"]) == ("BACKWARD_TRANSITIVE", False)
    # backward compatible only: allowed at the subject's level (BACKWARD_TRANSITIVE) ...
    allowed = run("--fail-on-breaking", str(USER), str(new))
    assert allowed.exit_code == 0, allowed.output
    assert allowed.output.splitlines()[-1] == (
        "at BACKWARD_TRANSITIVE (subject events.raw.v1-com.eventflow.events.UserRegistered): "
        "allowed; consumers upgrade first (they read old and new data), then producers"
    )
    # ... refused at FULL, which --level asks for
    assert run("--fail-on-breaking", "--level", "FULL", str(USER), str(new)).exit_code == 1
    assert run("--fail-on-breaking", str(USER), str(USER)).exit_code == 0


def test_fail_on_breaking_fails_a_change_that_breaks_the_subjects_level(tmp_path: Path):
    new = tmp_path / "UserRegistered.avsc"
    new.write_text(USER.read_text())
    edit(
        new,
        '"name": "locale", "type": "string",',
        '"name": "locale", "type": "string",\n "default": "en"}, {"name": "phone", "type": "string",',
    )
    plain = run(str(USER), str(new))
    assert plain.exit_code == 0, plain.output  # reports only, as before
    result = run("--fail-on-breaking", str(USER), str(new))
    assert result.exit_code == 1, result.output
    assert "FIELD_ADDED" in result.output
    assert result.output.splitlines()[-1].startswith(
        "at BACKWARD_TRANSITIVE (subject events.raw.v1-com.eventflow.events.UserRegistered): "
        "BREAKS it; consumers upgrade first"
    )
    # an explicit level overrides the manifest's: FORWARD allows a new required field
    assert run("--fail-on-breaking", "--level", "FORWARD", str(USER), str(new)).exit_code == 0


def test_committed_version_as_ref_colon_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    repo = init_repo(tmp_path / "repo")
    schemas = copy_schemas(repo)
    commit_all(repo, "contracts")
    edit(
        schemas / "events/PaymentFailed.avsc",
        '"PROCESSOR_UNAVAILABLE"',
        '"PROCESSOR_UNAVAILABLE",\n                "LIMIT_EXCEEDED"',
    )
    monkeypatch.chdir(repo)
    path = "schemas/avro/events/PaymentFailed.avsc"
    result = CliRunner().invoke(main, ["schema", "diff", f"HEAD:{path}", path])
    assert result.exit_code == 0, result.output
    assert "ENUM_SYMBOL_ADDED     PaymentFailed.payload.reason: symbol LIMIT_EXCEEDED added" in (
        result.output
    )
    # the enum has a default, so old readers read the new symbol as UNKNOWN
    assert "fully compatible (FULL)" in result.output.splitlines()[0]
    missing = CliRunner().invoke(main, ["schema", "diff", f"nope:{path}", path])
    assert missing.exit_code == 2
    assert "git ref 'nope' not found" in missing.output


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path):
    broken = tmp_path / "Broken.avsc"
    broken.write_text(
        '{"type": "record", "name": "X", "fields": [\n  {"name": "a", "type": "nope"}]}'
    )
    result = run(str(USER), str(broken))
    assert result.exit_code == 2
    assert f"{broken}:2:" in result.output
    result = run(str(USER), str(tmp_path / "missing.avsc"))
    assert result.exit_code == 2
    assert "missing.avsc: no such schema file" in result.output
    assert run("--format", "yaml", str(USER), str(USER)).exit_code == 2
