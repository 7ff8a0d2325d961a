"""The contracts manifest: expansion per ADR 0002 and one clear error per kind of bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from eventflow.contracts import CompatibilityLevel
from eventflow.contracts._manifest import ManifestError, parse_manifest, subject_name

REPO = Path(__file__).resolve().parents[3]
FILES = {"common/Envelope.avsc", "events/OrderPlaced.avsc", "dlq/DeadLetter.avsc"}

GOOD = """\
pipeline_topics: [events.raw.v1, events.validated.v1]
shared_types:
  - record: com.eventflow.common.Envelope
    file: common/Envelope.avsc
    compatibility: FULL_TRANSITIVE
    owner: platform
event_types:
  - event_type: order.placed
    record: com.eventflow.events.OrderPlaced
    file: events/OrderPlaced.avsc
    partition_key: payload.order_id
    compatibility: BACKWARD_TRANSITIVE
    owner: orders
dead_letter:
  topic: events.dlq.v1
  record: com.eventflow.dlq.DeadLetter
  file: dlq/DeadLetter.avsc
  compatibility: BACKWARD
  owner: platform
"""


def parse(text: str, known=FILES):
    return parse_manifest(textwrap.dedent(text), source="m.yaml", known_files=known)


def test_event_type_expands_into_one_topic_record_subject_per_pipeline_topic():
    manifest = parse(GOOD)
    assert [s.subject for s in manifest.subjects] == [
        "com.eventflow.common.Envelope",
        "events.raw.v1-com.eventflow.events.OrderPlaced",
        "events.validated.v1-com.eventflow.events.OrderPlaced",
        "events.dlq.v1-value",
    ]
    raw = manifest.subject("events.raw.v1-com.eventflow.events.OrderPlaced")
    assert raw.strategy == "TopicRecordNameStrategy"
    assert raw.topic == "events.raw.v1"
    assert raw.role == "value"
    assert raw.event_type == "order.placed"
    assert raw.compatibility is CompatibilityLevel.BACKWARD_TRANSITIVE
    assert raw.owner == "orders"
    assert raw.line == 8
    event = manifest.event_type("order.placed")
    assert event.topics == ("events.raw.v1", "events.validated.v1")
    assert event.partition_key == "payload.order_id"
    shared = manifest.subject("com.eventflow.common.Envelope")
    assert (shared.strategy, shared.topic) == ("RecordNameStrategy", None)
    assert manifest.shared_types() == (shared,)
    assert manifest.dead_letter.subject == "events.dlq.v1-value"
    assert manifest.dead_letter.strategy == "TopicNameStrategy"
    assert manifest.files() == (
        "common/Envelope.avsc",
        "events/OrderPlaced.avsc",
        "dlq/DeadLetter.avsc",
    )


def test_event_type_may_narrow_its_topics():
    text = GOOD.replace("    owner: orders\n", "    owner: orders\n    topics: [events.raw.v1]\n")
    manifest = parse(text)
    assert manifest.event_type("order.placed").topics == ("events.raw.v1",)
    assert [s.subject for s in manifest.subjects if s.event_type] == [
        "events.raw.v1-com.eventflow.events.OrderPlaced"
    ]


def test_explicit_subjects_follow_their_strategy():
    text = GOOD + textwrap.dedent("""\
        subjects:
          - topic: audit.v1
            role: key
            strategy: TopicNameStrategy
            record: com.eventflow.common.Envelope
            file: common/Envelope.avsc
            compatibility: NONE
            owner: audit
        """)
    entry = parse(text).subject("audit.v1-key")
    assert (entry.role, entry.strategy, entry.compatibility) == (
        "key",
        "TopicNameStrategy",
        CompatibilityLevel.NONE,
    )


def test_subject_name_strategies():
    assert subject_name("TopicNameStrategy", "t", "key", "a.B") == "t-key"
    assert subject_name("RecordNameStrategy", None, "value", "a.B") == "a.B"
    assert subject_name("TopicRecordNameStrategy", "t", "value", "a.B") == "t-a.B"


def test_the_committed_manifest_is_valid():
    root = REPO / "schemas" / "avro"
    known = {p.relative_to(root).as_posix() for p in root.rglob("*.avsc")}
    manifest = parse_manifest(
        (root / "manifest.yaml").read_text(), source="manifest.yaml", known_files=known
    )
    assert {e.event_type for e in manifest.event_types} >= {
        "order.placed",
        "user.registered",
        "payment.failed",
    }
    assert manifest.dead_letter.subject == "events.dlq.v1-value"
    assert all(s.owner for s in manifest.subjects)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "file: events/OrderPlaced.avsc",
            "file: events/Missing.avsc",
            r"^m\.yaml:10: event_types\[0\]\.file 'events/Missing\.avsc': unknown file",
        ),
        (
            "compatibility: BACKWARD_TRANSITIVE",
            "compatibility: BACKWARDS",
            r"^m\.yaml:12: event_types\[0\]\.compatibility 'BACKWARDS' is not a compatibility "
            r"level \(one of: BACKWARD, BACKWARD_TRANSITIVE",
        ),
        (
            "    owner: orders\n",
            "    owner: orders\n    color: blue\n",
            r"^m\.yaml:14: unknown key `event_types\[0\]\.color` \(allowed: compatibility, ",
        ),
        (
            "partition_key: payload.order_id",
            "partition_key: payload..order_id",
            r"^m\.yaml:11: event_types\[0\]\.partition_key 'payload\.\.order_id' must be a dotted",
        ),
        (
            "event_type: order.placed",
            "event_type: OrderPlaced",
            r"^m\.yaml:8: event_types\[0\]\.event_type 'OrderPlaced' must be lower-case",
        ),
        (
            "record: com.eventflow.events.OrderPlaced",
            "record: com.eventflow.events.Order-Placed",
            r"^m\.yaml:9: event_types\[0\]\.record 'com\.eventflow\.events\.Order-Placed' is not a "
            r"valid Avro full name",
        ),
        (
            "file: dlq/DeadLetter.avsc",
            "file: ../DeadLetter.avsc",
            r"^m\.yaml:17: dead_letter\.file '\.\./DeadLetter\.avsc' must be a relative path",
        ),
        (
            "  topic: events.dlq.v1\n",
            "  topic: 'events dlq'\n",
            r"^m\.yaml:15: dead_letter\.topic 'events dlq' is not a valid topic name",
        ),
        ("    owner: orders\n", "", r"^m\.yaml:8: event_types\[0\] has no `owner`"),
        (
            "[events.raw.v1, events.validated.v1]",
            "[events.raw.v1, events.raw.v1]",
            r"^m\.yaml:1: pipeline_topics: topic 'events\.raw\.v1' is listed twice",
        ),
        (
            "    owner: platform\nevent_types",
            "    owner: platform\n    owner: again\nevent_types",
            r"^m\.yaml:7: key `shared_types\[0\]\.owner` appears twice",
        ),
    ],
)
def test_bad_entries_name_file_line_and_field(old, new, expected):
    assert old in GOOD
    with pytest.raises(ManifestError, match=expected):
        parse(GOOD.replace(old, new, 1))


def test_duplicate_subject_names_both_lines():
    text = GOOD.replace(
        "event_types:\n",
        textwrap.dedent("""\
          - record: com.eventflow.common.Envelope
            file: common/Envelope.avsc
            compatibility: FULL
            owner: someone
        event_types:
        """),
        1,
    )
    with pytest.raises(
        ManifestError,
        match=r"^m\.yaml:7: duplicate subject 'com\.eventflow\.common\.Envelope' "
        r"\(first declared at line 3\)",
    ):
        parse(text)


def test_duplicate_event_type_is_rejected():
    entry = GOOD[GOOD.index("  - event_type") : GOOD.index("dead_letter:")]
    text = GOOD.replace(
        "dead_letter:", entry.replace("OrderPlaced", "OrderPlaced2") + "dead_letter:"
    )
    with pytest.raises(
        ManifestError,
        match=r"^m\.yaml:14: event type 'order\.placed' is "
        r"declared twice \(first at line 8\)",
    ):
        parse(text, known=FILES | {"events/OrderPlaced2.avsc"})


def test_one_file_cannot_hold_two_records():
    text = GOOD.replace("file: dlq/DeadLetter.avsc", "file: events/OrderPlaced.avsc")
    with pytest.raises(
        ManifestError,
        match=r"^m\.yaml:17: dead_letter\.file "
        r"'events/OrderPlaced\.avsc' is declared with record "
        r"'com\.eventflow\.events\.OrderPlaced' at line 10",
    ):
        parse(text)


def test_explicit_subject_name_must_match_its_strategy():
    text = GOOD + textwrap.dedent("""\
        subjects:
          - subject: audit-value
            topic: audit.v1
            role: value
            strategy: TopicNameStrategy
            record: com.eventflow.common.Envelope
            file: common/Envelope.avsc
            compatibility: NONE
            owner: audit
        """)
    with pytest.raises(
        ManifestError,
        match=r"^m\.yaml:21: subjects\[0\]\.subject 'audit-value' "
        r"does not match its strategy: TopicNameStrategy "
        r"names it 'audit\.v1-value'",
    ):
        parse(text)


def test_bad_strategy_and_role():
    base = (
        GOOD + "subjects:\n  - topic: a\n    role: {role}\n    strategy: {strategy}\n"
        "    record: com.eventflow.common.Envelope\n    file: common/Envelope.avsc\n    compatibility: NONE\n    owner: o\n"
    )
    with pytest.raises(
        ManifestError,
        match=r"^m\.yaml:22: subjects\[0\]\.role 'body' must be "
        r"one of: key, value",
    ):
        parse(base.format(role="body", strategy="TopicNameStrategy"))
    with pytest.raises(ManifestError, match=r"^m\.yaml:23: subjects\[0\]\.strategy 'Topic' must"):
        parse(base.format(role="key", strategy="Topic"))


def test_invalid_yaml_empty_and_missing_dead_letter():
    with pytest.raises(ManifestError, match=r"^m\.yaml:2: not valid YAML"):
        parse("a: [1,\nb: }")
    with pytest.raises(ManifestError, match=r"^m\.yaml:1: the manifest is empty"):
        parse("")
    with pytest.raises(ManifestError, match=r"^m\.yaml:1: missing the `dead_letter:` section"):
        parse(GOOD[: GOOD.index("dead_letter:")])
    with pytest.raises(ManifestError, match=r"^m\.yaml:1: unknown key `topics`"):
        parse("topics: []\n")


def test_unknown_subject_and_event_type_lookups_raise_manifest_error():
    manifest = parse(GOOD)
    with pytest.raises(ManifestError, match=r"unknown event type 'nope' \(declared: order\.placed"):
        manifest.event_type("nope")
    with pytest.raises(ManifestError, match=r"no subject 'nope' is declared"):
        manifest.subject("nope")
