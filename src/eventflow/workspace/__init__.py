"""The contracts folder as a whole: manifest + parsed, reference-resolved schemas (I/O edge)."""

from eventflow.workspace._contract_report import contract_changes_since
from eventflow.workspace._gate import (
    SubjectVerdict,
    check_against_git,
    check_against_git_and_registry,
    check_against_registry,
    display_path,
)
from eventflow.workspace._git import GitError, GitRefNotFound, file_history
from eventflow.workspace._history import RegistryAccess
from eventflow.workspace._loader import (
    Workspace,
    WorkspaceError,
    build_workspace,
    load_workspace,
    load_workspace_at_ref,
)

__all__ = [
    "GitError",
    "GitRefNotFound",
    "RegistryAccess",
    "SubjectVerdict",
    "Workspace",
    "WorkspaceError",
    "build_workspace",
    "check_against_git",
    "check_against_git_and_registry",
    "check_against_registry",
    "contract_changes_since",
    "display_path",
    "file_history",
    "load_workspace",
    "load_workspace_at_ref",
]
