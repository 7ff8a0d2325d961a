"""Per-service Prometheus metrics: consumed, produced, dead-lettered, skipped, retries, lag,
handler latency. Each runtime owns a registry so several services can live in one process
(tests, benches); ``serve_metrics`` exposes it on a port."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                    0.1, 0.25, 0.5, 1.0, 2.5)  # fmt: skip


class ServiceMetrics:
    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        labels = ["service"]
        self._consumed = Counter("eventflow_consumed", "Records consumed", labels,
                                 registry=self.registry)  # fmt: skip
        self._produced = Counter("eventflow_produced", "Records produced or stored downstream",
                                 [*labels, "destination"], registry=self.registry)  # fmt: skip
        self._dead = Counter("eventflow_dead_lettered", "Records sent to the dead-letter topic",
                             [*labels, "error_type"], registry=self.registry)  # fmt: skip
        self._skipped = Counter("eventflow_skipped", "Records skipped on purpose", labels,
                                registry=self.registry)  # fmt: skip
        self._retries = Counter("eventflow_batch_retries", "Batches retried after a retriable "
                                "failure", labels, registry=self.registry)  # fmt: skip
        self._lag = Gauge("eventflow_consumer_lag", "Records behind the end of the partition",
                          [*labels, "topic", "partition"], registry=self.registry)  # fmt: skip
        self._latency = Histogram("eventflow_handler_latency_seconds", "Handler time per event",
                                  labels, buckets=_LATENCY_BUCKETS,
                                  registry=self.registry)  # fmt: skip
        self.consumed = self._consumed.labels(service)
        self.skipped = self._skipped.labels(service)
        self.retries = self._retries.labels(service)
        self.latency = self._latency.labels(service)

    def produced(self, destination: str, count: int) -> None:
        if count:
            self._produced.labels(self.service, destination).inc(count)

    def dead_lettered(self, error_type: str) -> None:
        self._dead.labels(self.service, error_type).inc()

    def set_lag(self, lag: dict[tuple[str, int], int]) -> None:
        """Replace the lag samples: only partitions this member owns now are reported."""
        self._lag.clear()
        for (topic, partition), value in lag.items():
            self._lag.labels(self.service, topic, str(partition)).set(value)

    def value(self, name: str, **labels: str) -> float:
        """Current value of one sample (for tests and summaries); 0 when absent."""
        got = self.registry.get_sample_value(name, {"service": self.service, **labels})
        return float(got or 0.0)


def serve_metrics(metrics: ServiceMetrics, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104
    """Expose ``/metrics`` on ``port`` in a daemon thread (0 = do not expose)."""
    if port:
        start_http_server(port, addr=host, registry=metrics.registry)
