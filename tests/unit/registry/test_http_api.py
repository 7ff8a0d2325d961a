"""The REST API in-process (file log, toy engine): status codes, Confluent error bodies, state."""

from __future__ import annotations

import json

from tests.unit.registry.conftest import Harness
from tests.unit.registry.fakes import record

CT = "application/vnd.schemaregistry.v1+json"


def register(h, subject, schema, **params):
    return h.http.post(f"/subjects/{subject}/versions", json={"schema": schema}, params=params)


def test_register_then_read_back_every_way(harness):
    r = register(harness, "s", record("A", "a"))
    assert r.status_code == 200 and r.json() == {"id": 1}
    assert r.headers["content-type"] == CT
    assert harness.http.get("/subjects").json() == ["s"]
    assert harness.http.get("/subjects/s/versions").json() == [1]
    got = harness.http.get("/subjects/s/versions/latest").json()
    assert got == {
        "subject": "s",
        "version": 1,
        "id": 1,
        "schema": json.dumps(json.loads(record("A", "a")), separators=(",", ":")),
    }
    assert harness.http.get("/subjects/s/versions/1/schema").json()["name"] == "A"
    assert harness.http.get("/schemas/ids/1").json()["schema"] == got["schema"]
    assert harness.http.get("/schemas/ids/1/schema").json()["name"] == "A"
    assert harness.http.get("/schemas/ids/1/subjects").json() == ["s"]
    assert harness.http.get("/schemas/ids/1/versions").json() == [{"subject": "s", "version": 1}]
    assert harness.http.get("/schemas/types").json() == ["AVRO"]


def test_whitespace_variants_are_the_same_schema_and_keep_their_id(harness):
    a = register(harness, "s", record("A", "a")).json()["id"]
    spaced = json.dumps(json.loads(record("A", "a")), indent=4)
    assert register(harness, "s", spaced).json()["id"] == a
    assert register(harness, "t", spaced).json()["id"] == a
    assert harness.http.get("/subjects/s/versions").json() == [1]


def test_error_codes_for_unknown_things(harness):
    register(harness, "s", record("A", "a"))
    cases = {
        "/subjects/nope/versions": (404, 40401),
        "/subjects/nope/versions/1": (404, 40401),
        "/subjects/s/versions/9": (404, 40402),
        "/subjects/s/versions/zero": (422, 42202),
        "/subjects/s/versions/0": (422, 42202),
        "/schemas/ids/99": (404, 40403),
        "/schemas/ids/x": (404, 40403),
        "/config/s": (404, 40408),
        "/mode/s": (404, 40409),
        "/no/such/path": (404, 404),
    }
    for path, (status, code) in cases.items():
        r = harness.http.get(path)
        assert (r.status_code, r.json()["error_code"]) == (status, code), path
        assert r.json()["message"]


def test_bad_bodies_are_refused_and_change_nothing(harness):
    before = harness.path.read_bytes() if harness.path.exists() else b""
    bad = [
        (b"{not json", 400, 400),
        (b"", 400, 400),
        (b"[1, 2]", 422, 422),
        (json.dumps({"schema": "not json"}).encode(), 422, 42201),
        (json.dumps({"schema": '{"type": "record"}'}).encode(), 422, 42201),
        (json.dumps({"schema": record("A", "a"), "schemaType": "PROTOBUF"}).encode(), 422, 42201),
        (
            json.dumps({"schema": record("A", "a"), "references": [{"name": "x"}]}).encode(),
            422,
            42201,
        ),
        (
            json.dumps(
                {
                    "schema": record("A", "a"),
                    "references": [{"name": "B", "subject": "b", "version": 1}],
                }
            ).encode(),
            422,
            42201,
        ),
    ]
    for body, status, code in bad:
        r = harness.http.post("/subjects/s/versions", content=body, headers={"Content-Type": CT})
        assert (r.status_code, r.json()["error_code"]) == (status, code), body
    assert (harness.path.read_bytes() if harness.path.exists() else b"") == before
    assert harness.http.get("/subjects").json() == []


