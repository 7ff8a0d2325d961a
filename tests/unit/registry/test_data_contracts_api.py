"""Data contracts over the REST API in-process: metadata, rule sets, config keys, groups.

Each expectation is Confluent's behaviour (KafkaSchemaRegistry.register /
maybeSetMetadataRuleSet / isCompatibleWithPrevious / ConfigValue.update).
"""

from __future__ import annotations

from tests.unit.registry.conftest import Harness
from tests.unit.registry.fakes import record

RULE = {
    "name": "amountPositive",
    "kind": "CONDITION",
    "mode": "WRITE",
    "type": "CEL",
    "expr": "message.amount > 0",
    "onFailure": "DLQ",
}
STORED_RULE = {**RULE, "disabled": False}


def post(h, subject, **body):
    return h.http.post(f"/subjects/{subject}/versions", json=body)


def latest(h, subject):
    return h.http.get(f"/subjects/{subject}/versions/latest").json()


def test_metadata_and_rules_are_stored_and_served_on_every_read(harness):
    metadata = {
        "properties": {"owner": "payments", "major_version": "1"},
        "tags": {"amount": ["PII", "FINANCE"]},
    }
    r = post(
        harness, "s", schema=record("A", "a"), metadata=metadata, ruleSet={"domainRules": [RULE]}
    )
    assert r.status_code == 200, r.text
    schema_id = r.json()["id"]
    expected_md = {
        "properties": {"major_version": "1", "owner": "payments"},
        "tags": {"amount": ["FINANCE", "PII"]},
    }
    for got in (
        latest(harness, "s"),
        harness.http.get("/subjects/s/versions/1").json(),
        harness.http.get(f"/schemas/ids/{schema_id}").json(),
        harness.http.post("/subjects/s", json={"schema": record("A", "a")}).json(),
        harness.http.get(
            "/subjects/s/metadata", params={"key": "owner", "value": "payments"}
        ).json(),
    ):
        assert got["metadata"] == expected_md
        assert got["ruleSet"] == {"domainRules": [STORED_RULE]}


def test_same_text_with_other_rules_is_a_new_version_and_id(harness):
    first = post(harness, "s", schema=record("A", "a")).json()["id"]
    assert post(harness, "s", schema=record("A", "a")).json()["id"] == first
    second = post(harness, "s", schema=record("A", "a"), ruleSet={"domainRules": [RULE]})
    assert second.json()["id"] != first
    assert harness.http.get("/subjects/s/versions").json() == [1, 2]
    # the same text again, without rules: the latest version's rules are carried over
    assert post(harness, "s", schema=record("A", "a")).json()["id"] == second.json()["id"]
    assert harness.http.get("/subjects/s/versions").json() == [1, 2]


def test_metadata_and_rules_carry_over_to_the_next_version(harness):
    post(
        harness,
        "s",
        schema=record("A", "a"),
        metadata={"properties": {"owner": "x"}},
        ruleSet={"domainRules": [RULE]},
    )
    post(harness, "s", schema=record("A", "a", "b"))
    got = latest(harness, "s")
    assert got["version"] == 2
    assert got["metadata"] == {"properties": {"owner": "x"}}
    assert got["ruleSet"] == {"domainRules": [STORED_RULE]}
    # an empty schema re-registers the latest text with the new contract
    other = {**RULE, "name": "other", "expr": "message.a != ''"}
    r = post(harness, "s", ruleSet={"domainRules": [other]})
    assert r.status_code == 200, r.text
    got = latest(harness, "s")
    v2 = harness.http.get("/subjects/s/versions/2").json()
    assert (got["version"], got["schema"]) == (3, v2["schema"])
    assert [rule["name"] for rule in got["ruleSet"]["domainRules"]] == ["other"]


