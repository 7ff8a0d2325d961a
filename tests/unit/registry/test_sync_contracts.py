"""Registering event subjects with their data contract (in-process registry, toy engine)."""

from __future__ import annotations

from eventflow.contracts._data_contract import DataContract
from eventflow.registry._sync import _sync_one
from tests.unit.registry.fakes import record

RULES = {
    "domainRules": [
        {
            "name": "r",
            "kind": "CONDITION",
            "mode": "WRITE",
            "type": "CEL",
            "expr": "true",
            "disabled": False,
        }
    ]
}


def contract(major: str) -> DataContract:
    return DataContract({"properties": {"major_version": major, "owner": "o"}}, RULES)


def test_contract_registered_with_group_and_a_break_needs_a_new_major(harness):
    client = harness.client()
    created = _sync_one(
        client, "s", record("A", "a", "b"), [], "BACKWARD", dry_run=False, contract=contract("1")
    )
    assert created.action == "created"
    latest = client.get_version("s")
    assert latest.metadata == contract("1").metadata and latest.rule_set == RULES
    assert client.get_config("s")["compatibilityGroup"] == "major_version"
    broken = _sync_one(
        client, "s", record("A", "a"), [], "BACKWARD", dry_run=False, contract=contract("1")
    )
    assert broken.action == "incompatible"
    bumped = _sync_one(
        client, "s", record("A", "a"), [], "BACKWARD", dry_run=False, contract=contract("2")
    )
    assert bumped.action == "created"


def test_the_first_contract_version_is_checked_against_versions_without_one(harness):
    client = harness.client()
    client.register("s", record("A", "a", "b"))  # registered before contracts existed
    dropped = _sync_one(
        client, "s", record("A", "a"), [], "BACKWARD", dry_run=False, contract=contract("1")
    )
    assert dropped.action == "incompatible"
    kept = _sync_one(
        client,
        "s",
        record("A", "a", "b", "c"),
        [],
        "BACKWARD",
        dry_run=False,
        contract=contract("1"),
    )
    assert kept.action == "created"
