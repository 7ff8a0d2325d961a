"""The contracts manifest (``schemas/avro/manifest.yaml``): parse, validate, expand (pure).

The manifest declares every subject: its schema file, topic, key or value role, subject name
strategy, compatibility level and owner. Event types are declared once and expanded into one
``TopicRecordNameStrategy`` subject per pipeline topic (ADR 0002). Errors name the manifest
and the line, e.g. ``manifest.yaml:12: event_types[1].compatibility 'BACKWARDS' is not ...``.

References between schemas are not visible in the manifest text; they are filled in by
:mod:`eventflow.workspace`, which reads the schema files.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, cast

import yaml

from eventflow.contracts._compatibility_types import CompatibilityLevel
from eventflow.errors import ConfigError, ErrorCode

Role = Literal["key", "value"]
Strategy = Literal["TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy"]

ROLES: tuple[Role, ...] = ("key", "value")
STRATEGIES: tuple[Strategy, ...] = (
    "TopicNameStrategy",
    "RecordNameStrategy",
    "TopicRecordNameStrategy",
)

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_FULL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

_TOP_KEYS = {"pipeline_topics", "shared_types", "event_types", "dead_letter", "subjects"}
_COMMON_KEYS = {"record", "file", "compatibility", "owner"}
_SHARED_KEYS = _COMMON_KEYS
_EVENT_KEYS = _COMMON_KEYS | {"event_type", "partition_key", "topics", "major_version", "rules"}
_DEAD_LETTER_KEYS = _COMMON_KEYS | {"topic"}
_SUBJECT_KEYS = _COMMON_KEYS | {"subject", "topic", "role", "strategy"}


class ManifestError(ConfigError):
    """The manifest is invalid, or names something that does not exist."""

    code = ErrorCode.MANIFEST_INVALID


@dataclass(frozen=True)
class SubjectEntry:
    """One registry subject and the contract behind it."""

    subject: str
    topic: str | None
    role: Role
    strategy: Strategy
    file: str  # path relative to schemas/avro
    record_name: str  # full name of the file's top-level named type
    compatibility: CompatibilityLevel
    owner: str
    references: tuple[str, ...]  # subjects of the shared types this schema refers to
    event_type: str | None  # e.g. "order.placed" for event subjects, else None
    line: int = field(default=0, compare=False)  # manifest line that declared it


@dataclass(frozen=True)
class EventTypeEntry:
    """One event type: one record, registered once per topic it travels."""

    event_type: str
    record_name: str
    file: str
    partition_key: str  # dotted path into the record, e.g. "payload.order_id"
    owner: str
    compatibility: CompatibilityLevel
    topics: tuple[str, ...]
    line: int = field(default=0, compare=False)
    major_version: int = 1  # metadata property and compatibility group (ADR 0010)
    rules: str | None = None  # Confluent rule set file (domain rules in CEL), next to the schema


@dataclass(frozen=True)
class Manifest:
    """Every subject (shared types first), every event type, and the dead-letter subject."""

    subjects: tuple[SubjectEntry, ...]
    event_types: tuple[EventTypeEntry, ...]
    dead_letter: SubjectEntry
    pipeline_topics: tuple[str, ...] = ()
    source: str = "manifest.yaml"

    def subject(self, name: str) -> SubjectEntry:
        for entry in self.subjects:
            if entry.subject == name:
                return entry
        raise ManifestError(f"{self.source}: no subject {name!r} is declared")

    def event_type(self, name: str) -> EventTypeEntry:
        for entry in self.event_types:
            if entry.event_type == name:
                return entry
        known = ", ".join(e.event_type for e in self.event_types) or "none"
        raise ManifestError(f"{self.source}: unknown event type {name!r} (declared: {known})")

    def shared_types(self) -> tuple[SubjectEntry, ...]:
        """Subjects of the shared named types (RecordNameStrategy, no topic)."""
        return tuple(s for s in self.subjects if s.strategy == "RecordNameStrategy")

    def files(self) -> tuple[str, ...]:
        """Every schema file the manifest names, each once, in declaration order."""
        return tuple(dict.fromkeys(s.file for s in self.subjects))


def subject_name(strategy: Strategy, topic: str | None, role: Role, record_name: str) -> str:
    """The subject Confluent's serializers derive with ``strategy``."""
    if strategy == "RecordNameStrategy":
        return record_name
    if topic is None:
        raise ValueError(f"{strategy} needs a topic")
    if strategy == "TopicNameStrategy":
        return f"{topic}-{role}"
    return f"{topic}-{record_name}"


def parse_manifest(
    text: str, *, source: str = "manifest.yaml", known_files: Collection[str] | None = None
) -> Manifest:
    """Validate and expand the manifest. ``known_files``: files that exist (relative paths)."""
    return _Parser(source, known_files).parse(text)


_Entries = dict[str, tuple[yaml.Node, yaml.Node]]


class _Common(NamedTuple):
    record: str
    file: str
    level: CompatibilityLevel
    owner: str


