"""``eventflow schema compat``: output formats and every exit code (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventflow.cli.schema._compat import compat

V1 = '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}'
V2_OK = (
    '{"type": "record", "name": "R", "fields": [\n'
    '  {"name": "a", "type": "long"},\n'
    '  {"name": "b", "type": "string", "default": ""}]}'
)
V3_BAD = (
    '{"type": "record", "name": "R", "fields": [\n'
    '  {"name": "a", "type": "long"},\n'
    '  {"name": "c", "type": "string"}]}'
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in {"v1": V1, "v2": V2_OK, "v3": V3_BAD}.items():
        paths[name] = tmp_path / f"{name}.avsc"
        paths[name].write_text(text)
    return paths


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(compat, [str(a) for a in args])
    return result.exit_code, result.output


def test_compatible_exits_0_with_verdict_line(files: dict[str, Path]) -> None:
    code, out = run(files["v2"], files["v1"])
    assert code == 0
    assert out.strip() == "compatible (BACKWARD against 1 previous version)"


def test_incompatible_exits_1_with_located_line(files: dict[str, Path]) -> None:
    code, out = run(files["v3"], files["v1"], files["v2"])
    assert code == 1
    first, last = out.strip().splitlines()
    assert first.startswith(f"{files['v3']}:3:3: READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1: ")
    assert "(hint: give field 'c' a default" in first
    assert last == "incompatible: 1 problem (BACKWARD against 2 previous versions)"


def test_json_output(files: dict[str, Path]) -> None:
    code, out = run(
        "--format", "json", "--level", "full_transitive", files["v3"], files["v1"], files["v2"]
    )
    assert code == 1
    report = json.loads(out)
    assert report["compatible"] is False
    assert report["level"] == "FULL_TRANSITIVE"
    # newest first; per version the forward direction (old reads new) comes first
    assert [(i["type"], i["location"], i["version"]) for i in report["incompatibilities"]] == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", 2),
        ("TYPE_MISMATCH", "/fields/0/type", 1),
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", 1),
    ]
    item = report["incompatibilities"][0]
    assert set(item) == {"type", "location", "message", "hint", "file", "line", "column", "version"}
    assert item["file"] == str(files["v3"])


def test_json_compatible(files: dict[str, Path]) -> None:
    code, out = run("--format", "json", files["v2"], files["v1"])
    assert code == 0
    assert json.loads(out) == {"compatible": True, "level": "BACKWARD", "incompatibilities": []}


def test_forward_level_and_none(files: dict[str, Path]) -> None:
    # v1 (old reader) cannot read v2's long as int
    code, out = run("--level", "FORWARD", files["v2"], files["v1"])
    assert code == 1
    assert "TYPE_MISMATCH at /fields/0/type" in out
    assert run("--level", "NONE", files["v3"], files["v1"])[0] == 0


def test_no_previous_version_is_compatible(files: dict[str, Path]) -> None:
    code, out = run(files["v3"])
    assert code == 0
    assert "against 0 previous versions" in out


def test_unknown_level_exits_2(files: dict[str, Path]) -> None:
    code, out = run("--level", "SIDEWAYS", files["v2"], files["v1"])
    assert code == 2
    assert "unknown compatibility level 'SIDEWAYS'" in out


def test_missing_file_exits_2_naming_it(files: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "nope.avsc"
    code, out = run(files["v2"], missing)
    assert code == 2
    assert f"{missing}: file not found" in out


def test_invalid_json_exits_2_with_file_line_col(tmp_path: Path, files: dict[str, Path]) -> None:
    bad = tmp_path / "bad.avsc"
    bad.write_text('{"type": "record",\n  "name": }')
    code, out = run(bad, files["v1"])
    assert code == 2
    assert f"{bad}:2:11: invalid JSON" in out


def test_invalid_avro_exits_2_with_file_line_col(tmp_path: Path, files: dict[str, Path]) -> None:
    bad = tmp_path / "bad.avsc"
    bad.write_text(
        '{"type": "record", "name": "R", "fields": [\n  {"name": "a", "type": "integer"}]}'
    )
    code, out = run(files["v1"], bad)
    assert code == 2
    assert f"{bad}:2:25: unknown type 'integer'" in out


def test_missing_argument_is_usage_error_2() -> None:
    assert run()[0] == 2


def test_references_supply_shared_types(tmp_path: Path) -> None:
    shared = tmp_path / "Env.avsc"
    shared.write_text(
        '{"type": "record", "name": "c.Env", "fields": [{"name": "id", "type": "string"}]}'
    )
    old = tmp_path / "old.avsc"
    old.write_text('{"type": "record", "name": "c.E", "fields": [{"name": "env", "type": "Env"}]}')
    new = tmp_path / "new.avsc"
    new.write_text(
        '{"type": "record", "name": "c.E", "fields": [{"name": "env", "type": "Env"},'
        ' {"name": "n", "type": "int", "default": 0}]}'
    )
    assert run("--ref", shared, new, old)[0] == 0
    code, out = run(new, old)
    assert code == 2
    assert f"{new}:1:70: unknown type 'c.Env'" in out


def test_registered_under_eventflow_schema(files: dict[str, Path]) -> None:
    from eventflow.cli import main

    result = CliRunner().invoke(main, ["schema", "compat", str(files["v3"]), str(files["v1"])])
    assert result.exit_code == 1
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in result.output


def test_directory_and_non_utf8_files_exit_2(tmp_path: Path, files: dict[str, Path]) -> None:
    code, out = run(tmp_path, files["v1"])
    assert code == 2
    assert f"{tmp_path}: is a directory" in out
    latin = tmp_path / "latin.avsc"
    latin.write_bytes(b'{"type": "enum", "name": "E", "symbols": ["\xe9"]}')
    code, out = run(latin, files["v1"])
    assert code == 2
    assert f"{latin}: not UTF-8 text" in out


def test_references_in_any_order_and_a_broken_reference_is_reported(tmp_path: Path) -> None:
    money = tmp_path / "Money.avsc"
    money.write_text(
        '{"type": "record", "name": "c.Money", "fields": [{"name": "cur", "type": "Cur"}]}'
    )
    cur = tmp_path / "Cur.avsc"
    cur.write_text('{"type": "enum", "name": "c.Cur", "symbols": ["EUR"]}')
    event = tmp_path / "e.avsc"
    event.write_text(
        '{"type": "record", "name": "c.E", "fields": [{"name": "m", "type": "Money"}]}'
    )
    assert run("--ref", money, "--ref", cur, event, event)[0] == 0
    broken = tmp_path / "Broken.avsc"
    broken.write_text(
        '{"type": "record", "name": "c.B", "fields": [{"name": "x", "type": "Nope"}]}'
    )
    code, out = run("--ref", broken, "--ref", cur, event)
    assert code == 2
    assert f"{broken}:1:68: unknown type 'c.Nope'" in out


BAD_DEFAULT = (
    '{"type": "record", "name": "R", "fields": [\n'
    '  {"name": "a", "type": "int", "default": "one"}]}'
)


def test_earlier_versions_are_never_judged_on_their_defaults(tmp_path: Path) -> None:
    old, new = tmp_path / "old.avsc", tmp_path / "new.avsc"
    old.write_text(BAD_DEFAULT)
    new.write_text(V1)
    code, out = run(new, old)
    assert code == 0, out


def test_new_schema_defaults_are_validated_unless_told_not_to(tmp_path: Path) -> None:
    old, new = tmp_path / "old.avsc", tmp_path / "new.avsc"
    old.write_text(V1)
    new.write_text(BAD_DEFAULT)
    code, out = run(new, old)
    assert code == 2
    assert f"{new}:2:" in out and "invalid default for field 'a'" in out
    code, out = run("--no-validate-defaults", new, old)
    assert code == 0, out
