"""``eventflow schema diff OLD.rules.yaml NEW.rules.yaml``: changes between two rule sets."""

from __future__ import annotations

import json

import yaml

from eventflow.cli._render import console
from eventflow.contracts import (
    DataContract,
    DataContractError,
    canonical_rule_set,
    contract_changes,
)
from eventflow.workspace import WorkspaceError

RULE_FILE_SUFFIXES = (".rules.yaml", ".rules.yml", ".rules.json")


def is_rules_file(spec: str) -> bool:
    return spec.endswith(RULE_FILE_SUFFIXES)


def load_rule_set(text: str, label: str) -> DataContract:
    """A Confluent rule set file (YAML or JSON) as a contract without metadata."""
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise WorkspaceError(f"{label}:{line}: not valid YAML: {exc.problem}") from exc
    try:
        return DataContract({}, canonical_rule_set(doc if doc is not None else {}))
    except DataContractError as exc:
        raise WorkspaceError(f"{label}: {exc}") from exc


def print_rule_changes(old: DataContract, new: DataContract, fmt: str) -> None:
    changes = contract_changes(old, new)
    if fmt == "json":
        console.print(json.dumps({"changes": changes}, indent=2), markup=False, soft_wrap=True)
        return
    for line in changes or ["no rule changes"]:
        console.print(line, markup=False, soft_wrap=True)
