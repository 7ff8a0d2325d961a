"""``schema check``: every manifest subject against its history, at its own level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from eventflow.contracts import (
    MAJOR_VERSION,
    NAMED_KINDS,
    CompatibilityLevel,
    Incompatibility,
    ParsedSchema,
    SubjectEntry,
    check_compatibility,
    full_name,
)
from eventflow.workspace import _git as git
from eventflow.workspace._history import (
    RegistryAccess,
    SubjectHistory,
    git_histories,
    new_group_rollout,
    published,
    registry_histories,
)
from eventflow.workspace._loader import Workspace


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
    # (source, line, column) of each incompatibility, references followed (see ``locate``)
    positions: tuple[tuple[str | None, int | None, int | None], ...] = ()
    rollout: str = ""  # who must upgrade first at the level, and what this change allows

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
        history = within_major_version(ws, entry, history)
        level = entry.compatibility
        result = check_compatibility(new, history.versions, level)
        if level is CompatibilityLevel.NONE or not history.versions:
            checked = 0
        else:
            checked = len(history.versions) if level.transitive else 1
        positions = tuple(locate(ws, entry.file, inc) for inc in result.incompatibilities)
        rollout = rollout_order(new, history.versions, level) if result.incompatibilities else ""
        verdicts.append(
            SubjectVerdict(
                entry,
                str(ws.path_of(entry.file)),
                level,
                len(history.versions),
                checked,
                result.incompatibilities,
                history.labels,
                history.notes,
                positions,
                rollout,
            )
        )
    return verdicts


_ORDER_OF_CHANGE = {
    (True, False): "it only works with consumers upgrading first (it is backward compatible only)",
    (False, True): "it only works with producers upgrading first (it is forward compatible only)",
    (False, False): "it works in neither order (upgraded consumers cannot read the old data, "
    "consumers on the old schema cannot read the new data)",
    (True, True): "it works in any order",
}


def rollout_order(
    new: ParsedSchema, versions: tuple[ParsedSchema, ...], level: CompatibilityLevel
) -> str:
    """Who must upgrade first at ``level``, and in which order this change could roll out."""
    required = f"{level.value}: {level.upgrade_first}"
    if not versions or level is CompatibilityLevel.NONE:
        return required
    directions = (
        (CompatibilityLevel.BACKWARD_TRANSITIVE, CompatibilityLevel.FORWARD_TRANSITIVE)
        if level.transitive
        else (CompatibilityLevel.BACKWARD, CompatibilityLevel.FORWARD)
    )
    backward, forward = (
        not check_compatibility(new, versions, d).incompatibilities for d in directions
    )
    return f"{required}; this change: {_ORDER_OF_CHANGE[(backward, forward)]}"


def check_against_git(ws: Workspace, ref: str) -> list[SubjectVerdict]:
    """Check the workspace (as on disk) against the versions published on git ``ref``."""
    return check_against(ws, published_git_histories(ws, ref))


def published_git_histories(ws: Workspace, ref: str) -> dict[str, SubjectHistory]:
    """Each subject's published versions on ``ref``'s first-parent line (see ``history``)."""
    root = ws.root.resolve()
    repo = git.repo_root(root)
    if repo is None:
        raise git.GitRefNotFound(f"{ws.root} is not inside a git repository; cannot use --against")
    subdir = root.relative_to(repo.resolve()).as_posix()
    by_file = git_histories(ws, repo, ref, subdir)
    by_level: dict[tuple[str, CompatibilityLevel], SubjectHistory] = {}
    histories: dict[str, SubjectHistory] = {}
    for entry in ws.manifest.subjects:
        if entry.file not in by_file:
            continue
        key = (entry.file, entry.compatibility)
        if key not in by_level:
            by_level[key] = published(by_file[entry.file], entry.compatibility)
        histories[entry.subject] = by_level[key]
    return histories


def check_against_registry(
    ws: Workspace,
    url: str,
    *,
    access: RegistryAccess | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[SubjectVerdict]:
    """Check the workspace against what a Confluent-compatible registry holds."""
    wanted = {
        s.subject: s.compatibility.transitive
        for s in ws.manifest.subjects
        if s.compatibility is not CompatibilityLevel.NONE
    }
    contracts = {s: ws.contract_for_subject(s) for s in wanted}
    histories = registry_histories(
        wanted,
        url,
        access=access,
        transport=transport,
        metadata={s: c.metadata for s, c in contracts.items() if c is not None},
        rule_sets={s: c.rule_set for s, c in contracts.items() if c is not None},
    )
    return check_against(ws, histories)


def check_against_git_and_registry(
    ws: Workspace, ref: str, url: str, *, access: RegistryAccess | None = None
) -> list[SubjectVerdict]:
    """Both published histories: a subject must be compatible with what ``ref`` published AND
    with what the registry holds (versions registered outside git, or git ahead of it)."""
    from_registry = check_against_registry(ws, url, access=access)
    from_git = check_against_git(ws, ref)
    return [_merged(r, g) for r, g in zip(from_registry, from_git, strict=True)]


def _merged(first: SubjectVerdict, second: SubjectVerdict) -> SubjectVerdict:
    """One verdict over ``first``'s versions then ``second``'s (its findings renumbered)."""
    shift = len(first.labels)
    moved = tuple(
        replace(inc, version=inc.version + shift if inc.version is not None else None)
        for inc in second.incompatibilities
    )
    return replace(
        first,
        versions=first.versions + second.versions,
        checked=first.checked + second.checked,
        incompatibilities=first.incompatibilities + moved,
        labels=first.labels + second.labels,
        notes=first.notes + second.notes,
        positions=first.positions + second.positions,
    )


def locate(
    ws: Workspace, file: str, inc: Incompatibility
) -> tuple[str | None, int | None, int | None]:
    """(source, line, column) of ``inc`` found for the schema of ``file``.

    The engine places findings inside the new schema's own text; a finding inside a shared
    type (e.g. a field of ``Envelope`` seen from ``OrderPlaced``) is re-located here by walking
    the reader pointer through the event into the file that defines the type.
    """
    if inc.line is not None or not inc.new_is_reader or file not in ws.by_file:
        return inc.source, inc.line, inc.column
    owner = {name: schema for schema in ws.by_file.values() for name in schema.named_types}
    spot = _walk_into_references(ws.by_file[file], inc.location, owner)
    if spot is not None and spot[0].source == inc.source:
        position = spot[0].locate(spot[1])
        if position is not None:
            return inc.source, position[0], position[1]
    return inc.source, None, None


def _walk_into_references(
    schema: ParsedSchema, pointer: str, owner: Mapping[str, ParsedSchema]
) -> tuple[ParsedSchema, str] | None:
    doc, here, prefix = schema.json, schema, ""
    for raw in pointer.strip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, str) and doc in owner:
            here = owner[doc]
            found = _definition(here.json, doc, "")
            if found is None:
                return None
            doc, prefix = found
        if isinstance(doc, dict) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list) and token.isdigit() and int(token) < len(doc):
            doc = doc[int(token)]
        else:
            return None
        prefix = f"{prefix}/{raw}"
    return here, prefix


def _definition(doc: Any, fullname: str, pointer: str) -> tuple[Any, str] | None:
    """The JSON of the named type ``fullname`` defined in ``doc``, with its pointer."""
    if isinstance(doc, dict):
        name = doc.get("name")
        if isinstance(name, str) and doc.get("type") in NAMED_KINDS:
            space = doc.get("namespace")
            full = full_name(name, space)
            if full == fullname or (not space and fullname.endswith(f".{name}")):
                return doc, pointer
        items: Iterable[tuple[str, Any]] = doc.items()
    elif isinstance(doc, list):
        items = ((str(i), v) for i, v in enumerate(doc))
    else:
        return None
    for key, value in items:
        found = _definition(value, fullname, f"{pointer}/{key}")
        if found is not None:
            return found
    return None


def display_path(path: str, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` when it is inside it (what CI annotations expect)."""
    base = (cwd or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return path


def within_major_version(
    ws: Workspace, entry: SubjectEntry, history: SubjectHistory
) -> SubjectHistory:
    """Only the versions of the event type's current major version (its compatibility group,
    ADR 0010); a bump leaves the others unchecked and says how to roll the break out."""
    contract = ws.contract_for_subject(entry.subject)
    if contract is None or not history.groups:
        return history
    major = contract.major_version
    keep = [i for i, group in enumerate(history.groups) if group == major]
    if len(keep) == len(history.versions):
        return history
    others = sorted({g for g in history.groups if g != major and g is not None})
    note = (
        f"major_version {major} starts a new compatibility group: the "
        f"{len(history.versions) - len(keep)} earlier version(s) of major_version "
        f"{', '.join(others)} are not checked; "
        + new_group_rollout(MAJOR_VERSION, major, others, contract.rule_set)
    )
    return SubjectHistory(
        history.subject,
        tuple(history.versions[i] for i in keep),
        tuple(history.labels[i] for i in keep),
        (*history.notes, note),
        tuple(history.groups[i] for i in keep),
    )
