"""``eventflow schema lint`` through the real CLI: exit codes 0 / 1 / 2 and the three formats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eventflow.cli import main
from tests.unit.workspace.git_helpers import copy_schemas, edit


def run(*args: str):
    return CliRunner().invoke(main, ["schema", "lint", *args])


def test_clean_contracts_exit_0(tmp_path: Path):
    root = copy_schemas(tmp_path)
    result = run("--root", str(root))
    assert result.exit_code == 0, result.output
    assert "8 files linted, 0 finding(s)" in result.output


def test_findings_exit_1_with_file_line_and_rule(tmp_path: Path):
    root = copy_schemas(tmp_path)
    edit(root / "events/UserRegistered.avsc", '"name": "display_name"', '"name": "displayName"')
    result = run("--root", str(root))
    assert result.exit_code == 1, result.output
    assert (
        f"{root}/events/UserRegistered.avsc:21:20: FIELD_NAME_CASE: field "
        "UserRegisteredPayload.displayName should be lower_snake_case"
    ) in result.output


def test_json_and_github_formats(tmp_path: Path):
    root = copy_schemas(tmp_path)
    edit(root / "events/PaymentFailed.avsc", '"CARD_EXPIRED"', '"CardExpired"')
    result = run("--root", str(root), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["files"] == 8
    assert [(f["rule"], f["pointer"]) for f in report["findings"]] == [
        ("ENUM_SYMBOL_CASE", "/fields/1/type/fields/4/type/symbols/3")
    ]
    assert report["findings"][0]["line"] == 41
    result = run("--root", str(root), "--format", "github")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"::error file={root}/events/PaymentFailed.avsc,line=41,col=17::ENUM_SYMBOL_CASE: "
    )


def test_schema_file_not_in_manifest_is_a_finding(tmp_path: Path):
    root = copy_schemas(tmp_path)
    (root / "events/Stray.avsc").write_text('"string"')
    result = run("--root", str(root))
    assert result.exit_code == 1
    assert "NOT_IN_MANIFEST: events/Stray.avsc is not named by" in result.output


def test_explicit_file_outside_the_manifest_is_linted_with_shared_types(tmp_path: Path):
    root = copy_schemas(tmp_path)
    draft = tmp_path / "Draft.avsc"
    draft.write_text(
        json.dumps(
            {
                "type": "record",
                "name": "Draft",
                "namespace": "com.eventflow.events",
                "doc": "D.",
                "fields": [{"name": "envelope", "type": "com.eventflow.common.Envelope"}],
            }
        )
    )
    result = run("--root", str(root), str(draft))
    assert result.exit_code == 1, result.output
    assert "DOC_MISSING: field Draft.envelope has no doc" in result.output
    assert "1 file linted, 1 finding(s)" in result.output


def test_unparsable_input_exits_2_naming_file_and_line(tmp_path: Path):
    root = copy_schemas(tmp_path)
    edit(
        root / "common/Envelope.avsc",
        '"type": "string",\n      "doc": "Dotted',
        '"type": "strin",\n      "doc": "Dotted',
    )
    result = run("--root", str(root))
    assert result.exit_code == 2
    assert f"{root}/common/Envelope.avsc:14:" in result.output
    assert "strin" in result.output


def test_usage_errors_exit_2(tmp_path: Path):
    root = copy_schemas(tmp_path)
    assert run("--root", str(root), "--format", "xml").exit_code == 2
    missing = run("--root", str(root), str(tmp_path / "nope.avsc"))
    assert missing.exit_code == 2
    assert "nope.avsc" in missing.output
    no_manifest = run("--root", str(tmp_path))
    assert no_manifest.exit_code == 2
    assert "manifest.yaml: cannot read the manifest" in no_manifest.output
