"""The registry client fits the protocols serde is written against (checked by mypy too)."""

from __future__ import annotations

from eventflow.errors import EventFlowError
from eventflow.registry._client import RegistryClient
from eventflow.registry._errors import RegistryError
from eventflow.serde._lookup import SchemaLookup, SchemaRegistrar, is_not_found


def test_registry_client_is_a_schema_lookup_and_registrar():
    client = RegistryClient("http://127.0.0.1:1")
    try:
        lookup: SchemaLookup = client
        registrar: SchemaRegistrar = client
        for method in ("get_schema", "get_version", "lookup"):
            assert callable(getattr(lookup, method))
        assert callable(registrar.register)
    finally:
        client.close()


def test_not_found_is_recognised_from_the_http_status():
    assert is_not_found(RegistryError(40403, "Schema not found"))
    assert not is_not_found(RegistryError(50001, "store failed"))
    assert not is_not_found(EventFlowError("no status at all"))
