"""Every PUBLISHED version of each contract: from git history or from a schema registry.

A subject's versions are the fully resolved schemas it had: for an event that refers to shared
types, a change to ``Envelope`` is a new version of every event too (the registry would
register one), so git history follows the file AND the files it refers to, and resolves each
old version's references by name in the same commit.

Published history in git is what a registry would hold had every commit on the target branch's
first-parent line been registered in order (:func:`published`): a commit of a merged branch is
not a version (its merge is), a version identical to one already published adds none (a
revert), and a version the subject's level refuses is not a version (the registry would have
refused it), so version numbers are the registry's.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from eventflow.contracts import (
    CompatibilityLevel,
    Json,
    ParsedSchema,
    check_compatibility,
    merge_metadata,
    migration_summary,
    parse_schema,
    property_of,
)
from eventflow.errors import ConfigError, ErrorCode, EventFlowError
from eventflow.workspace import _git as git
from eventflow.workspace._loader import Workspace, closure, decode_json
from eventflow.workspace._names import defined_and_used


@dataclass(frozen=True)
class SubjectHistory:
    """Earlier versions of one subject, oldest first, with a label for each (commit, version)."""

    subject: str
    versions: tuple[ParsedSchema, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()  # versions that could not be used, and why
    # the event type's major_version at each version (its compatibility group, ADR 0010);
    # empty when unknown (registry histories, shared types)
    groups: tuple[str | None, ...] = ()


class RegistryUnavailable(EventFlowError):
    """The registry did not answer, or answered with something unexpected."""

    code = ErrorCode.REGISTRY_UNREACHABLE


# -- git ----------------------------------------------------------------------------------------


class _TreeAtCommit:
    """The .avsc files of one commit, found by the type names they define (lazy)."""

    def __init__(
        self,
        repo: Path,
        commit: str,
        subdir: str,
        reader: git.BatchReader,
        memo: dict[tuple[str, str, tuple[str, ...]], ParsedSchema],
    ) -> None:
        self.repo, self.commit, self.subdir = repo, commit, subdir
        self._reader = reader
        self._memo = memo
        self._parsed: dict[str, ParsedSchema] = {}
        self._owner: dict[str, str] | None = None
        self._texts: dict[str, str] = {}

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            text = self._reader.read(self.commit, f"{self.subdir}/{path}")
            if text is None:
                return None
            self._texts[path] = text
        return self._texts[path]

    def owner_of(self, name: str) -> str | None:
        if self._owner is None:
            self._owner = {}
            for path in git.list_files(self.repo, self.commit, self.subdir):
                if not path.endswith(".avsc"):
                    continue
                text = self.text(path)
                try:
                    defined, _used = defined_and_used(json.loads(text or ""))
                except json.JSONDecodeError:
                    continue
                for defined_name in defined:
                    self._owner.setdefault(defined_name, path)
        return self._owner.get(name)

    def resolve(self, path: str, users: tuple[str, ...] = ()) -> ParsedSchema:
        """``path`` parsed with the files it refers to, all as of this commit."""
        if path in self._parsed:
            return self._parsed[path]
        if path in users:
            cycle = " -> ".join([*users, path])
            raise ConfigError(f"{self.label(path)}: schema files refer to each other: {cycle}")
        text = self.text(path)
        if text is None:
            raise ConfigError(f"{self.label(path)}: missing")
        _defined, used = defined_and_used(decode_json(text, self.label(path)))
        deps = sorted({o for n in used if (o := self.owner_of(n)) is not None and o != path})
        references = [self.resolve(dep, (*users, path)) for dep in deps]
        key = (path, text, tuple(t for r in references for t in r.identity))
        if key not in self._memo:  # shared by every commit: unchanged files parse once
            # earlier versions are never judged on their defaults (Confluent checks new ones)
            self._memo[key] = parse_schema(
                text, source=self.label(path), references=references, validate_defaults=False
            )
        self._parsed[path] = self._memo[key]
        return self._parsed[path]

    def label(self, path: str) -> str:
        return f"{self.commit[:12]}:{self.subdir}/{path}"

    def major_version_of(self, path: str) -> str | None:
        """The manifest's ``major_version`` of the event type in ``path`` at this commit (1 when
        the manifest did not say; None for a file that is no event type or no manifest)."""
        try:
            manifest = yaml.safe_load(self.text("manifest.yaml") or "")
        except yaml.YAMLError:
            return None
        events = manifest.get("event_types") if isinstance(manifest, dict) else None
        for event in events if isinstance(events, list) else []:
            if isinstance(event, dict) and event.get("file") == path:
                return str(event.get("major_version", 1))
        return None


def git_histories(ws: Workspace, repo: Path, ref: str, subdir: str) -> dict[str, SubjectHistory]:
    """Candidate versions of every file of ``ws`` on ``ref``'s first-parent line, keyed by file
    (relative to ``subdir``); :func:`published` turns them into the versions of a subject.

    A candidate is the file as resolved at a commit that changed it or a file it refers to;
    one equal to the candidate before it counts once.
    """
    git.resolve_commit(repo, ref)  # clear error for a bad ref before anything else
    trees: dict[str, _TreeAtCommit] = {}
    memo: dict[tuple[str, str, tuple[str, ...]], ParsedSchema] = {}
    with git.BatchReader(repo) as reader:

        def tree_at(commit: str) -> _TreeAtCommit:
            if commit not in trees:
                trees[commit] = _TreeAtCommit(repo, commit, subdir, reader, memo)
            return trees[commit]

        return {
            file: _file_history(ws, file, repo=repo, ref=ref, subdir=subdir, tree_at=tree_at)
            for file in ws.by_file
        }


def _file_history(
    ws: Workspace,
    file: str,
    *,
    repo: Path,
    ref: str,
    subdir: str,
    tree_at: Callable[[str], _TreeAtCommit],
) -> SubjectHistory:
    paths = [f"{subdir}/{f}" for f in [file, *closure(file, ws.dependencies)]]
    versions: list[ParsedSchema] = []
    labels: list[str] = []
    notes: list[str] = []
    groups: list[str | None] = []
    last: tuple[str, ...] | None = None
    for commit in git.commits_touching(repo, ref, paths, first_parent=True):
        tree = tree_at(commit)
        if tree.text(file) is None:
            continue  # the file did not exist yet (or was deleted) at that commit
        try:
            schema = tree.resolve(file)
        except ConfigError as exc:
            notes.append(f"skipped {tree.label(file)}: {exc}")
            continue
        if registry_identity(schema) == last and tree.major_version_of(file) == groups[-1]:
            continue  # e.g. only whitespace changed
        last = registry_identity(schema)
        versions.append(schema)
        labels.append(f"commit {commit[:12]}")
        groups.append(tree.major_version_of(file))
    return SubjectHistory(file, tuple(versions), tuple(labels), tuple(notes), tuple(groups))


def registry_identity(schema: ParsedSchema) -> tuple[str, ...]:
    """What a registry tells versions apart by: the schema's JSON (docs included, spacing not)
    and that of every schema it refers to."""
    return (_compact(schema.text), *sorted(_compact(t) for t in schema.reference_texts.values()))


def _compact(text: str) -> str:
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return text


def published(history: SubjectHistory, level: CompatibilityLevel) -> SubjectHistory:
    """The versions a registry at ``level`` would hold after registering ``history`` in order.

    A candidate identical to a version already published adds none (a revert lands on the
    version it restores); one the level refuses against the versions before it is not a version
    (a note says which and why); the others are numbered as the registry would number them.
    """
    versions: list[ParsedSchema] = []
    labels: list[str] = []
    groups: list[str | None] = []
    notes = list(history.notes)
    seen: set[tuple[str | None, ...]] = set()
    known = history.groups or (None,) * len(history.versions)
    for schema, label, group in zip(history.versions, history.labels, known, strict=True):
        identity = (*registry_identity(schema), group)
        if identity in seen:
            continue
        same_group = [v for v, g in zip(versions, groups, strict=True) if g == group]
        refused = (
            check_compatibility(schema, same_group, level).incompatibilities if same_group else ()
        )
        if refused:
            first = f"{refused[0].type.value} at {refused[0].location or '/'}"
            notes.append(f"{label} is not a published version: {level.value} refuses it ({first})")
            continue
        seen.add(identity)
        versions.append(schema)
        groups.append(group)
        labels.append(f"version {len(versions)} ({label})")
    kept_groups = tuple(groups) if history.groups else ()
    return SubjectHistory(
        history.subject, tuple(versions), tuple(labels), tuple(notes), kept_groups
    )


# -- registry -----------------------------------------------------------------------------------


class _Registry:
    """The two read-only calls of Confluent's REST API the check needs."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self._schemas: dict[tuple[str, int], ParsedSchema] = {}

    def get(self, path: str) -> Any:
        try:
            response = self.client.get(f"{self.url}{path}")
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"registry {self.url} did not answer ({exc})") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RegistryUnavailable(
                f"registry {self.url}{path} answered {response.status_code}: {response.text[:200]}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable(f"registry {self.url}{path} sent invalid JSON") from exc

    def versions(self, subject: str) -> list[int]:
        found = self.get(f"/subjects/{quote(subject, safe='')}/versions")
        return sorted(int(v) for v in found) if isinstance(found, list) else []

    def config(self, subject: str) -> Json:
        """The subject's config in scope (its own over the global one); {} when the registry
        has none (404) or answers without an object."""
        found = self.get(f"/config/{quote(subject, safe='')}?defaultToGlobal=true")
        return found if isinstance(found, dict) else {}

    def metadata(self, subject: str, version: int) -> Json | None:
        body = self.get(f"/subjects/{quote(subject, safe='')}/versions/{version}")
        found = body.get("metadata") if isinstance(body, dict) else None
        return found if isinstance(found, dict) else None

    def schema(self, subject: str, version: int, depth: int = 0) -> ParsedSchema:
        key = (subject, version)
        if key not in self._schemas:
            if depth > 32:
                raise RegistryUnavailable(f"registry references of {subject} nest too deeply")
            body = self.get(f"/subjects/{quote(subject, safe='')}/versions/{version}")
            if not isinstance(body, dict) or "schema" not in body:
                raise RegistryUnavailable(f"registry has no version {version} of {subject}")
            references = [
                self.schema(str(ref["subject"]), int(ref["version"]), depth + 1)
                for ref in body.get("references") or []
            ]
            label = f"{self.url}/subjects/{subject}/versions/{version}"
            self._schemas[key] = parse_schema(
                str(body["schema"]), source=label, references=references, validate_defaults=False
            )
        return self._schemas[key]


@dataclass(frozen=True)
class RegistryAccess:
    """How to reach a registry over HTTP: credentials and TLS (the CLI builds it from
    EVENTFLOW_REGISTRY__*, as the registry client does). Secrets stay out of ``repr``."""

    basic_auth: str | None = field(default=None, repr=False)  # ``user:password``
    bearer_token: str | None = field(default=None, repr=False)
    tls: ssl.SSLContext | None = None  # CA bundle + client certificate; None: system CAs


def registry_histories(
    subjects: Mapping[str, bool],
    url: str,
    *,
    access: RegistryAccess | None = None,
    transport: httpx.BaseTransport | None = None,
    metadata: Mapping[str, Json | None] | None = None,
    rule_sets: Mapping[str, Json | None] | None = None,
) -> dict[str, SubjectHistory]:
    """Registered versions of each subject (``subjects``: name -> needs every version).

    When the subject's config names a ``compatibilityGroup``, only the versions of the
    candidate's group count, as the registry decides on register: the candidate's value is
    the property of its ``metadata`` (what would be registered with it; absent: the latest
    version's, carried over) merged over the config's ``defaultMetadata`` and under its
    ``overrideMetadata``. ``rule_sets``: the candidates' rule sets, for the roll-out note."""
    out: dict[str, SubjectHistory] = {}
    access = access or RegistryAccess()
    auth = None
    headers = {}
    if access.basic_auth:
        user, _, password = access.basic_auth.partition(":")
        auth = httpx.BasicAuth(user, password)
    elif access.bearer_token:
        headers["Authorization"] = f"Bearer {access.bearer_token}"
    verify: ssl.SSLContext | bool = access.tls if access.tls is not None else True
    with httpx.Client(
        timeout=30.0, transport=transport, auth=auth, headers=headers, verify=verify
    ) as client:
        registry = _Registry(url, client)
        for subject, every_version in subjects.items():
            numbers = registry.versions(subject)
            notes: tuple[str, ...] = ()
            config = registry.config(subject) if numbers else {}
            if isinstance(config.get("compatibilityGroup"), str) and config["compatibilityGroup"]:
                wanted = (metadata or {}).get(subject)
                numbers, notes = _same_group(
                    registry,
                    subject,
                    numbers,
                    config=config,
                    declared=wanted,
                    rule_set=(rule_sets or {}).get(subject),
                )
            if not every_version:
                numbers = numbers[-1:]
            schemas = tuple(registry.schema(subject, n) for n in numbers)
            labels = tuple(f"registry version {n}" for n in numbers)
            out[subject] = SubjectHistory(subject, schemas, labels, notes)
    return out


def _same_group(
    registry: _Registry,
    subject: str,
    numbers: list[int],
    *,
    config: Json,
    declared: Json | None,
    rule_set: Json | None,
) -> tuple[list[int], tuple[str, ...]]:
    """The versions of the candidate's compatibility group, and a note when others exist."""
    group = str(config["compatibilityGroup"])
    by_version = {n: registry.metadata(subject, n) for n in numbers}
    own = declared if declared is not None else by_version[numbers[-1]]
    merged = merge_metadata(
        merge_metadata(_object(config.get("defaultMetadata")), own),
        _object(config.get("overrideMetadata")),
    )
    wanted = property_of(merged, group)
    keep = [n for n in numbers if property_of(by_version[n], group) == wanted]
    if len(keep) == len(numbers):
        return keep, ()
    others = sorted({str(property_of(by_version[n], group)) for n in numbers if n not in keep})
    skipped = ", ".join(str(n) for n in numbers if n not in keep)
    note = (
        f"registry compatibilityGroup {group}: this schema is in group {group}={wanted}; "
        f"registry version(s) {skipped} ({group} {', '.join(others)}) are another group and "
        "not checked, as the registry does on register"
    )
    if not keep:
        note += "; " + new_group_rollout(group, wanted, others, rule_set)
    return keep, (note,)


def _object(raw: object) -> Json | None:
    return raw if isinstance(raw, dict) else None


def new_group_rollout(
    group: str, wanted: str | None, others: list[str], rule_set: Json | None
) -> str:
    """How to roll out the first version of a new compatibility group (ADR 0010)."""
    old = others[-1] if others else "the old one"
    return (
        f"{group} {wanted} starts a new compatibility group (an intentional breaking change). "
        f"Roll it out consumers first: each consumer moves to {group} {wanted}, or stays on "
        f"{old} by reading with use.latest.with.metadata {{{group}: {old}}}; producers switch "
        f"last (ADR 0010). This version's {migration_summary(rule_set)}"
    )
