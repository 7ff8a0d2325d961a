"""Differential test: our engine against Apache Avro Java 1.12 itself, on the same inputs.

The oracle (tools/avro-java) is built once with ``mvn -q -B package`` and cached under
``~/.cache/eventflow/avro-java/<hash of its sources>`` (``$EVENTFLOW_CACHE_DIR`` honoured).
Every pair is checked in both directions; verdicts, incompatibility types, JSON-pointer
locations and Java's messages must be identical, and both parsers must accept and reject
the same texts. Nothing here skips: missing Java or Maven fails the test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from eventflow.contracts import SchemaParseError, check_reader_writer, parse_schema
from eventflow.kafka.local._distribution import default_cache_dir, find_java
from tests.unit.contracts.schema_pairs import HAND_PAIRS, PARSE_CASES, random_pairs

pytestmark = pytest.mark.integration

ORACLE_SOURCES = Path(__file__).resolve().parents[2] / "tools" / "avro-java"
RANDOM_SEED = 20261127
RANDOM_PAIR_COUNT = 400

Ask = Callable[[list[dict[str, Any]]], dict[str, dict[str, Any]]]


def _source_files() -> list[Path]:
    return sorted(p for p in ORACLE_SOURCES.rglob("*") if p.is_file() and "target" not in p.parts)


def build_oracle() -> str:
    """Build (or reuse) the oracle jar; return the Java classpath."""
    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(str(path.relative_to(ORACLE_SOURCES)).encode())
        digest.update(path.read_bytes())
    root = default_cache_dir() / "avro-java" / digest.hexdigest()[:16]
    work = root / "src"
    jar = work / "target" / "avro-compat-oracle-1.0.0.jar"
    if not (root / "complete").exists():
        mvn = shutil.which("mvn")
        assert mvn is not None, "Maven (mvn) is needed to build tools/avro-java"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(ORACLE_SOURCES, work, ignore=shutil.ignore_patterns("target"))
        proc = subprocess.run(
            [mvn, "-q", "-B", "package"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0 and jar.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
        (root / "complete").write_text("ok\n")
    return f"{jar}:{work / 'target' / 'lib'}/*"


@pytest.fixture(scope="module")
def ask() -> Ask:
    java = find_java()
    classpath = build_oracle()

    def run(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        lines = "".join(json.dumps(r) + "\n" for r in requests)
        proc = subprocess.run(
            [str(java), "-cp", classpath, "dev.eventflow.avrocompat.AvroCompatOracle"],
            input=lines,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        assert len(answers) == len(requests)
        return {str(a["id"]): a for a in answers}

    return run


def our_answer(reader_text: str, writer_text: str) -> dict[str, Any]:
    try:
        reader = parse_schema(reader_text, source="reader")
        writer = parse_schema(writer_text, source="writer")
    except SchemaParseError as exc:
        return {"verdict": "PARSE_ERROR", "error": str(exc)}
    found = check_reader_writer(reader, writer)
    if found and found[0].java_exception is not None:
        return {"verdict": "EXCEPTION", "error": found[0].java_exception}
    return {
        "verdict": "INCOMPATIBLE" if found else "COMPATIBLE",
        "incompatibilities": [
            {"type": i.type.value, "location": i.location, "message": i.java_message} for i in found
        ],
    }


def compare_pairs(
    ask: Ask, pairs: Iterable[tuple[str, str]]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    requests = []
    for index, (first, second) in enumerate(pairs):
        requests.append({"id": f"{index}f", "reader": first, "writer": second})
        requests.append({"id": f"{index}r", "reader": second, "writer": first})
    java = ask(requests)
    mismatches = []
    for request in requests:
        theirs = java[request["id"]]
        ours = our_answer(request["reader"], request["writer"])
        same = ours["verdict"] == theirs["verdict"] and ours.get("incompatibilities") == theirs.get(
            "incompatibilities"
        )
        if not same:
            mismatches.append(
                f"reader={request['reader']}\nwriter={request['writer']}\n"
                f"java={json.dumps(theirs)}\nours={json.dumps(ours)}"
            )
    return java, mismatches


def test_hand_written_rule_cases_match_java(ask: Ask) -> None:
    java, mismatches = compare_pairs(ask, HAND_PAIRS)
    assert len(java) == 2 * len(HAND_PAIRS)
    assert not mismatches, "\n\n".join(mismatches)


def test_random_evolutions_match_java(ask: Ask) -> None:
    pairs = random_pairs(RANDOM_SEED, RANDOM_PAIR_COUNT)
    java, mismatches = compare_pairs(ask, pairs)
    count = len(java)
    assert count == 2 * RANDOM_PAIR_COUNT
    verdicts = {answer["verdict"] for answer in java.values()}
    # the generator exercises every outcome, including Java throwing and parse errors
    assert {"COMPATIBLE", "INCOMPATIBLE", "EXCEPTION", "PARSE_ERROR"} <= verdicts
    assert not mismatches, f"{len(mismatches)} of {count} differ:\n\n" + "\n\n".join(mismatches[:5])


def test_parser_accepts_rejects_and_canonicalizes_like_java(ask: Ask) -> None:
    texts = list(PARSE_CASES)
    for first, second in random_pairs(RANDOM_SEED + 1, 100):
        texts.extend((first, second))
    java = ask([{"id": str(i), "parse": text} for i, text in enumerate(texts)])
    mismatches = []
    for index, text in enumerate(texts):
        theirs = java[str(index)]
        try:
            parsed = parse_schema(text)
        except SchemaParseError as exc:
            if theirs["verdict"] != "PARSE_ERROR":
                mismatches.append(f"{text}\n java={theirs}\n ours=PARSE_ERROR ({exc})")
            continue
        ours = {
            "verdict": "PARSED",
            "canonical": parsed.canonical,
            "fingerprint": parsed.fingerprint,
        }
        if ours != {k: theirs.get(k) for k in ours}:
            mismatches.append(f"{text}\n java={theirs}\n ours={ours}")
    accepted = sum(1 for answer in java.values() if answer["verdict"] == "PARSED")
    assert 0 < accepted < len(texts)
    assert not mismatches, "\n\n".join(mismatches)
