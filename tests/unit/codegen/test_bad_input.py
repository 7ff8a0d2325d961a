"""Schemas codegen cannot express fail with one clear line naming the file; nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eventflow.cli._codegen import codegen
from eventflow.cli._context import CliContext
from eventflow.codegen import CodegenError, run_codegen
from eventflow.config import Settings
from tests.unit.codegen.helpers import record, write_contracts

ID = {"name": "id", "type": "string"}


def contracts(
    tmp_path: Path,
    event: dict[str, Any],
    shared: dict[str, Any] | None = None,
    file: str = "events/Ev.avsc",
) -> Path:
    return write_contracts(tmp_path / "schemas", (file, "id", event), shared or {})


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (
            record("Ev", ID, {"name": "class", "type": "int"}),
            "field Ev.class 'class' is a Python keyword",
        ),
        (
            record("Ev", ID, {"name": "to_avro_dict", "type": "int"}),
            "field Ev.to_avro_dict is reserved",
        ),
        (
            record(
                "Ev",
                ID,
                {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "None"]}},
            ),
            "symbol E.None 'None' is a Python keyword",
        ),
        (
            record("Ev", ID, {"name": "r", "type": record("lambda", ID)}),
            "'lambda' is a Python keyword",
        ),
        (
            record(
                "Ev",
                ID,
                {"name": "a", "type": record("Item", ID)},
                {"name": "b", "type": record("Item", ID, namespace="other")},
            ),
            "type other.Item clashes with t.Item",
        ),
    ],
    ids=["keyword-field", "reserved-field", "keyword-symbol", "keyword-type", "clash-in-file"],
)
def test_inexpressible_schema_names_the_file(tmp_path, event, words):
    root = contracts(tmp_path, event)
    with pytest.raises(CodegenError) as err:
        run_codegen(root, tmp_path / "out", check=False)
    message = str(err.value)
    assert message.startswith("events/Ev.avsc: "), message
    assert words in message
    assert "\n" not in message
    assert not (tmp_path / "out").exists()


def test_field_named_like_a_class_is_refused(tmp_path):
    event = record("Ev", ID, {"name": "Item", "type": record("Item", ID)})
    with pytest.raises(
        CodegenError, match=r"events/Ev\.avsc: field Ev\.Item has the name of the class"
    ):
        run_codegen(contracts(tmp_path, event), tmp_path / "out", check=False)
    assert not (tmp_path / "out").exists()


def test_clash_between_files_names_both(tmp_path):
    shared = {"shared/Item.avsc": record("Item", ID, namespace="s")}
    event = record(
        "Ev", ID, {"name": "a", "type": "s.Item"}, {"name": "b", "type": record("Item", ID)}
    )
    root = contracts(tmp_path, event, shared)
    with pytest.raises(
        CodegenError,
        match=r"events/Ev\.avsc: type t\.Item clashes with s\.Item \(shared/Item\.avsc\)",
    ):
        run_codegen(root, tmp_path / "out", check=False)


def test_module_name_clash_between_files(tmp_path):
    shared = {"shared/Ev.avsc": record("Other", ID, namespace="s")}
    event = record("Ev", ID, {"name": "o", "type": "s.Other"})
    root = contracts(tmp_path, event, shared)
    with pytest.raises(CodegenError, match=r"module name 'ev' clashes with shared/Ev\.avsc"):
        run_codegen(root, tmp_path / "out", check=False)


def test_cli_exits_2_and_leaves_existing_package_untouched(tmp_path):
    good = contracts(tmp_path / "good", record("Ev", ID))
    out = tmp_path / "out"
    run_codegen(good, out, check=False)
    before = {p.name: p.read_text() for p in out.iterdir()}
    bad = contracts(tmp_path / "bad", record("Ev", ID, {"name": "def", "type": "int"}))
    result = CliRunner().invoke(
        codegen, ["--schemas", str(bad), "--out", str(out)], obj=CliContext(Settings())
    )
    assert result.exit_code == 2, result.output
    assert "events/Ev.avsc" in result.output and "'def' is a Python keyword" in result.output
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_invalid_schema_file_exits_2(tmp_path):
    root = contracts(tmp_path, record("Ev", ID))
    (root / "events/Ev.avsc").write_text('{"type": "record", "name": "Ev", "fields": [}')
    result = CliRunner().invoke(
        codegen, ["--schemas", str(root), "--out", str(tmp_path / "o")], obj=CliContext(Settings())
    )
    assert result.exit_code == 2
    assert "Ev.avsc" in result.output
    assert not (tmp_path / "o").exists()
