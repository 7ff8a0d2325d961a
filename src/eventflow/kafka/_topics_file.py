"""The declarative topics file: parse and validate (pure, no broker access).

Errors name the file and line, e.g. ``topics.yaml:12: topics[1].partitions must be ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from eventflow.errors import ConfigError, ErrorCode

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_TOP_KEYS = {"defaults", "topics"}
_DEFAULT_KEYS = {"replication_factor", "config"}
_TOPIC_KEYS = {"name", "partitions", "replication_factor", "config"}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


class TopicsFileError(ConfigError):
    code = ErrorCode.TOPICS_FILE_INVALID


def load_topics_file(path: Path) -> list[TopicSpec]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise TopicsFileError(f"{path}: cannot read the topics file ({exc.strerror})") from exc
    return parse_topics(text, source=str(path))


def parse_topics(text: str, *, source: str = "topics.yaml") -> list[TopicSpec]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise TopicsFileError(f"{source}:{line}: not valid YAML: {exc.problem}") from exc
    if root is None:
        raise TopicsFileError(f"{source}:1: the topics file is empty; it needs a `topics:` list")
    top = _mapping(root, source, "the file")
    _no_unknown(top, _TOP_KEYS, source, "")
    defaults_node = top.get("defaults")
    default_rf, default_cfg = 1, {}
    if defaults_node is not None:
        defaults = _mapping(defaults_node[1], source, "defaults")
        _no_unknown(defaults, _DEFAULT_KEYS, source, "defaults.")
        if "replication_factor" in defaults:
            default_rf = _positive_int(
                defaults["replication_factor"][1], source, "defaults.replication_factor"
            )
        if "config" in defaults:
            default_cfg = _config(defaults["config"][1], source, "defaults.config")
    if "topics" not in top:
        raise TopicsFileError(f"{source}:{root.start_mark.line + 1}: missing the `topics:` list")
    topics_node = top["topics"][1]
    if not isinstance(topics_node, yaml.SequenceNode) or not topics_node.value:
        raise TopicsFileError(
            f"{source}:{topics_node.start_mark.line + 1}: `topics` must be a non-empty list"
        )
    specs: list[TopicSpec] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(topics_node.value):
        where = f"topics[{index}]"
        entry = _mapping(item, source, where)
        _no_unknown(entry, _TOPIC_KEYS, source, f"{where}.")
        line = item.start_mark.line + 1
        if "name" not in entry:
            raise TopicsFileError(f"{source}:{line}: {where} has no `name`")
        name = _scalar(entry["name"][1], source, f"{where}.name")
        if not _TOPIC_NAME.match(name) or name in {".", ".."}:
            raise TopicsFileError(
                f"{source}:{line}: {where}.name {name!r} is not a valid Kafka topic name "
                "(letters, digits, '.', '_', '-'; at most 249)"
            )
        if name in seen:
            raise TopicsFileError(
                f"{source}:{line}: topic {name!r} is declared twice (first at line {seen[name]})"
            )
        seen[name] = line
        if "partitions" not in entry:
            raise TopicsFileError(f"{source}:{line}: {where} ({name}) has no `partitions`")
        partitions = _positive_int(entry["partitions"][1], source, f"{where}.partitions")
        rf = default_rf
        if "replication_factor" in entry:
            rf = _positive_int(
                entry["replication_factor"][1], source, f"{where}.replication_factor"
            )
        config = dict(default_cfg)
        if "config" in entry:
            config.update(_config(entry["config"][1], source, f"{where}.config"))
        specs.append(TopicSpec(name, partitions, rf, config))
    return specs


_Entries = dict[str, tuple[yaml.Node, yaml.Node]]


def _mapping(node: yaml.Node, source: str, where: str) -> _Entries:
    if not isinstance(node, yaml.MappingNode):
        raise TopicsFileError(f"{source}:{node.start_mark.line + 1}: {where} must be a mapping")
    out: _Entries = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, source, where)
        out[key] = (key_node, value_node)
    return out


def _no_unknown(entries: _Entries, allowed: set[str], source: str, prefix: str) -> None:
    for key, (key_node, _value) in entries.items():
        if key not in allowed:
            raise TopicsFileError(
                f"{source}:{key_node.start_mark.line + 1}: unknown key `{prefix}{key}` "
                f"(allowed: {', '.join(sorted(allowed))})"
            )


def _scalar(node: yaml.Node, source: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise TopicsFileError(f"{source}:{node.start_mark.line + 1}: {where} must be a value")
    return str(node.value)


def _positive_int(node: yaml.Node, source: str, where: str) -> int:
    raw = _scalar(node, source, where)
    line = node.start_mark.line + 1
    if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
        raise TopicsFileError(f"{source}:{line}: {where} must be a whole number ≥ 1, got {raw!r}")
    return int(raw)


def _config(node: yaml.Node, source: str, where: str) -> dict[str, str]:
    return {
        key: _scalar(value, source, f"{where}.{key}")
        for key, (_k, value) in _mapping(node, source, where).items()
    }
