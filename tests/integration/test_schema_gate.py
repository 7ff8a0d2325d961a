"""The schema CI gate end to end: the real script in temporary git repositories, and
``schema check --registry`` against the real schema registry of the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from eventflow.cli import main
from eventflow.workspace import load_workspace
from tests.unit.workspace.git_helpers import REPO, commit_all, copy_schemas, edit, git, init_repo

pytestmark = pytest.mark.integration

GATE = REPO / "scripts" / "schema-gate.sh"
VENV_BIN = REPO / ".venv" / "bin"
CUSTOMER = (
    '{"name": "customer_id", "type": "string", "doc": "Id of the customer who placed the order."},'
)


def run_gate(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **env}
    for key in list(environment):
        if key.startswith("EVENTFLOW_"):
            del environment[key]
    return subprocess.run(
        ["bash", "scripts/schema-gate.sh"],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def gate_repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "scripts").mkdir()
    shutil.copy(GATE, repo / "scripts" / "schema-gate.sh")
    copy_schemas(repo)
    commit_all(repo, "contracts")
    return repo


def test_gate_passes_on_first_commit_then_compatible_then_fails_on_incompatible(gate_repo: Path):
    first = run_gate(gate_repo)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "first commit: no previous commit to check against (pass)" in first.stdout
    assert "8 files linted, 0 finding(s)" in first.stdout

    order = gate_repo / "schemas/avro/events/OrderPlaced.avsc"
    edit(
        order,
        CUSTOMER,
        CUSTOMER + '\n          {"name": "channel", "type": ["null", "string"],'
        ' "default": null, "doc": "Sales channel."},',
    )
    commit_all(gate_repo, "order.placed: optional channel")
    compatible = run_gate(gate_repo)
    assert compatible.returncode == 0, compatible.stdout + compatible.stderr
    assert "14 subject(s) checked up to git HEAD~1: all compatible" in compatible.stdout

    edit(
        order,
        '"name": "channel", "type": ["null", "string"], "default": null,',
        '"name": "channel", "type": "string",',
    )
    commit_all(gate_repo, "order.placed: channel required")
    failing = run_gate(gate_repo)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "FAIL      events.raw.v1-com.eventflow.events.OrderPlaced" in failing.stdout
    assert (
        "schemas/avro/events/OrderPlaced.avsc:21:11: READER_FIELD_MISSING_DEFAULT_VALUE at "
        "/fields/1/type/fields/2"
    ) in failing.stdout
    assert "field 'channel'" in failing.stdout
    assert "3 incompatible" in failing.stdout

    annotated = run_gate(gate_repo, SCHEMA_GATE_FORMAT="github")
    assert annotated.returncode == 1
    assert "::error file=schemas/avro/events/OrderPlaced.avsc,line=21,col=11::" in annotated.stdout


def test_gate_fails_on_lint_findings_before_checking(gate_repo: Path):
    edit(
        gate_repo / "schemas/avro/events/UserRegistered.avsc", '"name": "email"', '"name": "eMail"'
    )
    commit_all(gate_repo, "bad name")
    result = run_gate(gate_repo)
    assert result.returncode == 1
    assert "FIELD_NAME_CASE: field UserRegisteredPayload.eMail should be lower_snake_case" in (
        result.stdout
    )
    assert "eventflow schema check" not in result.stdout


def test_gate_on_a_shallow_clone_explains_and_passes(gate_repo: Path, tmp_path: Path):
    commit_all_with_change(gate_repo)
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{gate_repo}", str(shallow)],
        check=True,
        capture_output=True,
    )
    result = run_gate(shallow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is not in this shallow clone: nothing to check against (pass)" in result.stdout
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"


def test_gate_with_an_unknown_base_ref_exits_2(gate_repo: Path):
    commit_all_with_change(gate_repo)
    result = run_gate(gate_repo, SCHEMA_GATE_AGAINST="origin/nope")
    assert result.returncode == 2
    assert "SCHEMA_GATE_AGAINST=origin/nope does not name a commit" in result.stderr


def commit_all_with_change(repo: Path) -> None:
    (repo / "README").write_text("second commit\n")
    commit_all(repo, "readme")


# -- against the real registry -----------------------------------------------------------------


def _private_contracts(tmp_path: Path) -> Path:
    """A copy whose topic-bound subjects are unique to this test run."""
    root = copy_schemas(tmp_path)
    run = uuid.uuid4().hex[:8]
    edit(
        root / "manifest.yaml",
        "pipeline_topics: [events.raw.v1, events.validated.v1, events.enriched.v1]",
        f"pipeline_topics: [gate-{run}.raw, gate-{run}.validated]",
    )
    edit(root / "manifest.yaml", "topic: events.dlq.v1", f"topic: gate-{run}.dlq")
    return root


def _register_all(root: Path, url: str) -> None:
    ws = load_workspace(root)
    for entry in ws.registration_order():
        refs = [{"name": s, "subject": s, "version": _latest(url, s)} for s in entry.references]
        response = httpx.post(
            f"{url}/subjects/{entry.subject}/versions",
            timeout=60,
            json={"schema": ws.schema_for_subject(entry.subject).text, "references": refs},
        )
        assert response.status_code == 200, response.text


def _latest(url: str, subject: str) -> int:
    response = httpx.get(f"{url}/subjects/{subject}/versions/latest", timeout=60)
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


def test_check_against_the_real_registry(registry_url: str, tmp_path: Path):
    root = _private_contracts(tmp_path)
    _register_all(root, registry_url)

    def check():
        return CliRunner().invoke(
            main, ["schema", "check", "--registry", registry_url, "--root", str(root)]
        )

    same = check()
    assert same.exit_code == 0, same.output
    assert f"checked in registry {registry_url}: all compatible" in same.output

    edit(
        root / "events/OrderPlaced.avsc",
        CUSTOMER,
        CUSTOMER + '\n          {"name": "channel", "type": "string", "doc": "Sales channel."},',
    )
    broken = check()
    assert broken.exit_code == 1, broken.output
    assert "FAIL      gate-" in broken.output
    assert (
        "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1/type/fields/2 (against registry version "
        in (broken.output)
    )
    # Confluent's own verdict agrees: the registry refuses the same schema
    ws = load_workspace(root)
    entry = next(s for s in ws.manifest.subjects if s.event_type == "order.placed")
    refs = [
        {"name": s, "subject": s, "version": _latest(registry_url, s)} for s in entry.references
    ]
    verdict = httpx.post(
        f"{registry_url}/compatibility/subjects/{entry.subject}/versions/latest",
        timeout=60,
        json={"schema": ws.schema_for_subject(entry.subject).text, "references": refs},
    )
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["is_compatible"] is False


def test_check_against_git_and_registry_needs_both_published_histories(
    registry_url: str, tmp_path: Path
):
    """A version registered outside git (say from a branch) is published all the same."""
    repo = init_repo(tmp_path / "repo")
    root = _private_contracts(repo)
    commit_all(repo, "contracts")
    _register_all(root, registry_url)
    order = root / "events/OrderPlaced.avsc"
    coupon = '\n          {"name": "coupon_code", "type": ["null", "string"], "default": null},'
    edit(order, CUSTOMER, CUSTOMER + coupon)
    _register_all(root, registry_url)  # version 2 of the order subjects, never committed
    edit(
        order,
        '"coupon_code", "type": ["null", "string"]',
        '"coupon_code", "type": ["null", "long"]',
    )

    def check(*args: str):
        return CliRunner().invoke(main, ["schema", "check", "--root", str(root), *args])

    git_only = check("--against", "HEAD")
    assert git_only.exit_code == 0, git_only.output  # git never saw the string version
    both = check("--against", "HEAD", "--registry", registry_url)
    assert both.exit_code == 1, both.output
    assert "MISSING_UNION_BRANCH" in both.output
    assert "(against registry version 2)" in both.output
    assert f"published on git HEAD and in registry {registry_url}: 2 incompatible" in both.output
