"""``schema check``: every manifest subject against its history, at its own level."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from eventflow.contracts import CompatibilityLevel, Incompatibility, check_compatibility
from eventflow.contracts.manifest import SubjectEntry
from eventflow.workspace import git
from eventflow.workspace.history import SubjectHistory, git_histories, registry_histories
from eventflow.workspace.loader import Workspace


@dataclass(frozen=True)
class SubjectVerdict:
    entry: SubjectEntry
    file: str  # path of the new schema as shown to people
    level: CompatibilityLevel
    versions: int  # earlier versions known
    checked: int  # how many of them the level compared against
    incompatibilities: tuple[Incompatibility, ...]
    labels: tuple[str, ...]  # label of each earlier version, oldest first
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if self.incompatibilities:
            return "incompatible"
        if self.versions == 0:
            return "new"
        return "ok"

    def label_of(self, inc: Incompatibility) -> str | None:
        if inc.version is None or not 1 <= inc.version <= len(self.labels):
            return None
        return self.labels[inc.version - 1]


def check_against(ws: Workspace, histories: Mapping[str, SubjectHistory]) -> list[SubjectVerdict]:
    """Check every subject; ``histories`` is keyed by subject (missing = no history)."""
    verdicts: list[SubjectVerdict] = []
    for entry in ws.manifest.subjects:
        new = ws.by_file[entry.file]
        history = histories.get(entry.subject) or SubjectHistory(entry.subject, (), ())
        level = entry.compatibility
        result = check_compatibility(new, history.versions, level)
        if level is CompatibilityLevel.NONE or not history.versions:
            checked = 0
        else:
            checked = len(history.versions) if level.transitive else 1
        verdicts.append(SubjectVerdict(
            entry, str(ws.path_of(entry.file)), level, len(history.versions), checked,
            result.incompatibilities, history.labels, history.notes,
        ))  # fmt: skip
    return verdicts


def check_against_git(ws: Workspace, ref: str) -> list[SubjectVerdict]:
    """Check the workspace (as on disk) against the history reachable from git ``ref``."""
    root = ws.root.resolve()
    repo = git.repo_root(root)
    if repo is None:
        raise git.GitRefNotFound(f"{ws.root} is not inside a git repository; cannot use --against")
    subdir = root.relative_to(repo.resolve()).as_posix()
    by_file = git_histories(ws, repo, ref, subdir)
    histories = {s.subject: by_file[s.file] for s in ws.manifest.subjects if s.file in by_file}
    return check_against(ws, histories)


def check_against_registry(ws: Workspace, url: str) -> list[SubjectVerdict]:
    """Check the workspace against what a Confluent-compatible registry holds."""
    wanted = {
        s.subject: s.compatibility.transitive
        for s in ws.manifest.subjects
        if s.compatibility is not CompatibilityLevel.NONE
    }
    return check_against(ws, registry_histories(wanted, url))


def display_path(path: str, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` when it is inside it (what CI annotations expect)."""
    base = (cwd or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return path
