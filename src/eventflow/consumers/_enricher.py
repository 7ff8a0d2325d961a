"""The AI enricher service's handler (group ``ai-enricher``).

For each event, the steps configured for its type run in order; each step feeds one text field
to one enricher (a plugin, see ``enrichment.plugin``) in a worker thread with a deadline. A
failing or slow enricher never stalls the stream: per step it either *degrades* (the event goes
on with an output marked ``status=failed|timeout|circuit_open``) or *dead-letters* the event.
After ``breaker_threshold`` consecutive failures an enricher is skipped (circuit open) for
``breaker_cooldown_s`` so a hung model cannot slow every event down to its timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventflow.consumers._field_paths import compile_path
from eventflow.consumers._outcome import Forward, InputEvent, Outcome, Reject
from eventflow.consumers.enrichment._config import EnrichmentStep
from eventflow.consumers.enrichment._plugin import Enricher, EnricherResult

ENRICHER_GROUP = "ai-enricher"
_CHANGED = frozenset({"enrichment"})  # the only field the enricher sets


class _StepFailed(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Breaker:
    failures: int = 0
    open_until: float = 0.0


class EnricherService:
    def __init__(
        self,
        plan: Mapping[str, tuple[EnrichmentStep, ...]],
        enrichers: Mapping[str, Enricher],
        *,
        on_failure: str = "degrade",
        timeout_ms: int = 500,
        workers: int = 4,
        breaker_threshold: int = 5,
        breaker_cooldown_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        missing = sorted({s.enricher for steps in plan.values() for s in steps} - set(enrichers))
        if missing:
            raise ValueError(f"no enricher instance for {', '.join(missing)}")
        self._plan = dict(plan)
        self._enrichers = dict(enrichers)
        self._on_failure = on_failure
        self._timeout_s = timeout_ms / 1000
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="enricher")
        self._breakers = {name: _Breaker() for name in enrichers}
        self._threshold = breaker_threshold
        self._cooldown = breaker_cooldown_s
        self._clock = clock
        self._monotonic = monotonic

    def handle(self, event: InputEvent) -> Outcome:
        outputs: list[dict[str, Any]] = []
        for step in self._plan.get(event.event_type, ()):
            text = compile_path(step.field_path).walk(event.value)[0][1]
            if not isinstance(text, str) or not text.strip():
                continue
            enricher = self._enrichers[step.enricher]
            try:
                result = self._run(step, enricher, text)
            except _StepFailed as failure:
                if (step.on_failure or self._on_failure) == "dead_letter":
                    return Reject(
                        f"enricher:{step.enricher}:{failure.status}",
                        f"{step.enricher} on {step.field_path}: {failure}",
                    )
                outputs.append(
                    self._output(
                        step,
                        enricher,
                        EnricherResult({"status": failure.status, "error": str(failure)[:200]}, {}),
                    )
                )
                continue
            outputs.append(self._output(step, enricher, result))
        value = dict(event.value)
        value["enrichment"] = {"enriched_at": self._clock(), "outputs": outputs}
        return Forward(value, _CHANGED)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, step: EnrichmentStep, enricher: Enricher, text: str) -> EnricherResult:
        breaker = self._breakers[step.enricher]
        if breaker.open_until > self._monotonic():
            raise _StepFailed(
                "circuit_open",
                f"skipped after {self._threshold} consecutive failures; retrying later",
            )
        timeout = (step.timeout_ms / 1000) if step.timeout_ms else self._timeout_s
        future = self._pool.submit(enricher.enrich, text)
        try:
            result = future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            self._failed(breaker)
            raise _StepFailed("timeout", f"no answer within {timeout * 1000:.0f} ms") from None
        except Exception as exc:
            self._failed(breaker)
            raise _StepFailed("failed", f"{type(exc).__name__}: {exc}") from exc
        breaker.failures = 0
        if not isinstance(result, EnricherResult):
            raise _StepFailed("failed", f"returned {type(result).__name__}, not EnricherResult")
        return result

    def _failed(self, breaker: _Breaker) -> None:
        breaker.failures += 1
        if breaker.failures >= self._threshold:
            breaker.open_until = self._monotonic() + self._cooldown
            breaker.failures = 0

    @staticmethod
    def _output(step: EnrichmentStep, enricher: Enricher, result: EnricherResult) -> dict[str, Any]:
        return {
            "enricher": enricher.name,
            "version": enricher.version,
            "target_field": step.field_path,
            "attributes": {str(k): str(v) for k, v in result.attributes.items()},
            "scores": {str(k): float(v) for k, v in result.scores.items()},
        }
