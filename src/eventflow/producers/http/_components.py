"""The ports the ingest API runs on, bundled: what :func:`create_app` takes.

:func:`eventflow.producers.http._adapters.build_components` fills them with the real adapters;
tests fill them with fakes or with adapters pointed at their own broker and registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventflow.producers.http._catalog import EventCatalog, EventTypeSpec
from eventflow.producers.http._handlers import ReadinessProbe
from eventflow.producers.http._service import EventSink, RecordEncoder


@dataclass(frozen=True)
class ReloadedContracts:
    """Contracts read again (ADR 0012): ``activate`` switches the encoder to
    them; the app then serves ``catalog``. ``summary`` says what changed, for the log."""

    catalog: EventCatalog
    activate: Callable[[], None]
    summary: str


def _no_contract_info(_spec: EventTypeSpec) -> Mapping[str, Any] | None:
    return None


@dataclass
class ApiComponents:
    """The adapters the API runs on; ``close`` runs at shutdown (flushes the producer).

    ``reload`` (blocking) reads the contracts again and checks the registry holds them;
    ``contract_info`` (blocking) says which registered version and schema id a type is on.
    """

    catalog: EventCatalog
    encoder: RecordEncoder
    sink: EventSink
    probes: Sequence[tuple[str, ReadinessProbe]] = ()
    close: Callable[[], None] = field(default=lambda: None)
    # the largest record Kafka takes on the API's topic (producer's message.max.bytes and the
    # topic's max.message.bytes, read at startup); None: the producer's default
    record_limit: int | None = None
    reload: Callable[[], ReloadedContracts] | None = None
    contract_info: Callable[[EventTypeSpec], Mapping[str, Any] | None] = _no_contract_info
