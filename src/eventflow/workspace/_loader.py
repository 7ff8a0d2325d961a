"""Build a :class:`Workspace` from the contracts folder on disk or at a git ref.

The I/O edge of the contracts: it reads ``manifest.yaml`` and the ``.avsc`` files, finds which
files each schema refers to (by type name), parses them in dependency order with the shared
types as references, and checks the files against the manifest (record names, partition
keys). Everything after reading is done by :func:`build_workspace`, which takes texts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eventflow.contracts import (
    DataContract,
    DataContractError,
    EventTypeEntry,
    Manifest,
    ManifestError,
    ParsedSchema,
    SubjectEntry,
    declared_contract,
    parse_manifest,
    parse_rules_file,
    parse_schema,
)
from eventflow.errors import ConfigError, ErrorCode
from eventflow.workspace import _git as git
from eventflow.workspace._names import PRIMITIVES, defined_and_used

MANIFEST_FILE = "manifest.yaml"
_KEY_TYPES = {"string", "int", "long"}


class WorkspaceError(ConfigError):
    """A schema file is missing or unreadable, or disagrees with the manifest."""

    code = ErrorCode.SCHEMA_FILE_INVALID


@dataclass(frozen=True)
class Workspace:
    """The manifest and every schema it names, parsed with references resolved."""

    root: Path
    manifest: Manifest
    schemas: Mapping[str, ParsedSchema]  # by the top-level type's full name
    by_file: Mapping[str, ParsedSchema] = field(default_factory=dict)
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # file -> files
    contracts: Mapping[str, DataContract] = field(default_factory=dict)  # by event type

    def contract_for_subject(self, subject: str) -> DataContract | None:
        """The metadata and rules registered with ``subject`` (event subjects only)."""
        event_type = self.manifest.subject(subject).event_type
        return None if event_type is None else self.contracts.get(event_type)

    def schema_for_subject(self, subject: str) -> ParsedSchema:
        return self.by_file[self.manifest.subject(subject).file]

    def schema_for_event_type(self, event_type: str) -> ParsedSchema:
        return self.by_file[self.manifest.event_type(event_type).file]

    def registration_order(self) -> list[SubjectEntry]:
        """Every subject, each after the shared types it refers to."""
        order = list(self.dependencies)  # files in dependency order
        rank = {name: index for index, name in enumerate(order)}
        subjects = list(self.manifest.subjects)
        return sorted(subjects, key=lambda s: (rank.get(s.file, len(rank)), subjects.index(s)))

    def path_of(self, file: str) -> Path:
        return self.root / file


def load_workspace(
    root: Path = Path("schemas/avro"), *, validate_defaults: bool = True
) -> Workspace:
    """Read ``root/manifest.yaml`` and the schema files it names.

    ``validate_defaults``: the field defaults of these (new) schemas must match their types,
    as a registry with Confluent's ``avro.validate.defaults`` on requires."""
    manifest_path = root / MANIFEST_FILE
    try:
        manifest_text = manifest_path.read_text("utf-8")
    except OSError as exc:
        raise WorkspaceError(f"{manifest_path}: cannot read the manifest ({exc.strerror})") from exc
    known = {p.relative_to(root).as_posix() for p in root.rglob("*.avsc") if p.is_file()}
    manifest = parse_manifest(manifest_text, source=str(manifest_path), known_files=known)
    texts: dict[str, str] = {}
    for file in manifest.files():
        try:
            texts[file] = (root / file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"{root / file}:1: cannot read the schema file ({exc})") from exc
    for event in manifest.event_types:
        if event.rules is not None:
            try:
                texts[event.rules] = (root / event.rules).read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                where = f"{root / event.rules}:1"
                raise WorkspaceError(
                    f"{where}: cannot read the rules file of {event.event_type} ({exc})"
                ) from exc
    return build_workspace(
        root, manifest, texts, label=str(root), validate_defaults=validate_defaults
    )


