"""The enrichment plugin interface and its discovery through entry points.

An enricher is any object with ``name``, ``version`` and ``enrich(text) -> EnricherResult``;
a package makes one available by declaring a factory under the entry-point group
``eventflow.enrichers``::

    [project.entry-points."eventflow.enrichers"]
    sentiment = "eventflow.consumers.enrichment.builtin:SentimentEnricher"

Enrichers must be offline: anything they need (models, lexicons) ships inside their package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol, runtime_checkable

from eventflow.errors import ConfigError, ErrorCode

ENTRY_POINT_GROUP = "eventflow.enrichers"


@dataclass(frozen=True)
class EnricherResult:
    attributes: Mapping[str, str] = field(default_factory=dict)
    scores: Mapping[str, float] = field(default_factory=dict)


@runtime_checkable
class Enricher(Protocol):
    name: str
    version: str

    def enrich(self, text: str) -> EnricherResult: ...


class EnricherNotFound(ConfigError):
    code = ErrorCode.PIPELINE_ENRICHER_FAILED


EnricherFactory = Callable[[], Enricher]


def discover() -> dict[str, EnricherFactory]:
    """Installed enricher factories by entry-point name (the target is called with no args)."""
    return {ep.name: _factory(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _factory(ep: EntryPoint) -> EnricherFactory:
    def make() -> Enricher:
        target = ep.load()
        return target()  # type: ignore[no-any-return]

    return make


def load_enrichers(
    names: set[str], factories: Mapping[str, EnricherFactory] | None = None
) -> dict[str, Enricher]:
    """Instantiate the named enrichers (once each); unknown names fail listing what exists."""
    available = dict(discover() if factories is None else factories)
    out: dict[str, Enricher] = {}
    for name in sorted(names):
        if name not in available:
            raise EnricherNotFound(
                f"enricher {name!r} is not installed (entry-point group {ENTRY_POINT_GROUP}; "
                f"available: {', '.join(sorted(available)) or 'none'})"
            )
        instance = available[name]()
        if not isinstance(instance, Enricher):
            raise EnricherNotFound(f"enricher {name!r} does not provide name, version and "
                                   "enrich(text)")  # fmt: skip
        out[name] = instance
    return out
