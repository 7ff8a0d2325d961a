"""The contracts folder as a whole: manifest + parsed, reference-resolved schemas (I/O edge)."""

from eventflow.workspace.git import GitError, GitRefNotFound, file_history
from eventflow.workspace.loader import (
    Workspace,
    WorkspaceError,
    build_workspace,
    load_workspace,
    load_workspace_at_ref,
)

__all__ = [
    "GitError",
    "GitRefNotFound",
    "Workspace",
    "WorkspaceError",
    "build_workspace",
    "file_history",
    "load_workspace",
    "load_workspace_at_ref",
]