class _Parser:
    def __init__(self, source: str, known_files: Collection[str] | None) -> None:
        self.source = source
        self.known_files = None if known_files is None else set(known_files)
        self.subjects: list[SubjectEntry] = []
        self.subject_lines: dict[str, int] = {}
        self.file_records: dict[str, tuple[str, int]] = {}

    def fail(self, node: yaml.Node, message: str) -> ManifestError:
        return ManifestError(f"{self.source}:{node.start_mark.line + 1}: {message}")

    def parse(self, text: str) -> Manifest:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else 0
            raise ManifestError(f"{self.source}:{line}: not valid YAML: {exc.problem}") from exc
        if root is None:
            raise ManifestError(f"{self.source}:1: the manifest is empty")
        top = self.mapping(root, "the manifest", _TOP_KEYS, "")
        pipeline: tuple[str, ...] = ()
        if "pipeline_topics" in top:
            pipeline = self.topic_list(top["pipeline_topics"][1], "pipeline_topics")
        for index, node in enumerate(self.sequence(top, "shared_types")):
            self.shared_type(node, f"shared_types[{index}]")
        event_types = [
            self.event_type(node, f"event_types[{index}]", pipeline)
            for index, node in enumerate(self.sequence(top, "event_types"))
        ]
        seen_types: dict[str, int] = {}
        for entry in event_types:
            if entry.event_type in seen_types:
                raise ManifestError(
                    f"{self.source}:{entry.line}: event type {entry.event_type!r} is declared "
                    f"twice (first at line {seen_types[entry.event_type]})"
                )
            seen_types[entry.event_type] = entry.line
        if "dead_letter" not in top:
            raise self.fail(root, "missing the `dead_letter:` section (the dead-letter subject)")
        dead_letter = self.dead_letter(top["dead_letter"][1])
        for index, node in enumerate(self.sequence(top, "subjects")):
            self.explicit_subject(node, f"subjects[{index}]")
        return Manifest(
            subjects=tuple(self.subjects),
            event_types=tuple(event_types),
            dead_letter=dead_letter,
            pipeline_topics=pipeline,
            source=self.source,
        )

    # -- sections ---------------------------------------------------------------------------

    def shared_type(self, node: yaml.Node, where: str) -> None:
        entry = self.mapping(node, where, _SHARED_KEYS, f"{where}.")
        common = self.common(node, entry, where)
        self.add(node, common, strategy="RecordNameStrategy", topic=None)

    def event_type(self, node: yaml.Node, where: str, pipeline: tuple[str, ...]) -> EventTypeEntry:
        entry = self.mapping(node, where, _EVENT_KEYS, f"{where}.")
        name = self.required(node, entry, "event_type", where)
        if not _EVENT_TYPE.match(name):
            raise self.fail(
                entry["event_type"][1],
                f"{where}.event_type {name!r} must be lower-case dotted words, e.g. 'order.placed'",
            )
        common = self.common(node, entry, where)
        key = self.required(node, entry, "partition_key", where)
        if not _DOTTED_PATH.match(key):
            raise self.fail(
                entry["partition_key"][1],
                f"{where}.partition_key {key!r} must be a dotted field path, e.g. "
                "'payload.order_id'",
            )
        if "topics" in entry:
            topics = self.topic_list(entry["topics"][1], f"{where}.topics")
        elif pipeline:
            topics = pipeline
        else:
            raise self.fail(node, f"{where} has no `topics` and the manifest no `pipeline_topics`")
        for topic in topics:
            self.add(node, common, strategy="TopicRecordNameStrategy", topic=topic, event_type=name)
        line = node.start_mark.line + 1
        major = self.scalar(entry["major_version"][1], where) if "major_version" in entry else "1"
        if not major.isdigit() or int(major) < 1:
            raise self.fail(
                entry["major_version"][1],
                f"{where}.major_version must be a whole number >= 1, got {major!r}",
            )
        rules = self.required(node, entry, "rules", where) if "rules" in entry else None
        if rules is not None and (rules.startswith("/") or ".." in rules.split("/")):
            raise self.fail(entry["rules"][1], f"{where}.rules must be a relative path")
        return EventTypeEntry(
            name,
            common.record,
            common.file,
            key,
            common.owner,
            common.level,
            topics,
            line,
            int(major),
            rules,
        )

    def dead_letter(self, node: yaml.Node) -> SubjectEntry:
        entry = self.mapping(node, "dead_letter", _DEAD_LETTER_KEYS, "dead_letter.")
        common = self.common(node, entry, "dead_letter")
        topic = self.topic(node, entry, "dead_letter")
        return self.add(node, common, strategy="TopicNameStrategy", topic=topic)

    def explicit_subject(self, node: yaml.Node, where: str) -> None:
        entry = self.mapping(node, where, _SUBJECT_KEYS, f"{where}.")
        common = self.common(node, entry, where)
        role = self.choice(node, entry, "role", where, ROLES)
        strategy = self.choice(node, entry, "strategy", where, STRATEGIES)
        topic = None if strategy == "RecordNameStrategy" else self.topic(node, entry, where)
        if strategy == "RecordNameStrategy" and "topic" in entry:
            raise self.fail(
                entry["topic"][0], f"{where}: RecordNameStrategy subjects have no topic"
            )
        added = self.add(
            node, common, strategy=cast(Strategy, strategy), topic=topic, role=cast(Role, role)
        )
        if "subject" in entry:
            declared = self.scalar(entry["subject"][1], f"{where}.subject")
            if declared != added.subject:
                raise self.fail(
                    entry["subject"][1],
                    f"{where}.subject {declared!r} does not match its strategy: {strategy} "
                    f"names it {added.subject!r}",
                )

    # -- shared pieces ----------------------------------------------------------------------

    def common(self, node: yaml.Node, entry: _Entries, where: str) -> _Common:
        record = self.required(node, entry, "record", where)
        if not _FULL_NAME.match(record):
            raise self.fail(
                entry["record"][1], f"{where}.record {record!r} is not a valid Avro full name"
            )
        file = self.required(node, entry, "file", where)
        file_node = entry["file"][1]
        if file.startswith("/") or ".." in file.split("/") or not file.endswith(".avsc"):
            raise self.fail(
                file_node,
                f"{where}.file {file!r} must be a relative path to an .avsc file inside the "
                "schemas folder",
            )
        if self.known_files is not None and file not in self.known_files:
            raise self.fail(file_node, f"{where}.file {file!r}: unknown file (no such schema file)")
        first = self.file_records.setdefault(file, (record, file_node.start_mark.line + 1))
        if first[0] != record:
            raise self.fail(
                file_node,
                f"{where}.file {file!r} is declared with record {first[0]!r} at line {first[1]}; "
                f"one file holds one top-level type, not also {record!r}",
            )
        raw_level = self.required(node, entry, "compatibility", where)
        try:
            level = CompatibilityLevel(raw_level)
        except ValueError:
            allowed = ", ".join(str(v.value) for v in CompatibilityLevel)
            raise self.fail(
                entry["compatibility"][1],
                f"{where}.compatibility {raw_level!r} is not a compatibility level "
                f"(one of: {allowed})",
            ) from None
        owner = self.required(node, entry, "owner", where)
        return _Common(record, file, level, owner)

    def add(
        self,
        node: yaml.Node,
        common: _Common,
        *,
        strategy: Strategy,
        topic: str | None,
        role: Role = "value",
        event_type: str | None = None,
    ) -> SubjectEntry:
        record, file, level, owner = common
        name = subject_name(strategy, topic, role, record)
        line = node.start_mark.line + 1
        if name in self.subject_lines:
            raise ManifestError(
                f"{self.source}:{line}: duplicate subject {name!r} "
                f"(first declared at line {self.subject_lines[name]})"
            )
        self.subject_lines[name] = line
        entry = SubjectEntry(
            name, topic, role, strategy, file, record, level, owner, (), event_type, line
        )
        self.subjects.append(entry)
        return entry

    def topic(self, node: yaml.Node, entry: _Entries, where: str) -> str:
        topic = self.required(node, entry, "topic", where)
        if not _TOPIC.match(topic) or topic in {".", ".."}:
            raise self.fail(entry["topic"][1], f"{where}.topic {topic!r} is not a valid topic name")
        return topic

    def topic_list(self, node: yaml.Node, where: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"`{where}` must be a non-empty list of topic names")
        topics: list[str] = []
        for item in node.value:
            topic = self.scalar(item, where)
            if not _TOPIC.match(topic) or topic in {".", ".."}:
                raise self.fail(item, f"{where}: {topic!r} is not a valid topic name")
            if topic in topics:
                raise self.fail(item, f"{where}: topic {topic!r} is listed twice")
            topics.append(topic)
        return tuple(topics)

    def choice(
        self, node: yaml.Node, entry: _Entries, key: str, where: str, allowed: tuple[str, ...]
    ) -> str:
        value = self.required(node, entry, key, where)
        if value not in allowed:
            raise self.fail(
                entry[key][1], f"{where}.{key} {value!r} must be one of: {', '.join(allowed)}"
            )
        return value

    def sequence(self, top: _Entries, key: str) -> Iterator[yaml.Node]:
        if key not in top:
            return iter(())
        node = top[key][1]
        if isinstance(node, yaml.ScalarNode) and node.value in {"", "null", "~"}:
            return iter(())
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"`{key}` must be a list")
        return iter(cast(list[yaml.Node], node.value))

    def mapping(self, node: yaml.Node, where: str, allowed: set[str], prefix: str) -> _Entries:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{where} must be a mapping")
        out: _Entries = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, where)
            if key not in allowed:
                raise self.fail(
                    key_node,
                    f"unknown key `{prefix}{key}` (allowed: {', '.join(sorted(allowed))})",
                )
            if key in out:
                raise self.fail(key_node, f"key `{prefix}{key}` appears twice")
            out[key] = (key_node, value_node)
        return out

    def required(self, node: yaml.Node, entry: _Entries, key: str, where: str) -> str:
        if key not in entry:
            raise self.fail(node, f"{where} has no `{key}`")
        value = self.scalar(entry[key][1], f"{where}.{key}")
        if not value.strip():
            raise self.fail(entry[key][1], f"{where}.{key} is empty")
        return value

    def scalar(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{where} must be a single value")
        return str(node.value)
