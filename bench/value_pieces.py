"""CPU µs per event of the in-process pieces the Avro value engine serves (one tree).

Run by ``bench/compare_trees.py`` with one tree's ``src`` first on ``PYTHONPATH``, so the
``eventflow`` it measures is that tree's; it uses only APIs both the engine's tree and the
previous main have. Pieces, per order.placed event, no Kafka (an in-memory registry):

  http.envelope        the API's envelope parse (``envelope.parse_event``)
  http.payload_check   check and convert the payload JSON (``spec.converter``)
  http.encode          Confluent framing + Avro body (``RegistryEncoder.encode``)
  pipeline.decode      ``AvroDeserializer.deserialize`` of the raw event
  pipeline.validator   validator stage codec: split decode + splice re-encode with validation
  pipeline.enricher    enricher stage codec: split decode + splice re-encode with enrichment
  pipeline.full_encode ``AvroSerializer.serialize_with_id`` of the enriched value
  pipeline.rules_cel   the registered CEL domain rules of order.placed on the decoded event
                       (``DomainRules.broken``, compiled where the tree compiles them)
  pipeline.rules_cel_executor  the same rules on confluent-kafka's CelExecutor (trees with
                       ``compile_rules``); the compiled/executor ratio goes to stderr

Prints one JSON object {piece: best CPU µs per event over ``--repeat`` runs of ``--n``}.
Usage: python bench/value_pieces.py [--n 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]  # this script's tree: test fakes, load generator
sys.path.append(str(REPO))  # after the measured tree's src (first on PYTHONPATH)

from tests.unit.serde.fakes import FakeRegistry  # noqa: E402
from tests.unit.serde.samples import order_placed  # noqa: E402

from bench.http_load import order_data  # noqa: E402


def cpu_us(fn: Callable[[], Any], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, time.process_time() - started)
    return best / n * 1e6


def either_module(package: str, name: str) -> Any:
    """``package._name`` (private modules since 71888a7), else ``package.name`` (before)."""
    try:
        return importlib.import_module(f"{package}._{name}")
    except ModuleNotFoundError:
        return importlib.import_module(f"{package}.{name}")


def pieces(n: int, repeat: int) -> dict[str, float]:
    import eventflow
    from eventflow.serde import AvroDeserializer, AvroSerializer
    from eventflow.workspace import load_workspace

    codec_class = either_module("eventflow.consumers", "codec").RegistryCodec
    adapters = either_module("eventflow.producers.http", "adapters")
    parse_event = either_module("eventflow.producers.http", "envelope").parse_event
    inline_references = either_module("eventflow.serde", "avro_json").inline_references

    measured = Path(eventflow.__file__).resolve().parents[2]  # its own contracts
    workspace = load_workspace(measured / "schemas" / "avro")
    catalog = adapters.catalog_from_workspace(workspace, "events.raw.v1")
    spec = catalog.get("order.placed")
    registry = FakeRegistry()
    registry.register(
        spec.subject, json.dumps(inline_references(dict(spec.record_schema), spec.named))
    )
    schemas = {"order.placed": workspace.schema_for_event_type("order.placed")}
    encoder = adapters.RegistryEncoder(registry, schemas)
    body = {"event_type": "order.placed", "data": order_data("o-1")}
    payload, problems = spec.converter(body["data"], "data")
    assert problems == [], problems
    envelope = {
        "event_id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
        "event_type": "order.placed",
        "source": "bench",
        "occurred_at": 1_772_362_800_000,
        "received_at": 1_772_362_800_123,
        "correlation_id": "c",
        "causation_id": None,
    }
    record = {"envelope": envelope, "payload": payload, "validation": None, "enrichment": None}
    raw = encoder.encode(spec, record)
    schema_id = int.from_bytes(raw[1:5], "big")
    filled = order_placed().to_avro_dict()
    validator = codec_class(registry, tail_from="validation")
    enricher = codec_class(registry, tail_from="enrichment")
    decoder = AvroDeserializer(registry)
    serializer = AvroSerializer(registry)

    def stage(codec: Any, field: str, data: bytes) -> bytes:
        sid, value, head_end = codec.decode_split(data)
        value[field] = filled[field]
        out: bytes = codec.encode(sid, value, source=data, head_end=head_end, changed={field})
        return out

    validated = stage(validator, "validation", raw)
    enriched_value = decoder.deserialize(stage(enricher, "enrichment", validated)).value
    runs: dict[str, Callable[[], Any]] = {
        "http.envelope": lambda: parse_event(body),
        "http.payload_check": lambda: spec.converter(body["data"], "data"),
        "http.encode": lambda: encoder.encode(spec, record),
        "pipeline.decode": lambda: decoder.deserialize(raw),
        "pipeline.validator": lambda: stage(validator, "validation", raw),
        "pipeline.enricher": lambda: stage(enricher, "enrichment", validated),
        "pipeline.full_encode": lambda: serializer.serialize_with_id(schema_id, enriched_value),
    }
    inlined = json.dumps(inline_references(dict(spec.record_schema), spec.named))
    runs.update(cel_rules(measured, decoder.deserialize(raw).value, inlined))
    return {name: round(cpu_us(fn, n, repeat), 2) for name, fn in runs.items()}


def cel_rules(measured: Path, event: Any, schema_text: str) -> dict[str, Callable[[], Any]]:
    """The order.placed CEL rules, compiled and on Confluent's executor (where the tree has it)."""
    import yaml

    try:
        from eventflow.kafka import DomainRules
    except ImportError:  # a tree before the registered rules
        return {}
    rules_file = measured / "schemas" / "avro" / "events" / "OrderPlaced.rules.yaml"
    rule_set = yaml.safe_load(rules_file.read_text())
    subject = "events.raw.v1-value"
    rules = DomainRules(rule_set, schema_text, subject)
    runs: dict[str, Callable[[], Any]] = {"pipeline.rules_cel": lambda: rules.broken(event)}
    try:
        executor = DomainRules(rule_set, schema_text, subject, compile_rules=False)
    except TypeError:  # a tree before the compiled rules: pipeline.rules_cel is the executor
        return runs
    assert rules.broken(event) == executor.broken(event)
    runs["pipeline.rules_cel_executor"] = lambda: executor.broken(event)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import eventflow

    result = {"eventflow": str(Path(eventflow.__file__).parent), **pieces(args.n, args.repeat)}
    compiled, executor = result.get("pipeline.rules_cel"), result.get("pipeline.rules_cel_executor")
    if isinstance(compiled, float) and isinstance(executor, float):
        print(
            f"CEL rules of order.placed: compiled {compiled} µs, Confluent's executor "
            f"{executor} µs per event, compiled/executor {compiled / executor:.4f}",
            file=sys.stderr,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