def test_oversized_body_is_413_and_stores_nothing(tmp_path):
    h = Harness(tmp_path / "log", max_body_bytes=200)
    try:
        big = record("Big", *[f"field_{i}" for i in range(40)])
        r = register(h, "s", big)
        assert (r.status_code, r.json()["error_code"]) == (413, 413)
        assert h.http.get("/subjects").json() == []
    finally:
        h.close()


def test_incompatible_schema_is_409_with_the_engine_messages(harness):
    register(harness, "s", record("A", "a", "b"))
    r = register(harness, "s", record("A", "a"))
    assert (r.status_code, r.json()["error_code"]) == (409, 409)
    assert "READER_FIELD_MISSING: b" in r.json()["message"]
    body = {"schema": record("A", "a")}
    check = harness.http.post(
        "/compatibility/subjects/s/versions/latest", json=body, params={"verbose": "true"}
    ).json()
    assert check == {"is_compatible": False, "messages": ["READER_FIELD_MISSING: b"]}
    quiet = harness.http.post("/compatibility/subjects/s/versions/latest", json=body).json()
    assert quiet == {"is_compatible": False}
    ok = harness.http.post(
        "/compatibility/subjects/s/versions", json={"schema": record("A", "a", "b", "c")}
    ).json()
    assert ok == {"is_compatible": True}
    # a subject with no versions yet accepts anything
    fresh = harness.http.post("/compatibility/subjects/new/versions/latest", json=body).json()
    assert fresh == {"is_compatible": True}


def test_transitive_levels_check_against_every_live_version(harness):
    harness.http.put("/config/s", json={"compatibility": "BACKWARD_TRANSITIVE"})
    register(harness, "s", record("A", "a", "b"))
    harness.http.put("/config/s", json={"compatibility": "NONE"})
    register(harness, "s", record("A", "a", "b", "c"))
    harness.http.put("/config/s", json={"compatibility": "BACKWARD_TRANSITIVE"})
    harness.engine.checks.clear()
    register(harness, "s", record("A", "a", "b", "c", "d"))
    assert harness.engine.checks == [("A", 2, "BACKWARD_TRANSITIVE")]
    harness.http.put("/config/s", json={"compatibility": "BACKWARD"})
    harness.engine.checks.clear()
    register(harness, "s", record("A", "a", "b", "c", "d", "e"))
    assert harness.engine.checks == [("A", 3, "BACKWARD")]  # the engine picks the latest


def test_config_global_and_subject_with_default_to_global(harness):
    assert harness.http.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
    assert harness.http.put("/config", json={"compatibility": "full"}).json() == {
        "compatibility": "FULL"
    }
    r = harness.http.put("/config/s", json={"compatibility": "SIDEWAYS"})
    assert (r.status_code, r.json()["error_code"]) == (422, 42203)
    assert harness.http.get("/config/s", params={"defaultToGlobal": "true"}).json() == {
        "compatibilityLevel": "FULL"
    }
    register(harness, "s", record("A", "a"))
    harness.http.put("/config/s", json={"compatibility": "NONE"})
    assert harness.http.get("/config/s").json() == {"compatibilityLevel": "NONE"}
    assert harness.http.delete("/config/s").json() == {"compatibilityLevel": "NONE"}
    assert harness.http.get("/config/s").json()["error_code"] == 40408


