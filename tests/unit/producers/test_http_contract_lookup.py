"""The API's encoder finds each contract among ALL versions of its subject; a contract in no
version is a permanent 500 ``api.contract_not_registered``, never a 503 "retry later"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eventflow.errors import ErrorCode
from eventflow.producers.http._adapters import RegistryEncoder, catalog_from_workspace
from eventflow.producers.http._problems import ContractNotRegistered
from eventflow.serde._avro_json import inline_references
from eventflow.workspace import load_workspace
from tests.unit.producers.fakes import REPO, real_catalog
from tests.unit.serde.fakes import FakeRegistry

CATALOG = real_catalog()
SPECS = {spec.event_type: spec for spec in CATALOG}
SCHEMAS = {
    spec.event_type: load_workspace(REPO / "schemas" / "avro").schema_for_event_type(
        spec.event_type
    )
    for spec in CATALOG
}


def inlined(event_type: str) -> dict[str, Any]:
    spec = SPECS[event_type]
    return inline_references(dict(spec.record_schema), spec.named)  # type: ignore[no-any-return]


def with_extra_field(schema: dict[str, Any]) -> dict[str, Any]:
    extra = {"name": "extra", "type": ["null", "string"], "default": None}
    return {**schema, "fields": [*schema["fields"], extra]}


def test_a_contract_older_than_the_latest_version_is_found() -> None:
    registry = FakeRegistry()
    for spec in CATALOG:
        registry.register(spec.subject, json.dumps(inlined(spec.event_type)))
    newer = registry.register(
        SPECS["order.placed"].subject, json.dumps(with_extra_field(inlined("order.placed")))
    )
    encoder = RegistryEncoder(registry, SCHEMAS)
    assert encoder.missing_contracts(CATALOG) == []
    order = SPECS["order.placed"]
    first = registry.get_version(order.subject, 1).schema_id
    assert first != newer
    payload, problems = order.converter(order.example()["data"], "data")
    assert problems == []
    envelope = {
        "event_id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
        "event_type": "order.placed",
        "source": "shop",
        "occurred_at": 1_772_362_800_000,
        "received_at": 1_772_362_800_123,
        "correlation_id": "flow-1",
        "causation_id": None,
    }
    record = {"envelope": envelope, "payload": payload, "validation": None, "enrichment": None}
    assert encoder.encode(order, record)[:5] == b"\x00" + first.to_bytes(4, "big")


def test_an_unregistered_contract_is_a_permanent_500_naming_the_subject() -> None:
    registry = FakeRegistry()
    first = SPECS["user.registered"]
    for spec in CATALOG:
        schema = inlined(spec.event_type)
        registry.register(
            spec.subject, json.dumps(with_extra_field(schema) if spec is first else schema)
        )
    encoder = RegistryEncoder(registry, SCHEMAS)
    assert encoder.missing_contracts(CATALOG) == [first.event_type]
    with pytest.raises(ContractNotRegistered) as caught:
        encoder.encode(first, {})
    assert caught.value.status == 500 and caught.value.retry_after_s is None
    assert caught.value.code == ErrorCode.API_CONTRACT_NOT_REGISTERED
    assert first.subject in str(caught.value) and "eventflow schema register" in str(caught.value)


def test_after_a_reload_each_spec_is_framed_with_its_own_contracts_id(tmp_path: Path) -> None:
    """A request prepared before a contract reload keeps the id of the schema it is written
    with; requests prepared after it get the new one."""
    v2_dir = tmp_path / "avro"
    shutil.copytree(REPO / "schemas" / "avro", v2_dir)
    path = v2_dir / "events" / "OrderPlaced.avsc"
    doc = json.loads(path.read_text())
    payload = next(f for f in doc["fields"] if f["name"] == "payload")
    payload["type"]["fields"].append(
        {"name": "coupon", "type": ["null", "string"], "default": None}
    )
    path.write_text(json.dumps(doc))
    old_ws, new_ws = load_workspace(REPO / "schemas" / "avro"), load_workspace(v2_dir)
    old = catalog_from_workspace(old_ws, "events.raw.v1").get("order.placed")
    new = catalog_from_workspace(new_ws, "events.raw.v1").get("order.placed")
    registry = FakeRegistry()
    ids = [
        registry.register(
            old.subject, json.dumps(inline_references(dict(s.record_schema), s.named))
        )
        for s in (old, new)
    ]
    encoder = RegistryEncoder(
        registry, {"order.placed": old_ws.schema_for_event_type("order.placed")}
    )
    envelope = {
        "event_id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
        "event_type": "order.placed",
        "source": "shop",
        "occurred_at": 1,
        "received_at": 2,
        "correlation_id": "c",
        "causation_id": None,
    }

    def record(spec: Any) -> dict[str, Any]:
        data, problems = spec.converter(spec.example()["data"], "data")
        assert problems == []
        return {"envelope": envelope, "payload": data, "validation": None, "enrichment": None}

    before = record(old)
    assert encoder.encode(old, before)[:5] == b"\x00" + ids[0].to_bytes(4, "big")
    encoder.replace_schemas({"order.placed": new_ws.schema_for_event_type("order.placed")})
    assert encoder.encode(old, before)[:5] == b"\x00" + ids[0].to_bytes(4, "big")  # in flight
    assert encoder.encode(new, record(new))[:5] == b"\x00" + ids[1].to_bytes(4, "big")
    assert encoder.schema_id_of(new) == ids[1]
