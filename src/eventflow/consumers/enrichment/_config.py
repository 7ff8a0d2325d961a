"""Which enrichers run on which field of which event type (files in ``rules/enrichment/``).

``rules/enrichment/<event_type>.yaml``::

    event_type: user.registered
    enrichers:
      - enricher: language        # entry-point name in group eventflow.enrichers
        field: payload.bio        # dotted path to a string field
        on_failure: degrade       # degrade (default from settings) | dead_letter
        timeout_ms: 200           # optional, default from settings
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eventflow.errors import ConfigError, ErrorCode

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ENTRY_KEYS = {"enricher", "field", "on_failure", "timeout_ms"}
FAILURE_POLICIES = ("degrade", "dead_letter")


class EnrichmentConfigError(ConfigError):
    code = ErrorCode.PIPELINE_ENRICHER_FAILED


@dataclass(frozen=True)
class EnrichmentStep:
    enricher: str
    field_path: str
    on_failure: str | None = None
    timeout_ms: int | None = None


def parse_enrichment(text: str, *, source: str) -> tuple[str, tuple[EnrichmentStep, ...]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise EnrichmentConfigError(f"{source}:{line}: not valid YAML: {exc.problem}") from exc
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise EnrichmentConfigError(
            f"{source}:1: expected a mapping with `event_type` and `enrichers`"
        )
    unknown = sorted(set(data) - {"event_type", "enrichers"})
    if unknown:
        raise EnrichmentConfigError(
            f"{source}: unknown key `{unknown[0]}` (allowed: event_type, enrichers)"
        )
    event_type = data.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise EnrichmentConfigError(f"{source}:1: `event_type` is missing or not a string")
    nodes = {str(k.value): v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    seq = nodes.get("enrichers")
    if not isinstance(seq, yaml.SequenceNode):
        raise EnrichmentConfigError(f"{source}: `enrichers` must be a list")
    steps = tuple(
        _step(entry, f"{source}:{node.start_mark.line + 1}: enrichers[{i}]")
        for i, (node, entry) in enumerate(zip(seq.value, data["enrichers"], strict=True))
    )
    return event_type, steps


def _step(entry: Any, where: str) -> EnrichmentStep:
    if not isinstance(entry, dict):
        raise EnrichmentConfigError(f"{where} must be a mapping")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise EnrichmentConfigError(
            f"{where}: unknown key `{unknown[0]}` (allowed: {', '.join(sorted(_ENTRY_KEYS))})"
        )
    name = entry.get("enricher")
    if not isinstance(name, str) or not name:
        raise EnrichmentConfigError(f"{where}: `enricher` is missing")
    path = entry.get("field")
    if not isinstance(path, str) or not _PATH.match(path):
        raise EnrichmentConfigError(f"{where}: `field` must be a dotted path like payload.bio")
    policy = entry.get("on_failure")
    if policy is not None and policy not in FAILURE_POLICIES:
        raise EnrichmentConfigError(f"{where}: `on_failure` must be degrade or dead_letter")
    timeout = entry.get("timeout_ms")
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        raise EnrichmentConfigError(f"{where}: `timeout_ms` must be a whole number > 0")
    return EnrichmentStep(name, path, policy, timeout)


def load_enrichment(folder: Path) -> dict[str, tuple[EnrichmentStep, ...]]:
    """Every ``<event_type>.yaml`` in ``folder`` (a missing folder means: enrich nothing)."""
    if not folder.exists():
        return {}
    out: dict[str, tuple[EnrichmentStep, ...]] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise EnrichmentConfigError(f"{path}: cannot read ({exc.strerror})") from exc
        event_type, steps = parse_enrichment(text, source=str(path))
        if event_type != path.stem:
            raise EnrichmentConfigError(
                f"{path}:1: declares event_type {event_type!r} but the "
                f"file is named for {path.stem!r}"
            )
        out[event_type] = steps
    return out