def test_readonly_mode_refuses_writes_with_42205(harness):
    register(harness, "s", record("A", "a"))
    assert harness.http.put("/mode", json={"mode": "READONLY"}).json() == {"mode": "READONLY"}
    r = register(harness, "s", record("A", "a", "b"))
    assert (r.status_code, r.json()["error_code"]) == (422, 42205)
    assert harness.http.delete("/subjects/s").json()["error_code"] == 42205
    assert harness.http.get("/subjects/s/versions").json() == [1]
    assert harness.http.put("/mode/s", json={"mode": "READWRITE"}).json() == {"mode": "READWRITE"}
    assert register(harness, "s", record("A", "a", "b")).status_code == 200
    assert harness.http.get("/mode/s").json() == {"mode": "READWRITE"}
    assert harness.http.delete("/mode/s").json() == {"mode": "READWRITE"}
    assert harness.http.get("/mode/s", params={"defaultToGlobal": "true"}).json() == {
        "mode": "READONLY"
    }
    bad = harness.http.put("/mode", json={"mode": "SOMETIMES"})
    assert (bad.status_code, bad.json()["error_code"]) == (422, 42204)


def test_import_mode_registers_explicit_ids_and_versions(harness):
    r = harness.http.put("/mode", json={"mode": "IMPORT"})
    assert r.json() == {"mode": "IMPORT"}
    body = {"schema": record("A", "a"), "id": 42, "version": 3}
    assert harness.http.post("/subjects/s/versions", json=body).json() == {"id": 42}
    assert harness.http.get("/subjects/s/versions").json() == [3]
    clash = {"schema": record("B", "b"), "id": 42, "version": 1}
    r = harness.http.post("/subjects/t/versions", json=clash)
    assert (r.status_code, r.json()["error_code"]) == (422, 42207)
    missing_id = harness.http.post("/subjects/t/versions", json={"schema": record("B", "b")})
    assert missing_id.json()["error_code"] == 42205
    harness.http.put("/mode", json={"mode": "READWRITE"})
    assert register(harness, "u", record("C", "c")).json() == {"id": 43}
    # IMPORT on a registry that has schemas needs force
    r = harness.http.put("/mode", json={"mode": "IMPORT"})
    assert r.json()["error_code"] == 42205
    assert harness.http.put("/mode", json={"mode": "IMPORT"}, params={"force": "true"}).json() == {
        "mode": "IMPORT"
    }


def test_soft_then_hard_delete_of_versions_and_subjects(harness):
    register(harness, "s", record("A", "a"))
    register(harness, "s", record("A", "a", "b"))
    r = harness.http.delete("/subjects/s/versions/1", params={"permanent": "true"})
    assert (r.status_code, r.json()["error_code"]) == (404, 40407)
    assert harness.http.delete("/subjects/s/versions/1").json() == 1
    assert harness.http.delete("/subjects/s/versions/1").json()["error_code"] == 40406
    assert harness.http.get("/subjects/s/versions").json() == [2]
    assert harness.http.get("/subjects/s/versions", params={"deleted": "true"}).json() == [1, 2]
    assert harness.http.get("/subjects/s/versions/1").json()["error_code"] == 40402
    assert harness.http.get("/subjects/s/versions/1", params={"deleted": "true"}).json()["id"] == 1
    assert harness.http.get("/schemas/ids/1").status_code == 200  # soft: still by id
    assert harness.http.delete("/subjects/s/versions/1", params={"permanent": "true"}).json() == 1
    assert harness.http.get("/schemas/ids/1").json()["error_code"] == 40403
    r = harness.http.delete("/subjects/s", params={"permanent": "true"})
    assert r.json()["error_code"] == 40405
    assert harness.http.delete("/subjects/s").json() == [2]
    assert harness.http.delete("/subjects/s").json()["error_code"] == 40404
    assert harness.http.get("/subjects").json() == []
    assert harness.http.get("/subjects", params={"deleted": "true"}).json() == ["s"]
    assert harness.http.get("/subjects", params={"deletedOnly": "true"}).json() == ["s"]
    assert harness.http.delete("/subjects/s", params={"permanent": "true"}).json() == [2]
    assert harness.http.get("/subjects", params={"deleted": "true"}).json() == []
    assert harness.http.delete("/subjects/s").json()["error_code"] == 40401
    # re-registering after a hard delete gets a fresh id, never a reused one
    assert register(harness, "s", record("Z", "z")).json() == {"id": 3}


