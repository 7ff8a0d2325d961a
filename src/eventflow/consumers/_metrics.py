"""Per-service Prometheus metrics: consumed, produced, dead-lettered, skipped, retries, lag,
handler latency, and since when the stage is retrying. Each runtime owns a registry so several
services can live in one process (tests, benches); ``serve_metrics`` exposes it on a port with
``/metrics`` and ``/health`` (JSON: ``{"service", "state": "ok"|"retrying", "since", "cause",
"attempts", "detail"}``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from eventflow.consumers._retry import RetryState

_LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)


class ServiceMetrics:
    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        labels = ["service"]
        self._consumed = Counter(
            "eventflow_consumed", "Records consumed", labels, registry=self.registry
        )
        self._produced = Counter(
            "eventflow_produced",
            "Records produced or stored downstream",
            [*labels, "destination"],
            registry=self.registry,
        )
        self._dead = Counter(
            "eventflow_dead_lettered",
            "Records sent to the dead-letter topic",
            [*labels, "error_type"],
            registry=self.registry,
        )
        self._skipped = Counter(
            "eventflow_skipped", "Records skipped on purpose", labels, registry=self.registry
        )
        self._retries = Counter(
            "eventflow_batch_retries",
            "Batches retried after a retriable failure",
            labels,
            registry=self.registry,
        )
        self._lag = Gauge(
            "eventflow_consumer_lag",
            "Records behind the end of the partition",
            [*labels, "topic", "partition"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "eventflow_handler_latency_seconds",
            "Handler time per event",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._retrying = Gauge(
            "eventflow_retrying_since_seconds",
            "Unix time the stage started retrying a transient failure; 0 when it is not",
            labels,
            registry=self.registry,
        )
        self.retry_state: RetryState | None = None
        self.consumed = self._consumed.labels(service)
        self.skipped = self._skipped.labels(service)
        self.retries = self._retries.labels(service)
        self.latency = self._latency.labels(service)

    def produced(self, destination: str, count: int) -> None:
        if count:
            self._produced.labels(self.service, destination).inc(count)

    def dead_lettered(self, error_type: str) -> None:
        self._dead.labels(self.service, error_type).inc()

    def set_retrying(self, state: RetryState | None) -> None:
        self.retry_state = state
        self._retrying.labels(self.service).set(state.since.timestamp() if state else 0)

    def health(self) -> dict[str, Any]:
        state = self.retry_state
        if state is None:
            return {"service": self.service, "state": "ok", "detail": "processing"}
        return {
            "service": self.service,
            "state": "retrying",
            "since": state.since.isoformat(timespec="seconds"),
            "cause": state.cause,
            "attempts": state.attempts,
            "detail": state.describe(),
        }

    def set_lag(self, lag: dict[tuple[str, int], int]) -> None:
        """Replace the lag samples: only partitions this member owns now are reported."""
        self._lag.clear()
        for (topic, partition), value in lag.items():
            self._lag.labels(self.service, topic, str(partition)).set(value)

    def value(self, name: str, **labels: str) -> float:
        """Current value of one sample (for tests and summaries); 0 when absent."""
        got = self.registry.get_sample_value(name, {"service": self.service, **labels})
        return float(got or 0.0)


class _Quiet(WSGIRequestHandler):
    """Scrapes are not worth a log line each."""

    def log_message(self, *_args: Any) -> None:
        return


def metrics_app(metrics: ServiceMetrics) -> Callable[..., Iterable[bytes]]:
    """WSGI app: ``/health`` answers the stage's state as JSON, anything else the metrics."""
    prometheus = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/health":
            body = orjson.dumps(metrics.health())
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return prometheus(environ, start_response)  # type: ignore[no-any-return]

    return app


def serve_metrics(metrics: ServiceMetrics, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104
    """Expose ``/metrics`` and ``/health`` on ``port`` in a daemon thread (0 = do not)."""
    if port:
        server = make_server(host, port, metrics_app(metrics), handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, name="eventflow-metrics", daemon=True).start()