def test_config_defaults_and_overrides_merge_as_confluent(harness):
    r = harness.http.put(
        "/config/s",
        json={
            "defaultMetadata": {"properties": {"owner": "default", "tier": "gold"}},
            "overrideMetadata": {"properties": {"tier": "platinum"}},
            "defaultRuleSet": {"domainRules": [RULE]},
            "overrideRuleSet": {"domainRules": [{**RULE, "name": "forced", "expr": "true"}]},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["overrideMetadata"] == {"properties": {"tier": "platinum"}}
    post(harness, "s", schema=record("A", "a"), metadata={"properties": {"owner": "me"}})
    got = latest(harness, "s")
    assert got["metadata"]["properties"] == {"owner": "me", "tier": "platinum"}
    assert [rule["name"] for rule in got["ruleSet"]["domainRules"]] == ["amountPositive", "forced"]
    config = harness.http.get("/config/s").json()
    assert config["defaultRuleSet"] == {"domainRules": [STORED_RULE]}
    assert "compatibilityLevel" not in config
    # a PUT changes only what it names; an explicit null clears
    harness.http.put("/config/s", json={"compatibility": "FULL", "overrideMetadata": None})
    config = harness.http.get("/config/s").json()
    assert config["compatibilityLevel"] == "FULL" and "overrideMetadata" not in config
    assert config["defaultMetadata"] == {"properties": {"owner": "default", "tier": "gold"}}


def test_compatibility_is_checked_only_within_the_compatibility_group(harness):
    harness.http.put("/config/s", json={"compatibilityGroup": "major_version"})
    v1 = {"properties": {"major_version": "1"}}
    post(harness, "s", schema=record("A", "a", "b"), metadata=v1)
    refused = post(harness, "s", schema=record("A", "a"), metadata=v1)
    assert refused.status_code == 409
    v2 = {"properties": {"major_version": "2"}}
    accepted = post(harness, "s", schema=record("A", "a"), metadata=v2)
    assert accepted.status_code == 200, accepted.text
    assert harness.http.get("/config/s").json() == {"compatibilityGroup": "major_version"}
    check = harness.http.post(
        "/compatibility/subjects/s/versions", json={"schema": record("A", "z"), "metadata": v2}
    )
    assert check.json() == {"is_compatible": False}
    # the metadata carried over keeps later versions of v2 in group 2
    assert post(harness, "s", schema=record("A", "a", "c")).status_code == 200
    assert latest(harness, "s")["metadata"] == v2


def test_latest_with_metadata_picks_the_newest_match(harness):
    harness.http.put("/config/s", json={"compatibility": "NONE"})
    for major, name in (("1", "a"), ("1", "b"), ("2", "c")):
        post(
            harness,
            "s",
            schema=record("A", name),
            metadata={"properties": {"major_version": major, "owner": "o"}},
        )
    got = harness.http.get("/subjects/s/metadata?key=major_version&value=1&key=owner&value=o")
    assert got.json()["version"] == 2
    assert (
        harness.http.get("/subjects/s/metadata?key=major_version&value=3").json()["error_code"]
        == 40403
    )
    assert harness.http.get("/subjects/t/metadata?key=a&value=b").json()["error_code"] == 40401


def test_invalid_rule_sets_get_confluent_code_42210(harness):
    bad = [
        {"domainRules": [{**RULE, "name": "1starts-with-digit"}]},
        {"domainRules": [RULE, RULE]},
        {"domainRules": [{**RULE, "mode": "UPGRADE"}]},
        {"migrationRules": [{**RULE, "mode": "WRITE"}]},
        {"domainRules": [{k: v for k, v in RULE.items() if k != "type"}]},
    ]
    for rule_set in bad:
        r = post(harness, "s", schema=record("A", "a"), ruleSet=rule_set)
        assert (r.status_code, r.json()["error_code"]) == (422, 42210), rule_set
        r = harness.http.put("/config/s", json={"defaultRuleSet": rule_set})
        assert r.json()["error_code"] == 42210
    assert harness.http.get("/subjects").json() == []


def test_contracts_and_configs_survive_a_restart(harness):
    harness.http.put(
        "/config/s",
        json={
            "compatibilityGroup": "major_version",
            "defaultMetadata": {"properties": {"owner": "x"}},
        },
    )
    post(harness, "s", schema=record("A", "a"), ruleSet={"domainRules": [RULE]})
    before = latest(harness, "s")
    harness.close()
    again = Harness(harness.path)
    try:
        assert latest(again, "s") == before
        assert again.http.get("/config/s").json()["compatibilityGroup"] == "major_version"
        assert before["metadata"] == {"properties": {"owner": "x"}}
    finally:
        again.close()
