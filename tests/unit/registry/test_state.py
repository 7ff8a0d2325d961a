"""The pure view: log order decides racing claims; soft and hard deletes; ids never collide."""

from __future__ import annotations

import orjson

from eventflow.registry._records import (
    SchemaClaim,
    config_key,
    decode,
    encode_claim,
    mode_key,
    schema_key,
)
from eventflow.registry._state import RegistryState


def dec(key, value):
    record = decode(key, value)
    assert record is not None
    return record


def claim(subject, version, schema_id, schema="s1", **kw):
    return SchemaClaim(subject, version, schema_id, schema, "AVRO", (), **kw)


def put(state, c, key=None):
    key = key or schema_key(c.subject, c.version)
    state.apply(dec(key, encode_claim(c)))
    return key


def test_first_claim_for_a_slot_wins_and_the_later_one_is_recorded_as_losing():
    state = RegistryState()
    won = put(state, claim("s", 1, 1, "a"))
    lost = put(state, claim("s", 1, 2, "b"))
    assert state.holder_key("s", 1) == won
    assert state.subjects["s"][1].claim.schema == "a"
    assert state.losing_keys[("s", 1)] == {lost}
    assert 2 not in state.schemas


def test_two_different_schemas_can_never_share_an_id():
    state = RegistryState()
    put(state, claim("a", 1, 1, "x"))
    put(state, claim("b", 1, 1, "y"))  # same id, other content: refused
    assert "b" not in state.subjects
    assert state.schemas[1].schema == "x"


def test_same_schema_must_reuse_its_id():
    state = RegistryState()
    put(state, claim("a", 1, 1, "x"))
    put(state, claim("b", 1, 2, "x"))  # same content under a new id: refused
    assert "b" not in state.subjects
    put(state, claim("b", 1, 1, "x"))
    assert state.uses_of(1) == [("a", 1), ("b", 1)]


def test_versions_must_be_consecutive_unless_imported():
    state = RegistryState()
    put(state, claim("s", 2, 1))
    assert "s" not in state.subjects
    put(state, claim("s", 5, 1, imported=True))
    assert state.next_version("s") == 6


def test_same_schema_twice_in_one_subject_is_refused():
    state = RegistryState()
    put(state, claim("s", 1, 1, "x"))
    put(state, claim("s", 2, 1, "x"))
    assert [v.claim.version for v in state.versions("s")] == [1]


def test_soft_delete_rewrites_the_winning_key_and_hard_delete_tombstones_it():
    state = RegistryState()
    key = put(state, claim("s", 1, 1, "x"))
    put(state, claim("s", 1, 1, "x", deleted=True), key)
    assert state.versions("s") == []
    assert [v.claim.version for v in state.versions("s", deleted=True)] == [1]
    assert state.subject_names() == [] and state.subject_names(deleted=True) == ["s"]
    state.apply(dec(key, None))
    assert state.subjects == {} and state.schemas == {}
    assert state.max_id == 1 and state.next_id() == 2  # ids are not reused in a process


def test_tombstone_of_a_losing_key_changes_nothing():
    state = RegistryState()
    put(state, claim("s", 1, 1, "a"))
    lost = put(state, claim("s", 1, 2, "b"))
    state.apply(dec(lost, None))
    assert state.subjects["s"][1].claim.schema == "a"
    assert state.losing_keys[("s", 1)] == set()


def test_config_and_mode_records_set_and_clear():
    state = RegistryState()
    state.apply(dec(config_key(None), orjson.dumps({"compatibilityLevel": "FULL"})))
    state.apply(dec(config_key("s"), orjson.dumps({"compatibilityLevel": "NONE"})))
    state.apply(dec(mode_key(None), orjson.dumps({"mode": "READONLY"})))
    assert state.effective_compatibility("s") == "NONE"
    assert state.effective_compatibility("t") == "FULL"
    assert state.effective_mode("s") == "READONLY"
    state.apply(dec(config_key("s"), None))
    state.apply(dec(mode_key(None), None))
    assert state.effective_compatibility("s") == "FULL"
    assert state.effective_mode("s") == "READWRITE"


def test_foreign_or_damaged_records_decode_to_none():
    assert decode(b"not json", b"{}") is None
    assert decode(b'{"keytype":"NOOP"}', b"{}") is None
    assert decode(b'{"keytype":"SCHEMA","subject":"s","version":1}', b"[1]") is None


def test_replaying_the_same_log_gives_the_same_view_whatever_the_races():
    records = []
    for i, (subject, version, schema_id, text) in enumerate(
        [("a", 1, 1, "x"), ("a", 1, 1, "y"), ("b", 1, 2, "y"), ("a", 2, 2, "y"), ("c", 1, 2, "z")]
    ):
        key = schema_key(subject, version, claim=f"c{i}")
        records.append((key, encode_claim(claim(subject, version, schema_id, text))))
    views = []
    for _ in range(2):
        state = RegistryState()
        for key, value in records:
            state.apply(dec(key, value))
        views.append(({s: sorted(v) for s, v in state.subjects.items()}, dict(state.schemas)))
    assert views[0] == views[1]
    assert views[0][0] == {"a": [1, 2], "b": [1]}
