"""Pluggable enrichment: the plugin interface, entry-point discovery, built-in enrichers."""

from eventflow.consumers.enrichment._plugin import (
    ENTRY_POINT_GROUP,
    Enricher,
    EnricherNotFound,
    EnricherResult,
    discover,
    load_enrichers,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Enricher",
    "EnricherNotFound",
    "EnricherResult",
    "discover",
    "load_enrichers",
]
