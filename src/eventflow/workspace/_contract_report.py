"""What changed in the event types' data contracts (metadata, domain rules) since a git ref."""

from __future__ import annotations

from eventflow.contracts import contract_changes
from eventflow.errors import ConfigError
from eventflow.workspace import _git as git
from eventflow.workspace._loader import Workspace, load_workspace_at_ref


def contract_changes_since(ws: Workspace, ref: str) -> dict[str, list[str]]:
    """Per event type, the contract changes of the workspace against the one at ``ref``
    (everything counts as added when ``ref`` has no readable contracts folder)."""
    root = ws.root.resolve()
    repo = git.repo_root(root)
    if repo is None:
        return {}
    subdir = root.relative_to(repo.resolve()).as_posix()
    try:
        before = load_workspace_at_ref(repo, ref, subdir).contracts
    except ConfigError:
        before = {}
    changes = {
        event_type: contract_changes(before.get(event_type), contract)
        for event_type, contract in ws.contracts.items()
    }
    return {event_type: lines for event_type, lines in changes.items() if lines}
