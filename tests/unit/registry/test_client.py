"""RegistryClient against the in-process server, and against unreachable or odd servers."""

from __future__ import annotations

import httpx
import pytest

from eventflow.errors import EventFlowError
from eventflow.registry import RegistryClient, RegistryError, RegistryUnreachable, SchemaReference
from tests.unit.registry.fakes import record


def test_every_call_round_trips(harness):
    client = harness.client()
    schema_id = client.register("s", record("A", "a"))
    assert client.register("s", record("A", "a")) == schema_id
    assert client.list_subjects() == ["s"]
    assert client.list_versions("s") == [1]
    latest = client.get_version("s")
    assert (latest.schema_id, latest.subject, latest.version) == (schema_id, "s", 1)
    assert client.get_version("s", 1) == latest
    assert client.lookup("s", record("A", "a")) == latest
    by_id = client.get_schema(schema_id)
    assert by_id.schema == latest.schema and by_id.schema_id == schema_id
    assert client.test_compatibility("s", record("A", "a", "b")) == (True, [])
    ok, messages = client.test_compatibility("s", record("A", "z"))
    assert not ok and messages == ["READER_FIELD_MISSING: a"]
    assert client.get_compatibility() == "BACKWARD"
    client.set_compatibility("FULL_TRANSITIVE", "s")
    assert client.get_compatibility("s") == "FULL_TRANSITIVE"
    assert client.get_compatibility("other") == "BACKWARD"  # defaultToGlobal
    assert client.delete_subject("s") == [1]
    client.close()


def test_references_are_sent_and_returned(harness):
    client = harness.client()
    client.register("env", record("Env", "id"))
    ref = SchemaReference("Env", "env", 1)
    text = '{"type":"record","name":"O","fields":[{"name":"e","type":"Env"}]}'
    schema_id = client.register("o", text, [ref])
    assert client.get_schema(schema_id).references == (ref,)
    assert client.lookup("o", text, [ref]).version == 1


def test_schemas_by_id_are_cached(harness):
    client = harness.client()
    schema_id = client.register("s", record("A", "a"))
    client.get_schema(schema_id)
    harness.http.delete("/subjects/s")
    harness.http.delete("/subjects/s", params={"permanent": "true"})
    assert client.get_schema(schema_id).schema_id == schema_id  # ids are immutable


def test_errors_carry_confluent_codes(harness):
    client = harness.client()
    with pytest.raises(RegistryError) as exc:
        client.get_version("missing")
    assert (exc.value.http_status, exc.value.error_code) == (404, 40401)
    assert isinstance(exc.value, EventFlowError)
    with pytest.raises(RegistryError) as exc:
        client.register("s", '{"no": "name"}')
    assert exc.value.error_code == 42201 and "needs a name" in str(exc.value)


def test_unreachable_registry_is_a_clear_error():
    client = RegistryClient("http://127.0.0.1:9", timeout_s=0.5)
    with pytest.raises(RegistryUnreachable) as exc:
        client.list_subjects()
    assert "did not answer" in str(exc.value) and "127.0.0.1:9" in str(exc.value)


def test_non_json_error_bodies_still_raise_registry_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text="bad gateway"))
    client = RegistryClient("http://x", transport=transport)
    with pytest.raises(RegistryError) as exc:
        client.list_subjects()
    assert (exc.value.http_status, exc.value.error_code) == (502, -1)
    assert "bad gateway" in str(exc.value)


def test_basic_auth_header_and_content_type_are_sent():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": 7})

    client = RegistryClient("http://x/", basic_auth="u:p", transport=httpx.MockTransport(handler))
    assert client.register("a b/c", "{}", normalize=True) == 7
    request = seen[0]
    assert request.headers["authorization"] == "Basic dTpw"
    assert request.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
    assert request.url.raw_path == b"/subjects/a%20b%2Fc/versions?normalize=true"
