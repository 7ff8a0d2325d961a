"""Prometheus metrics of the ingest API, on a registry owned by one app (one per process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """Requests by route and status, latency, events produced, events rejected by reason."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "eventflow_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "eventflow_http_request_duration_seconds",
            "Time from request start to the last response byte, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.produced = Counter(
            "eventflow_http_events_produced",
            "Events acknowledged by Kafka (acks=all), by event type.",
            ["event_type"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "eventflow_http_events_rejected",
            "Events or requests refused, by reason (the error code).",
            ["reason"],
            registry=self.registry,
        )
        self.replayed = Counter(
            "eventflow_http_events_replayed",
            "Retried events answered from the idempotency store without a new write.",
            registry=self.registry,
        )
        # labels() is costly: each label combination is resolved once, then its child kept
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._produced: dict[str, Any] = {}
        self._rejected: dict[str, Any] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and observe its latency."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_produced(self, event_type: str) -> None:
        """Count one event acknowledged by Kafka."""
        child = self._produced.get(event_type)
        if child is None:
            child = self._produced[event_type] = self.produced.labels(event_type)
        child.inc()

    def count_rejected(self, reason: str) -> None:
        """Count one refused event or request by its reason (the error code)."""
        child = self._rejected.get(reason)
        if child is None:
            child = self._rejected[reason] = self.rejected.labels(reason)
        child.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
