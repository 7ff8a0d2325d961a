"""The ports the ingest API runs on, bundled: what :func:`create_app` takes.

:func:`eventflow.producers.http.adapters.build_components` fills them with the real adapters;
tests fill them with fakes or with adapters pointed at their own broker and registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eventflow.producers.http.catalog import EventCatalog
from eventflow.producers.http.handlers import ReadinessProbe
from eventflow.producers.http.service import EventSink, RecordEncoder


@dataclass
class ApiComponents:
    """The adapters the API runs on; ``close`` runs at shutdown (flushes the producer)."""

    catalog: EventCatalog
    encoder: RecordEncoder
    sink: EventSink
    probes: Sequence[tuple[str, ReadinessProbe]] = ()
    close: Callable[[], None] = field(default=lambda: None)
    # the largest record Kafka takes on the API's topic (producer's message.max.bytes and the
    # topic's max.message.bytes, read at startup); None: the producer's default
    record_limit: int | None = None
