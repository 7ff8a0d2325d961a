"""``eventflow schema diff OLD.rules.yaml NEW.rules.yaml``: changes between two rule sets."""

from __future__ import annotations

import json

from eventflow.cli._render import console
from eventflow.contracts import (
    DataContract,
    DataContractError,
    contract_changes,
    parse_rules_file,
)
from eventflow.workspace import WorkspaceError

RULE_FILE_SUFFIXES = (".rules.yaml", ".rules.yml", ".rules.json")


def is_rules_file(spec: str) -> bool:
    return spec.endswith(RULE_FILE_SUFFIXES)


def load_rule_set(text: str, label: str) -> DataContract:
    """A rules file (YAML or JSON: Confluent's rule set and EventFlow's code rules) as a
    contract without metadata."""
    try:
        rules = parse_rules_file(text, label)
    except DataContractError as exc:
        raise WorkspaceError(str(exc)) from exc
    return DataContract({}, rules.rule_set or {}, rules.code_rules)


def print_rule_changes(old: DataContract, new: DataContract, fmt: str) -> None:
    changes = contract_changes(old, new)
    if fmt == "json":
        console.print(json.dumps({"changes": changes}, indent=2), markup=False, soft_wrap=True)
        return
    for line in changes or ["no rule changes"]:
        console.print(line, markup=False, soft_wrap=True)
