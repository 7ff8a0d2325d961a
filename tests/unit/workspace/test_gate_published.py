"""The gate checks against PUBLISHED history (temporary git repos, real git, real CLI): the
target branch's first-parent line, identical versions collapsed, refused versions left out,
version numbers as the registry's."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from eventflow.cli import main
from tests.unit.workspace.git_helpers import commit_all, copy_schemas, edit, git, init_repo

ORDER = "schemas/avro/events/OrderPlaced.avsc"
ORDER_SUBJECT = "events.raw.v1-com.eventflow.events.OrderPlaced"
CUSTOMER = (
    '{"name": "customer_id", "type": "string", "doc": "Id of the customer who placed the order."},'
)


def coupon(branches: str) -> str:
    return (
        CUSTOMER + f'\n          {{"name": "coupon_code", "type": ["null", "{branches}"], '
        '"default": null, "doc": "Coupon."},'
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the contracts (version 1), then an optional string coupon_code (version 2)."""
    repo = init_repo(tmp_path / "repo")
    copy_schemas(repo)
    commit_all(repo, "contracts")
    edit(repo / ORDER, CUSTOMER, coupon("string"))
    commit_all(repo, "orders: optional coupon_code")
    monkeypatch.chdir(repo)
    return repo


def check(*args: str):
    return CliRunner().invoke(main, ["schema", "check", *args])


def test_a_breaking_change_fails_against_the_published_version(repo: Path):
    edit(repo / ORDER, coupon("string"), coupon("long"))
    result = check("--against", "main")
    assert result.exit_code == 1, result.output
    assert "MISSING_UNION_BRANCH" in result.output
    assert "(against version 2 (commit " in result.output


def test_the_revert_of_a_failed_commit_passes_and_numbers_match_the_registry(repo: Path):
    """The issue's case: on a branch, a commit that failed the gate, then its git revert."""
    git(repo, "checkout", "-q", "-b", "coupon-as-long")
    edit(repo / ORDER, coupon("string"), coupon("long"))
    assert check("--against", "HEAD").exit_code == 1  # the gate refuses it ...
    failed = commit_all(repo, "orders: coupon_code as long")  # ... and it is committed anyway
    git(repo, "revert", "--no-edit", "HEAD")
    for ref in ("HEAD~1", "HEAD", "main"):  # the CI default, the branch, the target branch
        result = check("--against", ref)
        assert result.exit_code == 0, (ref, result.output)
        assert f"ok        {ORDER_SUBJECT} (BACKWARD_TRANSITIVE, checked 2 of 2 " in result.output
    on_branch = check("--against", "HEAD").output
    assert f"note: commit {failed[:12]} is not a published version: BACKWARD_TRANSITIVE" in (
        on_branch
    )
    assert "version 3" not in on_branch and "version 4" not in on_branch


def test_commits_of_a_merged_branch_are_not_versions_only_the_merge_is(repo: Path):
    git(repo, "checkout", "-q", "-b", "gift")
    gift = (
        CUSTOMER + '\n          {"name": "gift", "type": ["null", "string"], '
        '"default": null, "doc": "Gift note."},'
    )
    edit(repo / ORDER, CUSTOMER, gift)
    commit_all(repo, "orders: gift note as a string")
    edit(repo / ORDER, '"gift", "type": ["null", "string"]', '"gift", "type": ["null", "boolean"]')
    commit_all(repo, "orders: gift is a flag after all (never published as a string)")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "gift", "-m", "merge gift")
    result = check("--against", "main")
    assert result.exit_code == 0, result.output
    assert f"ok        {ORDER_SUBJECT} (BACKWARD_TRANSITIVE, checked 3 of 3 " in result.output
    # walking every commit instead would have made the string version a version
    edit(repo / ORDER, '"gift", "type": ["null", "boolean"]', '"gift", "type": ["null", "string"]')
    back_to_string = check("--against", "main")
    assert back_to_string.exit_code == 1, back_to_string.output
    assert "(against version 3 (commit " in back_to_string.output
