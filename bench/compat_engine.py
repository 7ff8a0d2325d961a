"""Compatibility engine benchmark: 1,000 subjects x 20 versions at a transitive level.

Generates (seeded) realistic subject histories: event records of 12-30 fields (optional
unions, enums, nested records shared by every version, arrays, maps, logical types) that
evolve over 20 versions the way teams evolve them (optional fields added, fields with
defaults dropped, promotions, enum symbols added, docs edited), with some breaking changes.
Then, in one run and on one core:

  * parses every version once (reported separately: parse is not the check);
  * checks each subject's latest version against all 19 earlier ones at the level
    (default BACKWARD_TRANSITIVE) with ``eventflow.contracts.check_compatibility``, cache empty;
  * checks the same reader/writer pairs with the PyPI ``avro`` package's
    ``ReaderWriterCompatibilityChecker`` (pre-parsed schemas, same pairs, same order) and
    prints the per-pair rate ratio, plus how many verdicts differ between the two.

Usage: .venv/bin/python bench/compat_engine.py [--subjects 1000] [--versions 20]
       [--level BACKWARD_TRANSITIVE] [--baseline-subjects 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import time
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from eventflow.contracts import CompatibilityLevel, ParsedSchema, check_compatibility, parse_schema
from eventflow.contracts._compatibility import clear_compatibility_cache

SHARED_ENVELOPE = {
    "type": "record",
    "name": "Envelope",
    "namespace": "com.acme.common",
    "fields": [
        {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "event_type", "type": "string"},
        {"name": "source", "type": "string"},
        {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "correlation_id", "type": ["null", "string"], "default": None},
    ],
}


def initial_schema(rng: random.Random, subject: int) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [{"name": "envelope", "type": copy.deepcopy(SHARED_ENVELOPE)}]
    for index in range(rng.randint(12, 30)):
        fields.append(new_field(rng, f"f{index}", subject))
    return {
        "type": "record",
        "name": f"Event{subject}",
        "namespace": "com.acme.events",
        "doc": "v1",
        "fields": fields,
    }


def new_field(rng: random.Random, name: str, subject: int) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.35:
        return {"name": name, "type": rng.choice(["int", "long", "string", "double", "boolean"])}
    if roll < 0.6:
        return {
            "name": name,
            "type": ["null", rng.choice(["string", "long", "int"])],
            "default": None,
        }
    if roll < 0.7:
        symbols = ["A", "B", "C", "UNKNOWN"]
        return {
            "name": name,
            "type": {
                "type": "enum",
                "name": f"{name.title()}Kind{subject}",
                "symbols": symbols,
                "default": "UNKNOWN",
            },
        }
    if roll < 0.8:
        return {"name": name, "type": {"type": "array", "items": "string"}, "default": []}
    if roll < 0.88:
        return {"name": name, "type": {"type": "map", "values": "long"}, "default": {}}
    if roll < 0.95:
        part = [{"name": "x", "type": "int"}, {"name": "y", "type": "string"}]
        record = {"type": "record", "name": f"{name.title()}Part{subject}", "fields": part}
        return {"name": name, "type": record}
    return {"name": name, "type": {"type": "long", "logicalType": "timestamp-millis"}}


def evolve(rng: random.Random, schema: dict[str, Any], step: int) -> dict[str, Any]:
    new = copy.deepcopy(schema)
    new["doc"] = f"v{step}"
    fields = new["fields"]
    roll = rng.random()
    if roll < 0.45:  # add an optional field
        fields.append({"name": f"added{step}", "type": ["null", "string"], "default": None})
    elif roll < 0.6:  # drop a field that has a default
        droppable = [f for f in fields[1:] if "default" in f]
        if droppable:
            fields.remove(rng.choice(droppable))
    elif roll < 0.75:  # widen a number
        for field in fields:
            if field["type"] == "int":
                field["type"] = "long"
                break
    elif roll < 0.85:  # new enum symbol (readers have a default)
        for field in fields:
            if isinstance(field["type"], dict) and field["type"].get("type") == "enum":
                field["type"]["symbols"].append(f"S{step}")
                break
    elif roll < 0.995:  # documentation only
        rng.choice(fields)["doc"] = f"edited in v{step}"
    else:  # a breaking change (about 1 subject in 10 over 19 steps): required field
        fields.append({"name": f"required{step}", "type": "string"})
    return new


def generate(subjects: int, versions: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    histories = []
    for subject in range(subjects):
        schema = initial_schema(rng, subject)
        texts = [json.dumps(schema)]
        for step in range(2, versions + 1):
            schema = evolve(rng, schema, step)
            texts.append(json.dumps(schema))
        histories.append(texts)
    return histories


def pairs_for(level: CompatibilityLevel, count: int) -> list[tuple[int, int]]:
    """(reader index, writer index) pairs the level checks for the latest of ``count``."""
    latest = count - 1
    olds = range(latest - 1, -1, -1) if level.transitive else [latest - 1]
    pairs = []
    for old in olds:
        if level.checks_forward:
            pairs.append((old, latest))
        if level.checks_backward:
            pairs.append((latest, old))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--level", default="BACKWARD_TRANSITIVE")
    parser.add_argument(
        "--baseline-subjects",
        type=int,
        default=200,
        help="subjects checked with PyPI avro for the rate ratio",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    level = CompatibilityLevel(args.level.upper())

    histories = generate(args.subjects, args.versions, args.seed)
    start = time.perf_counter()
    parsed: list[list[ParsedSchema]] = [
        [parse_schema(t, source=f"s{i}/v{v + 1}.avsc") for v, t in enumerate(texts)]
        for i, texts in enumerate(histories)
    ]
    parse_ours = time.perf_counter() - start

    clear_compatibility_cache()  # cold: no verdict cached from an earlier run
    start, cpu_start = time.perf_counter(), time.process_time()
    ours = [check_compatibility(h[-1], h[:-1], level) for h in parsed]
    check_ours_wall = time.perf_counter() - start
    check_ours = time.process_time() - cpu_start
    pair_count = args.subjects * len(pairs_for(level, args.versions))

    baseline_subjects = min(args.baseline_subjects, args.subjects)
    start = time.perf_counter()
    avro_parsed = [[avro.schema.parse(t) for t in texts] for texts in histories[:baseline_subjects]]
    parse_avro = time.perf_counter() - start
    pairs = pairs_for(level, args.versions)
    start, cpu_start = time.perf_counter(), time.process_time()
    theirs = []
    for history in avro_parsed:
        compatible = True
        for reader, writer in pairs:
            result = ReaderWriterCompatibilityChecker().get_compatibility(
                history[reader], history[writer]
            )
            compatible = compatible and result.compatibility is SchemaCompatibilityType.compatible
        theirs.append(compatible)
    check_avro_wall = time.perf_counter() - start
    check_avro = time.process_time() - cpu_start
    avro_pairs = baseline_subjects * len(pairs)

    ours_rate = pair_count / check_ours  # CPU time: other processes share the cores
    avro_rate = avro_pairs / check_avro
    differ = sum(1 for o, t in zip(ours, theirs, strict=False) if o.compatible != t)
    incompatible = sum(1 for o in ours if not o.compatible)
    print(f"subjects x versions : {args.subjects} x {args.versions} at {level.value}")
    print(f"parse (eventflow)   : {parse_ours:.2f} s wall, {args.subjects * args.versions} schemas")
    avro_schemas = baseline_subjects * args.versions
    print(f"parse (PyPI avro)   : {parse_avro:.2f} s wall, {avro_schemas} schemas")
    print(
        f"check (eventflow)   : {check_ours:.3f} s CPU ({check_ours_wall:.3f} s wall) for "
        f"{pair_count} pairs, {ours_rate:,.0f} pairs/s; goal <= 2 s on one core"
    )
    print(
        f"check (PyPI avro)   : {check_avro:.3f} s CPU ({check_avro_wall:.3f} s wall) for "
        f"{avro_pairs} pairs, {avro_rate:,.0f} pairs/s"
    )
    print(f"per-pair rate ratio : {ours_rate / avro_rate:.1f}x vs avro.compatibility (goal >= 3x)")
    print(
        f"incompatible        : {incompatible} of {args.subjects} subjects; verdicts differing "
        f"from PyPI avro on the baseline subjects: {differ}"
    )


if __name__ == "__main__":
    main()
