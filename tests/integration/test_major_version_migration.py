"""An intentional breaking change on the real registry (ADR 0010): compatibility groups and
JSONata migration rules.

The contracts are a copy of ours in a temporary folder (nothing under schemas/avro changes):
``user.registered`` v2 renames ``payload.email`` to ``payload.email_address`` (a break),
bumps ``major_version`` to 2 and declares UPGRADE and DOWNGRADE JSONata migration rules in
its rules file. ``eventflow schema register`` registers both majors; ``eventflow schema check
--registry`` compares a candidate only with the versions of its own group; Confluent's own
``AvroSerializer``/``AvroDeserializer`` with ``use.latest.with.metadata`` read a v1 record as
v2 and a v2 record as v1 through the registered migration rules.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

from eventflow.cli import main
from tests.fixtures.registry import RegistryProcess

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SUBJECT = "events.raw.v1-com.eventflow.events.UserRegistered"
UPGRADE = (
    "$exists(payload.email) ? $merge([$, {'payload': $merge([$sift(payload, "
    "function($v, $k) {$k != 'email'}), {'email_address': payload.email}])}]) : $"
)
DOWNGRADE = (
    "$exists(payload.email_address) ? $merge([$, {'payload': $merge([$sift(payload, "
    "function($v, $k) {$k != 'email_address'}), {'email': payload.email_address}])}]) : $"
)
V2_RULES = f"""\
domainRules:
  - name: user_email_address_present
    kind: CONDITION
    mode: WRITE
    type: CEL
    expr: size(message.payload.email_address) > 3
    onFailure: ERROR
migrationRules:
  - name: email_renamed_up
    doc: a v1 record read as v2
    kind: TRANSFORM
    mode: UPGRADE
    type: JSONATA
    expr: "{UPGRADE}"
  - name: email_renamed_down
    doc: a v2 record read as v1
    kind: TRANSFORM
    mode: DOWNGRADE
    type: JSONATA
    expr: "{DOWNGRADE}"