def load_workspace_at_ref(repo: Path, ref: str, subdir: str = "schemas/avro") -> Workspace:
    """The workspace as committed at ``ref`` (read with ``git show``; nothing checked out)."""
    commit = git.resolve_commit(repo, ref)
    prefix = subdir.strip("/")
    manifest_text = git.show_file(repo, commit, f"{prefix}/{MANIFEST_FILE}")
    if manifest_text is None:
        raise WorkspaceError(f"{ref}:{prefix}/{MANIFEST_FILE}: no manifest at this ref")
    known = {f for f in git.list_files(repo, commit, prefix) if f.endswith(".avsc")}
    source = f"{ref}:{prefix}/{MANIFEST_FILE}"
    manifest = parse_manifest(manifest_text, source=source, known_files=known)
    texts: dict[str, str] = {}
    for file in manifest.files():
        text = git.show_file(repo, commit, f"{prefix}/{file}")
        if text is None:
            raise WorkspaceError(f"{ref}:{prefix}/{file}: missing at this ref")
        texts[file] = text
    for event in manifest.event_types:
        if event.rules is not None:
            text = git.show_file(repo, commit, f"{prefix}/{event.rules}")
            if text is None:
                raise WorkspaceError(f"{ref}:{prefix}/{event.rules}: missing at this ref")
            texts[event.rules] = text
    return build_workspace(repo / prefix, manifest, texts, label=f"{ref}:{prefix}")


def decode_json(text: str, source: str) -> Any:
    """``json.loads`` with a ``source:line:col`` error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkspaceError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc


def dependency_order(
    names: Mapping[str, tuple[set[str], set[str]]], sources: Mapping[str, str]
) -> dict[str, tuple[str, ...]]:
    """Files in dependency order, each with the files it uses directly.

    ``names``: file -> (defined full names, used full names). Names defined nowhere are left
    to the parser to report (unknown type, with its line).
    """
    owner: dict[str, str] = {}
    for file, (defined, _used) in names.items():
        for name in defined:
            if name in owner:
                raise WorkspaceError(
                    f"{sources[file]}:1: type {name!r} is also defined in {sources[owner[name]]}; "
                    "define a shared type once and refer to it by name"
                )
            owner[name] = file
    direct = {
        file: tuple(sorted({owner[n] for n in used if n in owner and owner[n] != file}))
        for file, (_defined, used) in names.items()
    }
    ordered: dict[str, tuple[str, ...]] = {}
    visiting: list[str] = []

    def visit(file: str) -> None:
        if file in ordered:
            return
        if file in visiting:
            cycle = " -> ".join([*visiting[visiting.index(file) :], file])
            raise WorkspaceError(f"{sources[file]}:1: schema files refer to each other: {cycle}")
        visiting.append(file)
        for dep in direct[file]:
            visit(dep)
        visiting.pop()
        ordered[file] = direct[file]

    for file in names:
        visit(file)
    return ordered


def closure(file: str, direct: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every file ``file`` depends on, directly or not, in dependency order."""
    seen: dict[str, None] = {}

    def visit(current: str) -> None:
        for dep in direct.get(current, ()):
            if dep not in seen:
                visit(dep)
                seen[dep] = None

    visit(file)
    return list(seen)


def parse_in_order(
    texts: Mapping[str, str], sources: Mapping[str, str], *, validate_defaults: bool = True
) -> tuple[dict[str, ParsedSchema], dict[str, tuple[str, ...]]]:
    """Parse every file with the files it refers to as references."""
    names = {f: defined_and_used(decode_json(t, sources[f])) for f, t in texts.items()}
    order = dependency_order(names, sources)
    parsed: dict[str, ParsedSchema] = {}
    for file in order:
        references = [parsed[dep] for dep in closure(file, order)]
        parsed[file] = parse_schema(
            texts[file],
            source=sources[file],
            references=references,
            validate_defaults=validate_defaults,
        )
    return parsed, order


