"""``eventflow schema check`` against git history in temporary repositories (real git, real CLI)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from eventflow.cli import main
from eventflow.workspace import load_workspace
from eventflow.workspace._gate import check_against_registry
from eventflow.workspace._history import RegistryAccess, RegistryUnavailable, registry_histories
from tests.unit.workspace.git_helpers import commit_all, copy_schemas, edit, init_repo

ORDER = "events/OrderPlaced.avsc"
CUSTOMER = (
    '{"name": "customer_id", "type": "string", "doc": "Id of the customer who placed the order."},'
)
REQUIRED_FIELD = (
    CUSTOMER + '\n          {"name": "channel", "type": "string", "doc": "Sales channel."},'
)
OPTIONAL_FIELD = CUSTOMER + (
    '\n          {"name": "channel", "type": ["null", "string"], '
    '"default": null, "doc": "Sales channel."},'
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_repo(tmp_path / "repo")
    copy_schemas(repo)
    commit_all(repo, "contracts")
    monkeypatch.chdir(repo)
    return repo


def check(*args: str):
    return CliRunner().invoke(main, ["schema", "check", *args])


def test_unchanged_contracts_pass(repo: Path):
    result = check("--against", "HEAD")
    assert result.exit_code == 0, result.output
    assert "14 subject(s) checked up to git HEAD: all compatible" in result.output


def test_required_field_added_fails_every_topic_subject_with_file_line_and_hint(repo: Path):
    edit(repo / "schemas/avro" / ORDER, CUSTOMER, REQUIRED_FIELD)
    result = check()
    assert result.exit_code == 1, result.output
    for topic in ("raw", "validated", "enriched"):
        assert (
            f"FAIL      events.{topic}.v1-com.eventflow.events.OrderPlaced "
            "(BACKWARD_TRANSITIVE, owner orders-team)" in result.output
        )
    assert (
        "  schemas/avro/events/OrderPlaced.avsc:21:11: READER_FIELD_MISSING_DEFAULT_VALUE "
        "at /fields/1/type/fields/2 (against version 1 (commit "
    ) in result.output
    assert "hint: " in result.output
    assert "ok        events.raw.v1-com.eventflow.events.UserRegistered" in result.output
    assert result.output.rstrip().endswith("up to git HEAD: 3 incompatible")


def test_optional_field_added_passes(repo: Path):
    edit(repo / "schemas/avro" / ORDER, CUSTOMER, OPTIONAL_FIELD)
    result = check("--against", "HEAD")
    assert result.exit_code == 0, result.output


def test_github_annotations_are_deduplicated_across_topics(repo: Path):
    edit(repo / "schemas/avro" / ORDER, CUSTOMER, REQUIRED_FIELD)
    result = check("--format", "github")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "::error file=schemas/avro/events/OrderPlaced.avsc,line=21,col=11::"
        "events.raw.v1-com.eventflow.events.OrderPlaced, events.validated.v1-com.eventflow.events"
        ".OrderPlaced, events.enriched.v1-com.eventflow.events.OrderPlaced: "
        "READER_FIELD_MISSING_DEFAULT_VALUE"
    )
    assert lines[0].endswith(
        "who must upgrade first: BACKWARD_TRANSITIVE: consumers upgrade first (they read old and "
        "new data), then producers; this change: it only works with producers upgrading first "
        "(it is forward compatible only)"
    )


def test_json_report(repo: Path):
    edit(repo / "schemas/avro" / ORDER, CUSTOMER, REQUIRED_FIELD)
    result = check("--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["compatible"] is False
    failing = [s for s in report["subjects"] if s["status"] == "incompatible"]
    assert [s["subject"] for s in failing] == [
        f"events.{t}.v1-com.eventflow.events.OrderPlaced" for t in ("raw", "validated", "enriched")
    ]
    inc = failing[0]["incompatibilities"][0]
    assert {k: inc[k] for k in ("type", "location", "file", "line", "column", "version")} == {
        "type": "READER_FIELD_MISSING_DEFAULT_VALUE",
        "location": "/fields/1/type/fields/2",
        "file": "schemas/avro/events/OrderPlaced.avsc",
        "line": 21,
        "column": 11,
        "version": 1,
    }
    assert inc["against"].startswith("version 1 (commit ")


def test_transitive_level_checks_every_committed_version(repo: Path):
    user = repo / "schemas/avro/events/UserRegistered.avsc"
    bio = (
        '{\n            "name": "bio",\n            "type": ["null", "string"],\n'
        '            "default": null,\n            "doc": "Free text the user wrote about '
        'themselves; input of the text enrichers."\n          }'
    )
    text = user.read_text()
    assert bio in text
    # v2: bio removed (a reader ignores it: backward compatible)
    user.write_text(text.replace(",\n          " + bio, ""))
    commit_all(repo, "drop bio")
    # v3 (working tree): bio comes back as an int with a default: fine against v2 only
    edit(
        user,
        '"doc": "True when the user agreed to receive marketing e-mail."\n          }',
        '"doc": "True when the user agreed to receive marketing e-mail."\n          },\n'
        '          {"name": "bio", "type": "int", "default": 0, "doc": "Bio length."}',
    )
    result = check()
    assert result.exit_code == 1, result.output
    assert "TYPE_MISMATCH at /fields/1/type/fields/5/type" in result.output
    assert "checked 2 of 2" not in result.output
    # the same change under plain BACKWARD (latest version only) passes
    edit(
        repo / "schemas/avro/manifest.yaml",
        "file: events/UserRegistered.avsc\n    partition_key: payload.user_id\n"
        "    compatibility: BACKWARD_TRANSITIVE",
        "file: events/UserRegistered.avsc\n    partition_key: payload.user_id\n"
        "    compatibility: BACKWARD",
    )
    result = check()
    assert result.exit_code == 0, result.output
    assert "events.raw.v1-com.eventflow.events.UserRegistered (BACKWARD, checked 1 of 2 " in (
        result.output
    )


def test_shared_type_change_is_checked_for_every_event_that_refers_to_it(repo: Path):
    edit(
        repo / "schemas/avro/common/Envelope.avsc",
        '"fields": [',
        '"fields": [\n    {"name": "tenant", "type": "string", "doc": "Tenant."},',
    )
    result = check()
    assert result.exit_code == 1
    assert "FAIL      com.eventflow.common.Envelope (FULL_TRANSITIVE" in result.output
    for name in ("OrderPlaced", "UserRegistered", "PaymentFailed"):
        assert f"FAIL      events.raw.v1-com.eventflow.events.{name}" in result.output
    assert "ok        events.dlq.v1-value" in result.output
    assert (
        "schemas/avro/common/Envelope.avsc:7:5: READER_FIELD_MISSING_DEFAULT_VALUE at /fields/0/type/fields/0"
        in (result.output)
    )


def test_unparsable_committed_version_is_skipped_with_a_note(repo: Path):
    order = repo / "schemas/avro" / ORDER
    good = order.read_text()
    order.write_text(good.replace(CUSTOMER, CUSTOMER.rstrip(",")))
    broken = commit_all(repo, "broken json slipped in")
    order.write_text(good.replace(CUSTOMER, OPTIONAL_FIELD))
    commit_all(repo, "fixed, with an optional field")
    result = check()
    assert result.exit_code == 0, result.output
    assert f"note: skipped {broken[:12]}:schemas/avro/events/OrderPlaced.avsc: " in result.output
    assert "not valid JSON" in result.output
    # two usable versions remain: the first commit and the fix
    assert (
        "events.raw.v1-com.eventflow.events.OrderPlaced (BACKWARD_TRANSITIVE, checked 2 of 2"
        in (result.output)
    )


def test_versions_are_numbered_as_the_registry_would_number_them(repo: Path):
    """A doc change is a new version in a registry (it stores docs); a spacing change is not."""
    envelope = repo / "schemas/avro/common/Envelope.avsc"
    edit(envelope, "Unique id of the event (UUID).", "Unique id of the event, a UUID.")
    commit_all(repo, "doc")
    envelope.write_text(envelope.read_text().replace("\n", "\n  "))
    commit_all(repo, "indentation only")
    result = check()
    assert result.exit_code == 0
    assert (
        "events.raw.v1-com.eventflow.events.OrderPlaced (BACKWARD_TRANSITIVE, checked 2 of 2"
        in (result.output)
    )


def test_a_new_event_type_passes_as_new(repo: Path):
    schemas = repo / "schemas/avro"
    doc = json.loads((schemas / "events/PaymentFailed.avsc").read_text())
    doc["name"] = "PaymentSucceeded"
    doc["fields"][1]["type"]["name"] = "PaymentSucceededPayload"
    doc["fields"][1]["type"]["fields"][4]["type"]["name"] = "PaymentSucceededReason"
    (schemas / "events/PaymentSucceeded.avsc").write_text(json.dumps(doc, indent=2))
    edit(
        schemas / "manifest.yaml",
        "\ndead_letter:",
        "\n  - event_type: payment.succeeded\n"
        "    record: com.eventflow.events.PaymentSucceeded\n"
        "    file: events/PaymentSucceeded.avsc\n    partition_key: payload.order_id\n"
        "    compatibility: BACKWARD_TRANSITIVE\n    owner: payments-team\n\ndead_letter:",
    )
    result = check()
    assert result.exit_code == 0, result.output
    assert (
        "new       events.raw.v1-com.eventflow.events.PaymentSucceeded: no earlier version "
        "up to git HEAD; passes"
    ) in result.output


def test_bad_input_exits_2_and_writes_nothing(repo: Path, tmp_path: Path):
    result = check("--against", "no-such-ref")
    assert result.exit_code == 2
    assert "git ref 'no-such-ref' not found" in result.output
    edit(
        repo / "schemas/avro/manifest.yaml",
        "compatibility: BACKWARD_TRANSITIVE",
        "compatibility: SIDEWAYS",
    )
    result = check()
    assert result.exit_code == 2
    assert "manifest.yaml:49: event_types[0].compatibility 'SIDEWAYS' is not a compatibility" in (
        result.output
    )
    assert check("--format", "xml").exit_code == 2
    assert check("--against", "HEAD", "--registry", "http://x").exit_code == 2
    edit(
        repo / "schemas/avro/manifest.yaml",
        "compatibility: SIDEWAYS",
        "compatibility: BACKWARD_TRANSITIVE",
    )
    order = repo / "schemas/avro" / ORDER
    good = order.read_text()
    order.write_text(good.replace(CUSTOMER, CUSTOMER.rstrip(",")))
    result = check()
    assert result.exit_code == 2
    assert "schemas/avro/events/OrderPlaced.avsc:21:11: not valid JSON" in result.output
    order.write_text(good.replace('"type": "com.eventflow.common.Currency"', '"type": "Money"'))
    result = check()
    assert result.exit_code == 2
    assert "schemas/avro/events/OrderPlaced.avsc:49:21: unknown type" in result.output
    assert "Money" in result.output
    order.unlink()
    result = check()
    assert result.exit_code == 2
    assert "event_types[0].file 'events/OrderPlaced.avsc': unknown file" in result.output
    outside = copy_schemas(tmp_path / "not-a-repo")
    result = check("--root", str(outside))
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output
    status = json.dumps(sorted(p.name for p in repo.iterdir()))
    assert status == '[".git", "schemas"]'


# -- registry history (Confluent REST), the HTTP side faked with httpx.MockTransport ----------


def _fake_registry(ws, subjects_with_versions):
    bodies = {}
    for subject, versions in subjects_with_versions.items():
        for number, (schema, refs) in enumerate(versions, start=1):
            bodies[(subject, number)] = {
                "subject": subject,
                "version": number,
                "id": number,
                "schema": schema,
                "references": refs,
            }
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        parts = request.url.path.strip("/").split("/")
        subject = parts[1]
        if parts[0] == "config":  # a registry without compatibility groups
            return httpx.Response(200, json={"compatibilityLevel": "BACKWARD"})
        if len(parts) == 3:
            numbers = [n for (s, n) in bodies if s == subject]
            if not numbers:
                return httpx.Response(404, json={"error_code": 40401, "message": "not found"})
            return httpx.Response(200, json=sorted(numbers))
        body = bodies.get((subject, int(parts[3])))
        return httpx.Response(200, json=body) if body else httpx.Response(404, json={})

    return httpx.MockTransport(handler), calls


def test_registry_history_resolves_references_and_picks_versions():
    ws = load_workspace(Path(__file__).resolve().parents[3] / "schemas/avro")
    envelope = ws.schema_for_subject("com.eventflow.common.Envelope").text
    user = ws.schema_for_event_type("user.registered")
    subject = "events.raw.v1-com.eventflow.events.UserRegistered"
    shared_subjects = ws.manifest.subject(subject).references
    refs = [{"name": s, "subject": s, "version": 1} for s in shared_subjects]
    shared: dict[str, list[tuple[str, list[dict[str, object]]]]] = {
        s: [(ws.schema_for_subject(s).text, [])] for s in shared_subjects
    }
    transport, calls = _fake_registry(
        ws,
        {
            **shared,
            "events.raw.v1-com.eventflow.events.UserRegistered": [
                (user.text, refs),
                (user.text, refs),
            ],
        },
    )
    found = registry_histories(
        {
            "events.raw.v1-com.eventflow.events.UserRegistered": True,
            "com.eventflow.common.Envelope": False,
            "events.dlq.v1-value": True,
        },
        "http://reg",
        transport=transport,
    )
    assert len(found["events.raw.v1-com.eventflow.events.UserRegistered"].versions) == 2
    assert found["events.raw.v1-com.eventflow.events.UserRegistered"].versions[0].canonical == (
        user.canonical
    )
    assert found["com.eventflow.common.Envelope"].versions[0].text == envelope
    assert found["events.dlq.v1-value"].versions == ()
    assert "/subjects/events.dlq.v1-value/versions" in calls
    verdicts = check_against_registry(ws, "http://reg", transport=transport)
    assert all(v.status in {"ok", "new"} for v in verdicts)


def test_registry_basic_auth_is_sent():
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(404, json={"error_code": 40401, "message": "not found"})

    found = registry_histories(
        {"s": True},
        "http://reg",
        access=RegistryAccess(basic_auth="alice:s3cret:x"),
        transport=httpx.MockTransport(handler),
    )
    assert found["s"].versions == ()
    assert seen == ["Basic " + base64.b64encode(b"alice:s3cret:x").decode()]


def test_registry_error_status_is_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="boom")

    with pytest.raises(RegistryUnavailable, match=r"answered 500: boom"):
        registry_histories({"s": True}, "http://reg", transport=httpx.MockTransport(handler))


def test_unreachable_registry_is_an_environment_failure(repo: Path):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    ws = load_workspace(repo / "schemas/avro")
    with pytest.raises(RegistryUnavailable, match=r"registry http://reg did not answer"):
        check_against_registry(ws, "http://reg", transport=httpx.MockTransport(refuse))
    result = check("--registry", "http://127.0.0.1:9")
    assert result.exit_code == 3
    assert "registry http://127.0.0.1:9 did not answer" in result.output


BAD_DEFAULT_FIELD = (
    CUSTOMER + '\n          {"name": "channel", "type": "string", "default": null, "doc": "x"},'
)


def test_an_invalid_default_in_history_never_fails_a_later_check(repo: Path):
    order = repo / "schemas/avro" / ORDER
    good = order.read_text()
    order.write_text(good.replace(CUSTOMER, BAD_DEFAULT_FIELD))
    commit_all(repo, "an invalid default slipped in (a registry without validation took it)")
    order.write_text(good.replace(CUSTOMER, OPTIONAL_FIELD))
    commit_all(repo, "fixed")
    result = check()
    assert result.exit_code == 0, result.output
    assert "note: skipped" not in result.output
    assert "checked 3 of 3" in result.output


def test_the_new_schemas_defaults_are_validated_unless_told_not_to(repo: Path):
    order = repo / "schemas/avro" / ORDER
    order.write_text(order.read_text().replace(CUSTOMER, BAD_DEFAULT_FIELD))
    refused = check()
    assert refused.exit_code == 2, refused.output
    assert "invalid default for field 'channel'" in refused.output
    relaxed = check("--no-validate-defaults")
    assert relaxed.exit_code == 0, relaxed.output


def test_check_reports_rule_and_metadata_changes_of_the_contracts(repo: Path):
    rules = repo / "schemas/avro/events/OrderPlaced.rules.yaml"
    edit(
        rules,
        "expr: message.payload.total >= decimal('0.01')",
        "expr: message.payload.total >= decimal('1.00')",
    )
    edit(
        rules,
        "# eventflowCodeRules:",
        "  - name: order_customer_present\n    kind: CONDITION\n    mode: WRITE\n"
        "    type: CEL\n    expr: size(message.payload.customer_id) > 0\n    onFailure: ERROR\n"
        "# eventflowCodeRules:",
    )
    edit(
        rules,
        "      total: payload.total\n    onFailure: ERROR",
        "      total: payload.total\n    onFailure: NONE",
    )
    result = check()
    assert result.exit_code == 0, result.output
    assert (
        "contract order.placed: rule order_total_positive changed: expr "
        "\"message.payload.total >= decimal('0.01')\" -> "
        "\"message.payload.total >= decimal('1.00')\""
    ) in result.output
    assert "contract order.placed: rule order_customer_present added: " in result.output
    assert (
        "contract order.placed: code rule order_total_matches_lines changed: "
        "onFailure 'ERROR' -> 'NONE'"
    ) in result.output
    assert "contract user.registered" not in result.output


def test_a_breaking_change_passes_only_with_a_major_version_bump(repo: Path):
    order = repo / "schemas/avro" / ORDER
    edit(order, '"name": "customer_id", "type": "string"', '"name": "customer_id", "type": "long"')
    refused = check()
    assert refused.exit_code == 1, refused.output
    manifest = repo / "schemas/avro/manifest.yaml"
    edit(
        manifest,
        "rules: events/OrderPlaced.rules.yaml\n    major_version: 1",
        "rules: events/OrderPlaced.rules.yaml\n    major_version: 2",
    )
    accepted = check()
    assert accepted.exit_code == 0, accepted.output
    assert "major_version 2 starts a new compatibility group" in accepted.output
    assert "consumers first" in accepted.output
    assert "contract order.placed: metadata major_version: 1 -> 2" in accepted.output
    # once the bump is committed, the new group has history of its own and is checked again
    commit_all(repo, "orders v2: customer ids are numbers")
    edit(order, '"name": "customer_id", "type": "long"', '"name": "customer_id", "type": "int"')
    again = check()
    assert again.exit_code == 1, again.output


def test_schema_diff_of_two_rule_sets_lists_the_rule_changes(repo: Path):
    rules = "schemas/avro/events/PaymentFailed.rules.yaml"
    edit(repo / rules, "onFailure: NONE", "onFailure: ERROR")
    result = CliRunner().invoke(main, ["schema", "diff", f"HEAD:{rules}", rules])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "rule payment_reason_known changed: onFailure 'NONE' -> 'ERROR'"
    )
    same = CliRunner().invoke(main, ["schema", "diff", rules, rules, "--format", "json"])
    assert json.loads(same.output) == {"changes": []}
    (repo / rules).write_text("domainRules: [{name: x}]\n")
    bad = CliRunner().invoke(main, ["schema", "diff", f"HEAD:{rules}", rules])
    assert bad.exit_code == 2 and f"{rules}:1: Missing rule type" in bad.output, bad.output
    (repo / rules).write_text("domainRules: []\neventflowCodeRule: []\n")
    typo = CliRunner().invoke(main, ["schema", "diff", f"HEAD:{rules}", rules])
    assert typo.exit_code == 2 and f"{rules}:2: unknown key `eventflowCodeRule`" in typo.output
    order = "schemas/avro/events/OrderPlaced.rules.yaml"
    edit(repo / order, "function: eventflow.consumers.code_rules:sum_matches", "function: m:f")
    code = CliRunner().invoke(main, ["schema", "diff", f"HEAD:{order}", order])
    assert code.exit_code == 0, code.output
    assert code.output.strip() == (
        "code rule order_total_matches_lines changed: function "
        "'eventflow.consumers.code_rules:sum_matches' -> 'm:f'"
    )


def test_registry_bearer_token_is_sent_and_kept_out_of_repr():
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(404, json={"error_code": 40401, "message": "not found"})

    access = RegistryAccess(bearer_token="tok-123")
    registry_histories(
        {"s": True}, "http://reg", access=access, transport=httpx.MockTransport(handler)
    )
    assert seen == ["Bearer tok-123"]
    assert "tok-123" not in repr(access)
