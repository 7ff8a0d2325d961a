"""load_workspace / load_workspace_at_ref / file_history on real files and real git repos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventflow.contracts import SchemaParseError
from eventflow.contracts._manifest import ManifestError
from eventflow.workspace import (
    GitRefNotFound,
    WorkspaceError,
    file_history,
    load_workspace,
    load_workspace_at_ref,
)
from tests.unit.workspace.git_helpers import SCHEMAS, commit_all, copy_schemas, edit, init_repo

SHARED = {
    "com.eventflow.common.Currency",
    "com.eventflow.common.Envelope",
    "com.eventflow.common.ValidationResult",
    "com.eventflow.common.Enrichment",
}


def test_committed_contracts_load_with_references_resolved():
    ws = load_workspace(SCHEMAS)
    order_placed = ws.schema_for_event_type("order.placed")
    assert order_placed.fullname == "com.eventflow.events.OrderPlaced"
    # references are inlined in the canonical form
    assert '"name":"com.eventflow.common.Envelope"' in order_placed.canonical
    raw = ws.manifest.subject("events.raw.v1-com.eventflow.events.OrderPlaced")
    assert set(raw.references) == SHARED
    user = ws.manifest.subject("events.enriched.v1-com.eventflow.events.UserRegistered")
    assert set(user.references) == SHARED - {"com.eventflow.common.Currency"}
    assert ws.schema_for_subject("events.dlq.v1-value").fullname == "com.eventflow.dlq.DeadLetter"
    assert ws.manifest.dead_letter.references == ()
    assert set(ws.schemas) == SHARED | {
        "com.eventflow.events.OrderPlaced",
        "com.eventflow.events.UserRegistered",
        "com.eventflow.events.PaymentFailed",
        "com.eventflow.dlq.DeadLetter",
    }


def test_registration_order_puts_every_reference_first():
    ws = load_workspace(SCHEMAS)
    order = ws.registration_order()
    assert {s.subject for s in order} == {s.subject for s in ws.manifest.subjects}
    position = {s.subject: i for i, s in enumerate(order)}
    for entry in order:
        for ref in entry.references:
            assert position[ref] < position[entry.subject], (ref, entry.subject)


def test_shared_type_referring_to_another_is_parsed_after_it(schemas_copy: Path):
    # Envelope starts to use Currency: Currency must come first, and Envelope references it
    edit(
        schemas_copy / "common/Envelope.avsc",
        '"fields": [',
        '"fields": [\n    {"name": "region_currency", "type": ["null", '
        '"com.eventflow.common.Currency"], "default": null, "doc": "d"},',
    )
    manifest = schemas_copy / "manifest.yaml"
    text = manifest.read_text()
    currency = text[
        text.index("  - record: com.eventflow.common.Currency") : text.index(
            "  - record: com.eventflow.common.Envelope"
        )
    ]
    manifest.write_text(
        text.replace(currency, "").replace("\nevent_types:", "\n" + currency + "\nevent_types:")
    )
    ws = load_workspace(schemas_copy)
    envelope = ws.manifest.subject("com.eventflow.common.Envelope")
    assert envelope.references == ("com.eventflow.common.Currency",)
    names = [s.subject for s in ws.registration_order()]
    assert names.index("com.eventflow.common.Currency") < names.index(
        "com.eventflow.common.Envelope"
    )


def test_unparsable_json_names_file_line_and_column(schemas_copy: Path):
    path = schemas_copy / "events/UserRegistered.avsc"
    edit(path, '"doc": "Name shown to other users."}', '"doc": "Name shown to other users."')
    with pytest.raises(WorkspaceError, match=r"events/UserRegistered\.avsc:22:11: not valid JSON"):
        load_workspace(schemas_copy)


def test_invalid_avro_names_file_and_line(schemas_copy: Path):
    edit(
        schemas_copy / "events/PaymentFailed.avsc",
        '"type": "com.eventflow.common.Currency"',
        '"type": "com.eventflow.common.Money"',
    )
    with pytest.raises(
        SchemaParseError,
        match=r"events/PaymentFailed\.avsc:\d+:\d+: .*com\.eventflow\.common\.Money",
    ):
        load_workspace(schemas_copy)


def test_bad_default_is_invalid_avro(schemas_copy: Path):
    edit(schemas_copy / "events/UserRegistered.avsc", '"default": false', '"default": "no"')
    with pytest.raises(SchemaParseError, match=r"events/UserRegistered\.avsc:\d+"):
        load_workspace(schemas_copy)


def test_missing_manifest_and_missing_file(schemas_copy: Path):
    (schemas_copy / "events/OrderPlaced.avsc").unlink()
    with pytest.raises(
        ManifestError,
        match=r"manifest\.yaml:\d+: event_types\[0\]\.file 'events/OrderPlaced"
        r"\.avsc': unknown file",
    ):
        load_workspace(schemas_copy)
    (schemas_copy / "manifest.yaml").unlink()
    with pytest.raises(WorkspaceError, match=r"manifest\.yaml: cannot read the manifest"):
        load_workspace(schemas_copy)


def test_record_name_must_match_the_manifest(schemas_copy: Path):
    edit(
        schemas_copy / "manifest.yaml",
        "record: com.eventflow.events.UserRegistered",
        "record: com.eventflow.events.UserSignedUp",
    )
    with pytest.raises(
        ManifestError,
        match=r"manifest\.yaml:53: record 'com\.eventflow\.events\.UserSignedUp' "
        r"expected in events/UserRegistered\.avsc, but it defines "
        r"'com\.eventflow\.events\.UserRegistered'",
    ):
        load_workspace(schemas_copy)


def test_partition_key_must_exist_and_be_a_required_scalar(schemas_copy: Path):
    manifest = schemas_copy / "manifest.yaml"
    edit(manifest, "partition_key: payload.user_id", "partition_key: payload.uid")
    with pytest.raises(
        ManifestError,
        match=r"manifest\.yaml:53: partition_key 'payload\.uid' "
        r"of 'user\.registered': payload has no field 'uid'",
    ):
        load_workspace(schemas_copy)
    edit(manifest, "partition_key: payload.uid", "partition_key: payload.bio")
    with pytest.raises(ManifestError, match=r"must be a required string, int or long field"):
        load_workspace(schemas_copy)
    edit(manifest, "partition_key: payload.bio", "partition_key: envelope.event_id")
    assert load_workspace(schemas_copy).manifest.event_type("user.registered").partition_key == (
        "envelope.event_id"
    )


def test_type_defined_in_two_files_is_rejected(schemas_copy: Path):
    currency = json.loads((schemas_copy / "common/Currency.avsc").read_text())
    path = schemas_copy / "events/UserRegistered.avsc"
    doc = json.loads(path.read_text())
    doc["fields"][1]["type"]["fields"].append(
        {"name": "currency", "type": currency, "default": "UNKNOWN", "doc": "d"}
    )
    path.write_text(json.dumps(doc, indent=2))
    with pytest.raises(
        WorkspaceError,
        match=r"type 'com\.eventflow\.common\.Currency' is also "
        r"defined in",
    ):
        load_workspace(schemas_copy)


def test_event_using_a_type_of_a_non_shared_file_is_rejected(schemas_copy: Path):
    edit(
        schemas_copy / "events/PaymentFailed.avsc",
        '"doc": "Currency of the amount."',
        '"doc": "Currency of the amount."},\n{"name": "address", "doc": "a", "type": '
        '"com.eventflow.events.ShippingAddress"',
    )
    with pytest.raises(
        ManifestError,
        match=r"events/PaymentFailed\.avsc uses types of "
        r"events/OrderPlaced\.avsc, which is not declared "
        r"under shared_types",
    ):
        load_workspace(schemas_copy)


def test_files_referring_to_each_other_are_a_cycle(schemas_copy: Path):
    edit(
        schemas_copy / "common/Envelope.avsc",
        '"fields": [',
        '"fields": [{"name": "v", "doc": "d", "type": ["null", '
        '"com.eventflow.common.ValidationResult"], "default": null},',
    )
    edit(
        schemas_copy / "common/ValidationResult.avsc",
        '"fields": [',
        '"fields": [{"name": "e", "doc": "d", "type": ["null", "com.eventflow.common.Envelope"], '
        '"default": null},',
    )
    with pytest.raises(
        WorkspaceError,
        match=r"schema files refer to each other: "
        r"common/\w+\.avsc -> common/\w+\.avsc -> ",
    ):
        load_workspace(schemas_copy)


def test_workspace_at_a_git_ref_and_file_history(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    schemas = copy_schemas(repo)
    first = commit_all(repo, "contracts")
    edit(
        schemas / "events/UserRegistered.avsc",
        '"doc": "Name shown to other users."}',
        '"doc": "Name shown to other users."},\n{"name": "referrer", "type": ["null", "string"], '
        '"default": null, "doc": "Who invited the user."}',
    )
    commit_all(repo, "user.registered: referrer")
    edit(
        schemas / "events/UserRegistered.avsc",
        '"Who invited the user."',
        '"Who invited the user, if anyone."',
    )  # working tree only, not committed

    old = load_workspace_at_ref(repo, first)
    head = load_workspace_at_ref(repo, "HEAD")
    now = load_workspace(schemas)
    fields = [
        f["name"]
        for f in old.schema_for_event_type("user.registered").json["fields"][1]["type"]["fields"]
    ]
    assert "referrer" not in fields
    assert "referrer" in head.schema_for_event_type("user.registered").text
    assert old.schema_for_event_type("user.registered").source == (
        f"{first}:schemas/avro/events/UserRegistered.avsc"
    )
    assert "if anyone" in now.schema_for_event_type("user.registered").text
    assert "if anyone" not in head.schema_for_event_type("user.registered").text

    history = file_history(repo, "schemas/avro/events/UserRegistered.avsc", "HEAD")
    assert len(history) == 2
    assert "referrer" not in history[0]
    assert "referrer" in history[1]
    assert file_history(repo, "schemas/avro/events/UserRegistered.avsc", first) == history[:1]
    assert file_history(repo, "schemas/avro/events/New.avsc", "HEAD") == []


def test_unknown_git_ref_is_a_clear_error(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    copy_schemas(repo)
    commit_all(repo, "contracts")
    with pytest.raises(GitRefNotFound, match=r"git ref 'no-such-branch' not found in"):
        load_workspace_at_ref(repo, "no-such-branch")
    with pytest.raises(GitRefNotFound, match=r"git ref 'HEAD~5' not found"):
        file_history(repo, "schemas/avro/manifest.yaml", "HEAD~5")
    with pytest.raises(GitRefNotFound, match=r"cannot start with '-'"):
        load_workspace_at_ref(repo, "--output=x")
    with pytest.raises(GitRefNotFound, match=r"not inside a git repository"):
        load_workspace_at_ref(tmp_path, "HEAD")


def test_ref_without_contracts_has_no_manifest(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    (repo / "README").write_text("hello")
    commit_all(repo, "empty")
    with pytest.raises(WorkspaceError, match=r"HEAD:schemas/avro/manifest\.yaml: no manifest"):
        load_workspace_at_ref(repo, "HEAD")


def test_a_rules_file_with_invalid_cel_names_the_file_and_the_rule(schemas_copy: Path) -> None:
    rules = schemas_copy / "events/OrderPlaced.rules.yaml"
    rules.write_text(
        rules.read_text().replace(
            "expr: message.payload.total >= decimal('0.01')", "expr: message.payload.total >="
        )
    )
    with pytest.raises(WorkspaceError) as exc:
        load_workspace(schemas_copy)
    message = str(exc.value)
    assert "events/OrderPlaced.rules.yaml" in message
    assert "Rule 'order_total_positive': expr is not valid CEL" in message


def test_a_rules_file_breaking_confluent_rule_rules_is_refused(schemas_copy: Path) -> None:
    rules = schemas_copy / "events/PaymentFailed.rules.yaml"
    rules.write_text(rules.read_text().replace("name: payment_ids_differ", "name: 1bad"))
    with pytest.raises(WorkspaceError, match="Illegal initial character in rule name: 1bad"):
        load_workspace(schemas_copy)