def build_workspace(
    root: Path,
    manifest: Manifest,
    texts: Mapping[str, str],
    *,
    label: str,
    validate_defaults: bool = True,
) -> Workspace:
    """Parse the manifest's files (``texts``: relative path -> text, schema files and the
    event types' rules files) and cross-check them."""
    rule_files = {e.rules for e in manifest.event_types if e.rules is not None}
    for event in manifest.event_types:
        if event.rules is not None and event.rules not in texts:
            raise WorkspaceError(
                f"{label}/{event.rules}:1: the rules file of {event.event_type} was not read"
            )
    contracts = {
        e.event_type: _contract(e, texts.get(e.rules) if e.rules else None, f"{label}/{e.rules}")
        for e in manifest.event_types
    }
    texts = {file: text for file, text in texts.items() if file not in rule_files}
    sources = {file: f"{label}/{file}" for file in texts}
    parsed, order = parse_in_order(texts, sources, validate_defaults=validate_defaults)
    shared_subject = {s.file: s.subject for s in manifest.shared_types()}
    subjects: list[SubjectEntry] = []
    for entry in manifest.subjects:
        schema = parsed[entry.file]
        if schema.fullname != entry.record_name:
            raise ManifestError(
                f"{manifest.source}:{entry.line}: record {entry.record_name!r} expected in "
                f"{entry.file}, but it defines {schema.fullname!r}"
            )
        references: list[str] = []
        for dep in order[entry.file]:
            if dep not in shared_subject:
                raise ManifestError(
                    f"{manifest.source}:{entry.line}: {entry.file} uses types of {dep}, which is "
                    "not declared under shared_types; declare it there to register it as a "
                    "schema reference"
                )
            references.append(shared_subject[dep])
        subjects.append(replace(entry, references=tuple(references)))
    for event in manifest.event_types:
        _check_partition_key(event, parsed, order, manifest.source)
    resolved = replace(
        manifest,
        subjects=tuple(subjects),
        dead_letter=next(s for s in subjects if s.subject == manifest.dead_letter.subject),
    )
    schemas = {schema.fullname: schema for schema in parsed.values() if schema.fullname}
    return Workspace(root, resolved, schemas, parsed, order, contracts)


def _contract(event: EventTypeEntry, rules_text: str | None, source: str) -> DataContract:
    """The event type's metadata and its rules file (Confluent's rule set JSON in YAML or
    JSON, plus EventFlow's code rules), every problem named with file and line."""
    if rules_text is None:
        return declared_contract(event.owner, event.major_version)
    try:
        rules = parse_rules_file(rules_text, source)
    except DataContractError as exc:
        raise WorkspaceError(str(exc)) from exc
    return declared_contract(event.owner, event.major_version, rules.rule_set, rules.code_rules)


def _check_partition_key(
    event: EventTypeEntry,
    parsed: Mapping[str, ParsedSchema],
    order: Mapping[str, tuple[str, ...]],
    manifest_source: str,
) -> None:
    named: dict[str, Any] = {}
    for file in [*closure(event.file, order), event.file]:
        named.update(parsed[file].named_types)
    node: Any = parsed[event.file].json
    walked: list[str] = []
    for part in event.partition_key.split("."):
        node = _resolve(node, named)
        fields = node.get("fields", []) if isinstance(node, dict) else []
        match = next((f for f in fields if isinstance(f, dict) and f.get("name") == part), None)
        if match is None:
            where = ".".join(walked) or event.record_name
            raise ManifestError(
                f"{manifest_source}:{event.line}: partition_key {event.partition_key!r} of "
                f"{event.event_type!r}: {where} has no field {part!r}"
            )
        walked.append(part)
        node = match.get("type")
    leaf = _resolve(node, named)
    kind = leaf.get("type") if isinstance(leaf, dict) else leaf
    if not isinstance(kind, str) or kind not in _KEY_TYPES:
        kind = _describe_type(kind)
        raise ManifestError(
            f"{manifest_source}:{event.line}: partition_key {event.partition_key!r} of "
            f"{event.event_type!r} must be a required string, int or long field, not {kind!r}"
        )


def _describe_type(kind: Any) -> str:
    if isinstance(kind, list):
        return "a union " + json.dumps(kind)
    return json.dumps(kind) if not isinstance(kind, str) else kind


def _resolve(node: Any, named: Mapping[str, Any]) -> Any:
    if isinstance(node, str) and node not in PRIMITIVES:
        if node in named:
            return named[node]
        return next((v for k, v in named.items() if k.endswith(f".{node}")), node)
    if isinstance(node, dict) and isinstance(node.get("type"), (dict, list)):
        return _resolve(node["type"], named)
    if isinstance(node, dict) and node.get("type") in named:
        return named[node["type"]]
    return node
