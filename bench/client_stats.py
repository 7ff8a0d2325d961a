"""Run a program with librdkafka statistics on for every Kafka client it builds.

``python bench/client_stats.py DIR -m eventflow serve validator …`` runs ``python -m eventflow
serve validator …`` with every confluent-kafka ``Producer`` and ``Consumer`` it creates emitting
librdkafka statistics (``statistics.interval.ms``) into ``DIR/<pid>-<name>.json`` (the latest
snapshot, rewritten each interval). :func:`request_counts` sums a directory of snapshots into
requests per kind (Produce, Fetch, OffsetCommit, …) and produce batch figures, so a bench can
say how many requests the broker served per event. Bench tooling only: services never load it.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

INTERVAL_MS = int(os.environ.get("EVENTFLOW_BENCH_STATS_INTERVAL_MS", "500"))


def _install(directory: Path) -> None:
    import confluent_kafka

    def writer(name: str) -> Any:
        path = directory / f"{os.getpid()}-{name}.json"

        def on_stats(text: str) -> None:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(path)

        return on_stats

    counter = {"n": 0}

    def wrap(base: Any, kind: str) -> Any:
        class WithStats(base):  # type: ignore[misc]
            def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
                config = dict(config or {}, **kwargs)
                counter["n"] += 1
                name = f"{kind}{counter['n']}-{config.get('client.id', '')}"
                config["statistics.interval.ms"] = INTERVAL_MS
                config.update(json.loads(os.environ.get(f"EVENTFLOW_BENCH_{kind.upper()}", "{}")))
                config["stats_cb"] = writer(name)
                super().__init__(config)

        return WithStats

    setattr(confluent_kafka, "Producer", wrap(confluent_kafka.Producer, "producer"))  # noqa: B010
    setattr(confluent_kafka, "Consumer", wrap(confluent_kafka.Consumer, "consumer"))  # noqa: B010


def snapshot(directory: Path) -> dict[str, dict[str, Any]]:
    """The latest statistics of every client in ``directory``, by file name."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return out


def request_counts(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> dict[str, float]:
    """Requests sent between two snapshots, per request kind, summed over every client; plus
    produced messages and produce requests' average batch (messages per partition batch)."""
    totals: dict[str, float] = {}
    for name, stats in after.items():
        earlier = before.get(name, {})
        for broker, entry in stats.get("brokers", {}).items():
            old = earlier.get("brokers", {}).get(broker, {}).get("req", {})
            for kind, count in entry.get("req", {}).items():
                delta = count - old.get(kind, 0)
                if delta:
                    totals[kind] = totals.get(kind, 0) + delta
        if stats.get("type") == "producer":
            sent = stats.get("txmsgs", 0) - earlier.get("txmsgs", 0)
            totals["messages produced"] = totals.get("messages produced", 0) + sent
    return totals


def main() -> None:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    _install(directory)
    if sys.argv[2] != "-m":
        raise SystemExit("usage: client_stats.py DIR -m MODULE [ARGS…]")
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
