"""The topics file: declarations parse, and every mistake names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventflow.kafka._topics_file import TopicsFileError, load_topics_file, parse_topics

REPO_ROOT = Path(__file__).resolve().parents[3]

GOOD = """\
defaults:
  replication_factor: 1
  config:
    cleanup.policy: delete
topics:
  - name: a.v1
    partitions: 3
    config:
      retention.ms: "1000"
  - name: b.v1
    partitions: 1
    replication_factor: 2
"""


def test_defaults_merge_into_each_topic():
    a, b = parse_topics(GOOD)
    assert (a.name, a.partitions, a.replication_factor) == ("a.v1", 3, 1)
    assert dict(a.config) == {"cleanup.policy": "delete", "retention.ms": "1000"}
    assert (b.name, b.partitions, b.replication_factor) == ("b.v1", 1, 2)
    assert dict(b.config) == {"cleanup.policy": "delete"}


def test_project_topics_file_declares_the_four_pipeline_topics():
    specs = {s.name: s.partitions for s in load_topics_file(REPO_ROOT / "topics.yaml")}
    assert specs == {
        "events.raw.v1": 3,
        "events.validated.v1": 3,
        "events.enriched.v1": 3,
        "events.dlq.v1": 1,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "topics:\n  - name: a\n    partitons: 3\n",
            r"t\.yaml:3: unknown key `topics\[0\]\.partitons`",
        ),
        (
            "topics:\n  - name: a\n    partitions: 0\n",
            r"t\.yaml:3: topics\[0\]\.partitions must be a whole number ≥ 1, got '0'",
        ),
        ("topics:\n  - name: a\n    partitions: three\n", r"t\.yaml:3: .*got 'three'"),
        ("topics:\n  - name: a\n    partitions: -1\n", r"t\.yaml:3: .*got '-1'"),
        (
            "topics:\n  - name: a\n    partitions: 1\n  - name: a\n    partitions: 2\n",
            r"t\.yaml:4: topic 'a' is declared twice \(first at line 2\)",
        ),
        ("topics:\n  - name: 'bad name!'\n    partitions: 1\n", r"not a valid Kafka topic name"),
        ("topics:\n  - partitions: 1\n", r"t\.yaml:2: topics\[0\] has no `name`"),
        ("topics:\n  - name: a\n", r"t\.yaml:2: topics\[0\] \(a\) has no `partitions`"),
        ("colour: red\ntopics: []\n", r"t\.yaml:1: unknown key `colour`"),
        ("topics: []\n", r"`topics` must be a non-empty list"),
        ("", r"t\.yaml:1: the topics file is empty"),
        ("topics:\n  - name: a\n   partitions: 1\n", r"t\.yaml:\d+: not valid YAML"),
        (
            "defaults:\n  replicas: 3\ntopics:\n  - {name: a, partitions: 1}\n",
            r"t\.yaml:2: unknown key `defaults\.replicas`",
        ),
    ],
)
def test_bad_topics_files_name_the_line_and_the_fix(text, expected):
    with pytest.raises(TopicsFileError, match=expected):
        parse_topics(text, source="t.yaml")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(TopicsFileError, match=r"nope\.yaml: cannot read the topics file"):
        load_topics_file(tmp_path / "nope.yaml")