def test_references_resolve_and_block_deletion_of_what_they_use(harness):
    register(harness, "common", record("Env", "id"))
    ref = [{"name": "Env", "subject": "common", "version": 1}]
    schema = json.dumps(
        {"type": "record", "name": "Order", "fields": [{"name": "envelope", "type": "Env"}]}
    )
    r = harness.http.post("/subjects/order/versions", json={"schema": schema, "references": ref})
    assert r.json() == {"id": 2}
    got = harness.http.get("/subjects/order/versions/1").json()
    assert got["references"] == ref
    assert harness.http.get("/schemas/ids/2").json()["references"] == ref
    assert harness.http.get("/subjects/common/versions/1/referencedby").json() == [2]
    r = harness.http.delete("/subjects/common/versions/1")
    assert (r.status_code, r.json()["error_code"]) == (422, 42206)
    found = harness.http.post("/subjects/order", json={"schema": schema, "references": ref})
    assert found.json()["id"] == 2
    without_refs = harness.http.post("/subjects/order", json={"schema": schema})
    assert without_refs.json()["error_code"] == 42201


def test_lookup_finds_the_version_or_says_why_not(harness):
    register(harness, "s", record("A", "a"))
    found = harness.http.post("/subjects/s", json={"schema": record("A", "a")}).json()
    assert (found["id"], found["version"], found["subject"]) == (1, 1, "s")
    r = harness.http.post("/subjects/s", json={"schema": record("A", "b")})
    assert (r.status_code, r.json()["error_code"]) == (404, 40403)
    r = harness.http.post("/subjects/t", json={"schema": record("A", "a")})
    assert (r.status_code, r.json()["error_code"]) == (404, 40401)


def test_normalize_stores_one_spelling(harness):
    a = json.dumps({"name": "N", "type": "record", "fields": [{"type": "int", "name": "x"}]})
    b = json.dumps({"type": "record", "fields": [{"name": "x", "type": "int"}], "name": "N"})
    first = register(harness, "s", a, normalize="true").json()["id"]
    assert register(harness, "t", b, normalize="true").json()["id"] == first


def test_subject_names_are_url_decoded(harness):
    register(harness, "a%2Fb%20c", record("A", "a"))
    assert harness.http.get("/subjects").json() == ["a/b c"]
    assert harness.http.get("/subjects/a%2Fb%20c/versions").json() == [1]


def test_basic_auth_when_configured(tmp_path):
    h = Harness(tmp_path / "log", users={"alice": "s3cret"})
    try:
        r = h.http.get("/subjects")
        assert (r.status_code, r.json()["error_code"]) == (401, 401)
        assert "basic" in r.headers["www-authenticate"].lower()
        assert h.http.get("/subjects", auth=("alice", "wrong")).status_code == 401
        assert h.http.get("/subjects", auth=("alice", "s3cret")).json() == []
        assert h.client(basic_auth="alice:s3cret").list_subjects() == []
    finally:
        h.close()


def test_state_survives_a_restart_from_the_file(tmp_path):
    h = Harness(tmp_path / "log")
    register(h, "s", record("A", "a"))
    register(h, "s", record("A", "a", "b"))
    h.http.put("/config/s", json={"compatibility": "NONE"})
    h.http.delete("/subjects/s/versions/1")
    before = [
        h.http.get(p).json()
        for p in ("/subjects/s/versions", "/config/s", "/schemas/ids/2", "/subjects?deleted=true")
    ]
    h.close()
    again = Harness(tmp_path / "log")
    try:
        after = [
            again.http.get(p).json()
            for p in (
                "/subjects/s/versions",
                "/config/s",
                "/schemas/ids/2",
                "/subjects?deleted=true",
            )
        ]
        assert after == before
        assert register(again, "t", record("T", "t")).json() == {"id": 3}
    finally:
        again.close()
