"""The enrichment plugin interface and its discovery through entry points.

An enricher is any object with ``name``, ``version`` and ``enrich(text) -> EnricherResult``;
a package makes one available by declaring a factory under the entry-point group
``eventflow.enrichers``::

    [project.entry-points."eventflow.enrichers"]
    sentiment = "eventflow.consumers.enrichment.builtin:SentimentEnricher"

The target is called with no arguments, or, when it has a ``from_settings`` class method, with
the service's settings (``from_settings(settings)``). Built-in enrichers are offline (anything
they need ships inside their package); ``bedrock`` (``eventflow[aws]``) calls Amazon Bedrock,
behind the enricher service's deadline, failure policy and circuit breaker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol, runtime_checkable

from eventflow.config import Settings
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


def discover(settings: Settings | None = None) -> dict[str, EnricherFactory]:
    """Installed enricher factories by entry-point name."""
    return {ep.name: _factory(ep, settings) for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _factory(ep: EntryPoint, settings: Settings | None) -> EnricherFactory:
    def make() -> Enricher:
        target = ep.load()
        from_settings = getattr(target, "from_settings", None)
        if callable(from_settings):
            return from_settings(settings or Settings())  # type: ignore[no-any-return]
        return target()  # type: ignore[no-any-return]

    return make


def load_enrichers(
    names: set[str],
    factories: Mapping[str, EnricherFactory] | None = None,
    *,
    settings: Settings | None = None,
) -> dict[str, Enricher]:
    """Instantiate the named enrichers (once each); unknown names fail listing what exists."""
    available = dict(discover(settings) if factories is None else factories)
    out: dict[str, Enricher] = {}
    for name in sorted(names):
        if name not in available:
            raise EnricherNotFound(
                f"enricher {name!r} is not installed (entry-point group {ENTRY_POINT_GROUP}; "
                f"available: {', '.join(sorted(available)) or 'none'})"
            )
        instance = available[name]()
        if not isinstance(instance, Enricher):
            raise EnricherNotFound(
                f"enricher {name!r} does not provide name, version and enrich(text)"
            )
        out[name] = instance
    return out
