"""Migration rules (JSONata) declared in a rules file: validated with file and line, reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventflow.cli import main
from eventflow.contracts import DataContract, contract_changes, declared_contract
from eventflow.contracts._migration_rules import migration_summary
from eventflow.workspace import WorkspaceError, load_workspace
from tests.unit.workspace.git_helpers import SCHEMAS

UPGRADE = (
    "$exists(email) ? $merge([$sift($, function($v, $k) {$k != 'email'}), "
    "{'email_address': email}]) : $"
)
DOWNGRADE = (
    "$exists(email_address) ? $merge([$sift($, function($v, $k) {$k != 'email_address'}), "
    "{'email': email_address}]) : $"
)

MIGRATION_YAML = """
migrationRules:
  - name: email_renamed_up
    kind: TRANSFORM
    mode: UPGRADE
    type: JSONATA
    expr: {up}
  - name: email_renamed_down
    kind: TRANSFORM
    mode: DOWNGRADE
    type: JSONATA
    expr: |
{down}
"""


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    target = tmp_path / "avro"
    shutil.copytree(SCHEMAS, target)
    return target


def _append_migration(root: Path, up: str, down_lines: list[str]) -> Path:
    rules = root / "events/UserRegistered.rules.yaml"
    down = "\n".join(f"      {line}" for line in down_lines)
    rules.write_text(rules.read_text() + MIGRATION_YAML.format(up=f'"{up}"', down=down))
    return rules


def test_valid_migration_rules_load_with_the_contract(schemas_copy: Path) -> None:
    _append_migration(schemas_copy, UPGRADE, [DOWNGRADE])
    ws = load_workspace(schemas_copy)
    rules = (ws.contracts["user.registered"].rule_set or {})["migrationRules"]
    assert [(r["name"], r["mode"], r["type"]) for r in rules] == [
        ("email_renamed_up", "UPGRADE", "JSONATA"),
        ("email_renamed_down", "DOWNGRADE", "JSONATA"),
    ]
    assert rules[0]["expr"] == UPGRADE
    assert rules[1]["expr"] == DOWNGRADE + "\n"
    # the domain rules of the same file are still there
    assert (ws.contracts["user.registered"].rule_set or {})["domainRules"]


def test_bad_jsonata_names_the_file_the_line_and_the_rule(schemas_copy: Path) -> None:
    rules = _append_migration(schemas_copy, UPGRADE, ["$merge([$,", "  {'email': }])"])
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(schemas_copy)
    message = str(caught.value)
    bad_line = rules.read_text().splitlines().index("        {'email': }])") + 1
    assert f"events/UserRegistered.rules.yaml:{bad_line}:" in message
    assert "Rule 'email_renamed_down': expr is not valid JSONata" in message
    assert "S0211" in message  # jsonata's own error code


def test_bad_jsonata_on_one_line_names_that_line(schemas_copy: Path) -> None:
    rules = _append_migration(schemas_copy, "$merge([$, {'a': 1}]", [DOWNGRADE])
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(schemas_copy)
    lines = rules.read_text().splitlines()
    expr_line = next(i for i, t in enumerate(lines, 1) if t.startswith('    expr: "$merge'))
    assert f"UserRegistered.rules.yaml:{expr_line}: Rule 'email_renamed_up'" in str(caught.value)


def test_a_migration_rule_must_be_a_transform(schemas_copy: Path) -> None:
    rules = _append_migration(schemas_copy, UPGRADE, [DOWNGRADE])
    text = rules.read_text().replace(
        "  - name: email_renamed_up\n    kind: TRANSFORM",
        "  - name: email_renamed_up\n    kind: CONDITION",
    )
    rules.write_text(text)
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(schemas_copy)
    kind_line = text.splitlines().index("  - name: email_renamed_up") + 2
    assert f"UserRegistered.rules.yaml:{kind_line}:" in str(caught.value)
    assert "must be a TRANSFORM" in str(caught.value)


def test_a_migration_rule_in_a_domain_mode_is_refused_with_the_rule_line(
    schemas_copy: Path,
) -> None:
    rules = _append_migration(schemas_copy, UPGRADE, [DOWNGRADE])
    rules.write_text(rules.read_text().replace("mode: UPGRADE", "mode: WRITE"))
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(schemas_copy)
    assert "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN" in str(caught.value)
    assert "UserRegistered.rules.yaml" in str(caught.value)


def test_contract_changes_report_migration_rules() -> None:
    rule = {"name": "up", "kind": "TRANSFORM", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"}
    before = declared_contract("team", 1, {})
    after = declared_contract("team", 2, {"migrationRules": [rule]})
    changed = declared_contract("team", 2, {"migrationRules": [{**rule, "expr": "$ ~> |$|{}|"}]})
    assert contract_changes(before, after) == [
        "metadata major_version: 1 -> 2",
        "migration rule up added (UPGRADE JSONATA): $",
    ]
    assert contract_changes(after, changed) == [
        "migration rule up changed: expr '$' -> '$ ~> |$|{}|'"
    ]
    assert contract_changes(after, before)[-1] == "migration rule up removed"


def test_the_summary_says_what_old_consumers_can_do() -> None:
    both = {
        "migrationRules": [
            {"name": "u", "kind": "TRANSFORM", "mode": "UPGRADE", "type": "JSONATA", "expr": "$"},
            {"name": "d", "kind": "TRANSFORM", "mode": "DOWNGRADE", "type": "JSONATA", "expr": "$"},
        ]
    }
    contract = declared_contract("team", 2, both)
    assert migration_summary(contract.rule_set) == (
        "migration rules: UPGRADE u (readers of the new major read old records); "
        "DOWNGRADE d (readers pinned to the old major read new records)"
    )
    none = migration_summary(DataContract({}).rule_set)
    assert "no UPGRADE rule" in none
    assert "no DOWNGRADE rule" in none and "must upgrade before any producer switches" in none


def test_schema_diff_of_two_rules_files_lists_migration_rules(tmp_path: Path) -> None:
    old = tmp_path / "old.rules.yaml"
    new = tmp_path / "new.rules.yaml"
    bad = tmp_path / "bad.rules.yaml"
    old.write_text("domainRules: []\n")
    rule = (
        "migrationRules:\n  - name: up\n    kind: TRANSFORM\n    mode: UPGRADE\n    type: JSONATA\n"
    )
    new.write_text(rule + f'    expr: "{UPGRADE}"\n')
    bad.write_text(rule + "    expr: \"$merge([$, {'a': }])\"\n")
    result = CliRunner().invoke(main, ["schema", "diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert f"migration rule up added (UPGRADE JSONATA): {UPGRADE}" in result.output
    refused = CliRunner().invoke(main, ["schema", "diff", str(old), str(bad)])
    assert refused.exit_code == 2, refused.output
    assert f"{bad}:6: Rule 'up': expr is not valid JSONata" in refused.output