"""


@pytest.fixture
def registry(tmp_path: Path):
    server = RegistryProcess(tmp_path / "srv", file=tmp_path / "srv" / "schemas.log")
    yield server.url
    server.stop()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "avro"
    shutil.copytree(REPO / "schemas" / "avro", target)
    return target


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def register(url: str, ws: Path):
    return run("schema", "register", "--registry", url, "--dir", str(ws))


def check(url: str, ws: Path):
    return run("schema", "check", "--registry", url, "--root", str(ws))


def _edit_user(ws: Path, old: str, new: str, *, major: int, level: str | None = None) -> None:
    """Rename a payload field of UserRegistered and set its major version (and level)."""
    avsc = ws / "events/UserRegistered.avsc"
    doc = json.loads(avsc.read_text())
    for f in doc["fields"][1]["type"]["fields"]:
        if f["name"] == old:
            f["name"] = new
    avsc.write_text(json.dumps(doc, indent=2))
    manifest = ws / "manifest.yaml"
    text = manifest.read_text()
    start = text.index("event_type: user.registered")
    end = text.index("- event_type:", start)
    entry = text[start:end]
    for n in range(1, 10):
        entry = entry.replace(f"major_version: {n}\n", f"major_version: {major}\n")
    if level is not None:
        entry = entry.replace("compatibility: BACKWARD_TRANSITIVE", f"compatibility: {level}")
    manifest.write_text(text[:start] + entry + text[end:])


def test_check_registry_compares_only_within_the_candidates_group(registry, workspace):
    original_rules = (workspace / "events/UserRegistered.rules.yaml").read_text()
    # BACKWARD (not transitive): only the latest version OF THE GROUP counts
    _edit_user(workspace, "email", "email", major=1, level="BACKWARD")
    assert register(registry, workspace).exit_code == 0

    _edit_user(workspace, "email", "email_address", major=1)
    refused = check(registry, workspace)
    assert refused.exit_code == 1, refused.output
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in refused.output

    _edit_user(workspace, "email_address", "email_address", major=2)
    bumped = check(registry, workspace)
    assert bumped.exit_code == 0, bumped.output
    assert "registry compatibilityGroup major_version" in bumped.output
    assert "major_version 2 starts a new compatibility group" in bumped.output
    assert "no DOWNGRADE rule" in bumped.output  # the rules file declares none yet
    (workspace / "events/UserRegistered.rules.yaml").write_text(V2_RULES)
    with_rules = check(registry, workspace)
    assert with_rules.exit_code == 0, with_rules.output
    assert "DOWNGRADE email_renamed_down (readers pinned to the old major" in with_rules.output
    assert "contract user.registered: migration rule email_renamed_down added" not in (
        with_rules.output
    )  # no --against: no git comparison

    created = register(registry, workspace)
    assert created.exit_code == 0, created.output
    registered = httpx.get(f"{registry}/subjects/{SUBJECT}/versions/2").json()
    assert registered["metadata"]["properties"]["major_version"] == "2"
    migration = {r["name"]: r for r in registered["ruleSet"]["migrationRules"]}
    assert migration["email_renamed_up"]["expr"] == UPGRADE
    assert migration["email_renamed_down"]["mode"] == "DOWNGRADE"

    # a fix on the major_version 1 line (v1 + an optional field): compatible with version 1,
    # not with version 2 (the latest, of group 2); the check and the registry take group 1
    _edit_user(workspace, "email_address", "email", major=1)
    (workspace / "events/UserRegistered.rules.yaml").write_text(original_rules)
    avsc = workspace / "events/UserRegistered.avsc"
    doc = json.loads(avsc.read_text())
    doc["fields"][1]["type"]["fields"].append(
        {"name": "phone", "type": ["null", "string"], "default": None, "doc": "Phone number."}
    )
    avsc.write_text(json.dumps(doc, indent=2))
    old_line = check(registry, workspace)
    assert old_line.exit_code == 0, old_line.output
    assert "registry version(s) 2 (major_version 2) are another group" in old_line.output
    body = {"schema": avsc.read_text(), "references": registered["references"]}
    compat = f"{registry}/compatibility/subjects/{SUBJECT}/versions?verbose=true"
    for major, expected in (("1", True), ("2", False)):
        body["metadata"] = {"properties": {"major_version": major, "owner": "identity-team"}}
        answer = httpx.post(compat, json=body).json()
        assert answer["is_compatible"] is expected, (major, answer)

    # within group 2 a break is still refused, against registry version 2
    _edit_user(workspace, "email", "email_address", major=2)
    (workspace / "events/UserRegistered.rules.yaml").write_text(V2_RULES)
    doc = json.loads(avsc.read_text())
    for f in doc["fields"][1]["type"]["fields"]:
        if f["name"] == "locale":
            f["type"] = "int"
    avsc.write_text(json.dumps(doc, indent=2))
    broken = check(registry, workspace)
    assert broken.exit_code == 1, broken.output
    assert "against registry version 2" in broken.output


def a_user(email_field: str) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    event_id = str(uuid.uuid4())
    return {
        "envelope": {
            "event_id": event_id,
            "event_type": "user.registered",
            "source": "migration-test",
            "occurred_at": now,
            "received_at": now,
            "correlation_id": event_id,
            "causation_id": None,
        },
        "payload": {
            "user_id": "u-1",
            email_field: "ada@example.com",
            "display_name": "Ada",
            "locale": "en-GB",
            "marketing_opt_in": False,
            "bio": None,
        },
        "validation": None,
        "enrichment": None,
    }


FIXTURE_SUBJECT = "it-migration-customers-value"
FLAT_UPGRADE = (
    "$exists(email) ? $merge([$sift($, function($v, $k) {$k != 'email'}), "
    "{'email_address': email}]) : $"
)
FLAT_DOWNGRADE = (
    "$exists(email_address) ? $merge([$sift($, function($v, $k) {$k != 'email_address'}), "
    "{'email': email_address}]) : $"
)


def customer_schema(email_field: str) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Customer",
            "namespace": "com.example.migration",
            "fields": [
                {"name": "customer_id", "type": "string"},
                {"name": email_field, "type": "string"},
                {"name": "vip", "type": "boolean", "default": False},
            ],
        }
    )


def _serde(client: SchemaRegistryClient, subject: str):
    def serializer(major: str) -> Any:
        return AvroSerializer(
            client,
            conf={
                "auto.register.schemas": False,
                "use.latest.with.metadata": {"major_version": major},
                "subject.name.strategy": lambda _ctx, _name: subject,
            },
        )

    def deserializer(major: str) -> Any:
        return AvroDeserializer(
            client,
            conf={
                "use.latest.with.metadata": {"major_version": major},
                "subject.name.strategy": lambda _ctx, _name: subject,
            },
        )

    return serializer, deserializer


def test_confluent_serde_reads_across_the_major_versions_through_migration_rules(registry):
    """A fixture subject without logical types (see the next test for why)."""
    base = f"{registry}/subjects/{FIXTURE_SUBJECT}/versions"
    put = httpx.put(
        f"{registry}/config/{FIXTURE_SUBJECT}",
        json={"compatibility": "BACKWARD_TRANSITIVE", "compatibilityGroup": "major_version"},
    )
    assert put.is_success, put.text
    v1 = {"schema": customer_schema("email"), "metadata": {"properties": {"major_version": "1"}}}
    assert httpx.post(base, json=v1).is_success
    rule_set = {
        "migrationRules": [
            {"name": n, "kind": "TRANSFORM", "mode": m, "type": "JSONATA", "expr": e}
            for n, m, e in (
                ("up", "UPGRADE", FLAT_UPGRADE),
                ("down", "DOWNGRADE", FLAT_DOWNGRADE),
            )
        ]
    }
    v2 = {"schema": customer_schema("email_address"), "ruleSet": rule_set}
    refused = httpx.post(base, json={**v2, "metadata": v1["metadata"]})
    assert refused.status_code == 409, refused.text  # the break without a bump
    v2["metadata"] = {"properties": {"major_version": "2"}}
    assert httpx.post(base, json=v2).is_success
    assert httpx.get(base).json() == [1, 2]

    JsonataExecutor.register()  # as an application does: the global rule registry
    serializer, deserializer = _serde(SchemaRegistryClient({"url": registry}), FIXTURE_SUBJECT)
    ctx = SerializationContext("it-migration-customers", MessageField.VALUE)
    v1_value = {"customer_id": "c-1", "email": "ada@example.com", "vip": True}
    v2_value = {"customer_id": "c-2", "email_address": "bob@example.com", "vip": False}
    v1_bytes, v2_bytes = serializer("1")(v1_value, ctx), serializer("2")(v2_value, ctx)
    ids = [httpx.get(f"{base}/{n}").json()["id"] for n in (1, 2)]
    assert [int.from_bytes(b[1:5], "big") for b in (v1_bytes, v2_bytes)] == ids

    assert deserializer("2")(v1_bytes, ctx) == {  # UPGRADE: v1 record, v2 reader
        "customer_id": "c-1",
        "email_address": "ada@example.com",
        "vip": True,
    }
    assert deserializer("1")(v2_bytes, ctx) == {  # DOWNGRADE: v2 record, v1 reader
        "customer_id": "c-2",
        "email": "bob@example.com",
        "vip": False,
    }
    assert deserializer("1")(v1_bytes, ctx) == v1_value  # same group: no migration
    assert deserializer("2")(v2_bytes, ctx) == v2_value


def test_confluent_python_cannot_migrate_records_with_logical_types(registry, workspace):
    """Finding (confluent-kafka-python 2.16.1 + jsonata-python 0.7.1): the deserializer hands
    the JSONata executor the record as fastavro decoded it, with uuid.UUID and datetime
    values, and jsonata-python refuses them ("Only JSON types ... are allowed"). Our events
    carry an Envelope with both, so Confluent's Python deserializer cannot migrate them; the
    registration by ``eventflow schema register`` and Confluent's writing are fine."""
    assert register(registry, workspace).exit_code == 0
    _edit_user(workspace, "email", "email_address", major=2)
    (workspace / "events/UserRegistered.rules.yaml").write_text(V2_RULES)
    created = register(registry, workspace)
    assert created.exit_code == 0, created.output
    assert httpx.get(f"{registry}/subjects/{SUBJECT}/versions").json() == [1, 2]

    CelExecutor.register()  # the domain rules run on write
    JsonataExecutor.register()
    serializer, deserializer = _serde(SchemaRegistryClient({"url": registry}), SUBJECT)
    ctx = SerializationContext("events.raw.v1", MessageField.VALUE)
    v1_user = a_user("email")
    v1_bytes = serializer("1")(v1_user, ctx)
    assert deserializer("1")(v1_bytes, ctx)["payload"] == v1_user["payload"]
    with pytest.raises(SerializationError) as caught:
        deserializer("2")(v1_bytes, ctx)
    assert "Only JSON types" in str(caught.value.__cause__)
    assert "UUID" in str(caught.value.__cause__)
    # the v2 domain rule is Confluent's too: a v2 record breaking it is refused on write
    bad = a_user("email_address")
    bad["payload"]["email_address"] = "a@b"
    with pytest.raises(SerializationError):
        serializer("2")(bad, ctx)
