"""``eventflow schema register`` and ``schema pull`` against real registries."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from eventflow.cli import main
from tests.fixtures.registry import RegistryProcess

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "avro"
    shutil.copytree(REPO / "schemas" / "avro", target)
    return target


@pytest.fixture
def fresh_registry(tmp_path):
    server = RegistryProcess(tmp_path / "srv", file=tmp_path / "srv" / "schemas.log")
    yield server.url
    server.stop()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_register_creates_then_is_idempotent_and_sets_levels(workspace, fresh_registry):
    dry = run(
        "schema", "register", "--registry", fresh_registry, "--dir", str(workspace), "--dry-run"
    )
    assert dry.exit_code == 0, dry.output
    assert "would create" in dry.output and "dry run: nothing changed" in dry.output
    assert httpx.get(f"{fresh_registry}/subjects").json() == []

    first = run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace))
    assert first.exit_code == 0, first.output
    subjects = httpx.get(f"{fresh_registry}/subjects").json()
    assert "com.eventflow.common.Envelope" in subjects
    assert "events.raw.v1-com.eventflow.events.OrderPlaced" in subjects
    assert "events.dlq.v1-value" in subjects
    assert "created" in first.output and "level set" in first.output
    raw = httpx.get(
        f"{fresh_registry}/subjects/events.raw.v1-com.eventflow.events.OrderPlaced/versions/1"
    ).json()
    assert {
        "name": "com.eventflow.common.Envelope",
        "subject": "com.eventflow.common.Envelope",
        "version": 1,
    } in raw["references"]
    validated = httpx.get(
        f"{fresh_registry}/subjects/events.validated.v1-com.eventflow.events.OrderPlaced/versions/1"
    ).json()
    assert validated["id"] == raw["id"]  # same record on every stage: one id (ADR 0002)
    env_level = httpx.get(f"{fresh_registry}/config/com.eventflow.common.Envelope").json()
    assert env_level == {"compatibilityLevel": "FULL_TRANSITIVE"}
    # the event type's data contract from git: metadata, CEL domain rules, compatibility group
    assert raw["metadata"] == {"properties": {"major_version": "1", "owner": "orders-team"}}
    rules = {r["name"]: r for r in raw["ruleSet"]["domainRules"]}
    assert rules["order_total_positive"]["expr"] == "message.payload.total >= decimal('0.01')"
    assert all(r["type"] == "CEL" and r["mode"] == "WRITE" for r in rules.values())
    order_config = httpx.get(
        f"{fresh_registry}/config/events.raw.v1-com.eventflow.events.OrderPlaced"
    ).json()
    assert order_config == {
        "compatibilityGroup": "major_version",
        "compatibilityLevel": "BACKWARD_TRANSITIVE",
    }

    again = run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace))
    assert again.exit_code == 0, again.output
    assert "created" not in again.output.replace("0 created", "")
    assert "level set" not in again.output
    assert f"{len(subjects)} unchanged" in again.output


def test_incompatible_change_exits_1_and_registers_nothing_for_it(workspace, fresh_registry):
    assert (
        run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace)).exit_code
        == 0
    )
    path = workspace / "events" / "UserRegistered.avsc"
    doc = json.loads(path.read_text())
    doc["fields"][1]["type"]["fields"].append({"name": "phone", "type": "string"})
    path.write_text(json.dumps(doc, indent=2))
    result = run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace))
    assert result.exit_code == 1, result.output
    assert "INCOMPATIBLE" in result.output and "UserRegistered" in result.output
    # per subject: file:line, the rule, the hint, who must upgrade first; no raw dicts, no schema
    spot = re.search(r"/events/UserRegistered\.avsc:(\d+):\d+: ", result.output)
    assert spot is not None, result.output
    text = path.read_text().splitlines()
    assert "phone" in " ".join(text[int(spot[1]) - 1 : int(spot[1]) + 1])  # the new field
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in result.output
    assert "(hint: give field 'phone' a default" in result.output
    assert (
        "who must upgrade first: BACKWARD_TRANSITIVE: consumers upgrade first (they read old "
        "and new data), then producers; this change: it only works with producers upgrading "
        "first"
    ) in result.output
    assert result.output.count("events.raw.v1-com.eventflow.events.UserRegistered") == 1
    assert "errorType" not in result.output and "oldSchema" not in result.output
    assert '"namespace"' not in result.output  # the old schema is not dumped
    versions = httpx.get(
        f"{fresh_registry}/subjects/events.raw.v1-com.eventflow.events.UserRegistered/versions"
    ).json()
    assert versions == [1]

    doc["fields"][1]["type"]["fields"][-1]["default"] = ""
    path.write_text(json.dumps(doc, indent=2))
    fixed = run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace))
    assert fixed.exit_code == 0, fixed.output
    assert httpx.get(
        f"{fresh_registry}/subjects/events.raw.v1-com.eventflow.events.UserRegistered/versions"
    ).json() == [1, 2]


def test_register_on_the_suite_registry_then_nothing_left_to_do(registry_url):
    first = run(
        "schema", "register", "--registry", registry_url, "--dir", str(REPO / "schemas" / "avro")
    )
    assert first.exit_code == 0, first.output
    second = run(
        "schema", "register", "--registry", registry_url, "--dir", str(REPO / "schemas" / "avro")
    )
    assert second.exit_code == 0, second.output
    assert "created" not in second.output.replace("0 created", "")


def test_pull_downloads_every_version(workspace, fresh_registry, tmp_path):
    run("schema", "register", "--registry", fresh_registry, "--dir", str(workspace))
    subject = "events.raw.v1-com.eventflow.events.OrderPlaced"
    out = tmp_path / "pulled"
    result = run("schema", "pull", subject, "--out", str(out), "--registry", fresh_registry)
    assert result.exit_code == 0, result.output
    folder = out / subject
    assert json.loads((folder / "v1.avsc").read_text())["name"] == "OrderPlaced"
    refs = json.loads((folder / "v1.references.json").read_text())
    assert any(r["subject"] == "com.eventflow.common.Envelope" for r in refs)
    meta = json.loads((folder / "versions.json").read_text())
    assert [v["version"] for v in meta["versions"]] == [1]


def test_bad_input_exits_2_and_unreachable_registry_exits_3(workspace, tmp_path):
    closed = {"EVENTFLOW_REGISTRY__URL": "", "EVENTFLOW_REGISTRY_SERVER__PORT": "9"}
    default = CliRunner().invoke(
        main, ["schema", "register", "--dir", str(workspace)], env=closed, catch_exceptions=False
    )
    assert default.exit_code == 3 and "127.0.0.1:9" in default.output  # the local dev registry
    (workspace / "manifest.yaml").write_text("pipeline_topics: [\n")
    bad = run("schema", "register", "--registry", "http://127.0.0.1:9", "--dir", str(workspace))
    assert bad.exit_code == 2 and "manifest.yaml" in bad.output
    shutil.copy(REPO / "schemas" / "avro" / "manifest.yaml", workspace / "manifest.yaml")
    down = run("schema", "register", "--registry", "http://127.0.0.1:9", "--dir", str(workspace))
    assert down.exit_code == 3 and "did not answer" in down.output
    missing = run(
        "schema", "pull", "nope-value", "--registry", "http://127.0.0.1:9", "--out", str(tmp_path)
    )
    assert missing.exit_code == 3
