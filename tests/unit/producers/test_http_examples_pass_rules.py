"""Every example the API serves (``GET /v1/event-types``) passes the validator's rules: it is
encoded as the API would, decoded as the validator reads it, and checked with the declared
rules (each rules file's CEL rules, as registered with the schema, and its code rules)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import fastavro
import pytest

from eventflow.consumers._outcome import Forward, InputEvent
from eventflow.consumers._validator import Validator, load_code_rules
from eventflow.kafka._cel_rules import DomainRules
from eventflow.kafka._consumer import ConsumedRecord
from eventflow.producers.http._envelope import parse_event
from eventflow.producers.http._normalize import build_record
from eventflow.workspace import load_workspace
from tests.unit.producers.fakes import real_catalog

REPO = Path(__file__).resolve().parents[3]
CATALOG = real_catalog()


def _parsed_schemas() -> dict[str, Any]:
    workspace = load_workspace(REPO / "schemas" / "avro")
    named: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    for name, schema in workspace.schemas.items():  # shared types come first
        parsed[name] = fastavro.parse_schema(schema.json, named_schemas=named)
    return parsed


@pytest.mark.parametrize("spec", list(CATALOG), ids=lambda spec: spec.event_type)
def test_the_served_example_passes_the_validator_rules(spec):
    example = spec.example()
    event = parse_event(example)
    payload, problems = spec.converter(event.data, "data")
    assert problems == [], problems
    now = int(time.time() * 1000)
    record = build_record(
        event,
        payload,
        event_id="3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
        source="shop",
        received_at_ms=now,
    )
    schema = _parsed_schemas()[spec.record_name]
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, record)
    decoded = fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), schema, None)
    contracts = load_workspace(REPO / "schemas" / "avro").contracts
    rule_set = contracts[spec.event_type].rule_set
    assert rule_set, f"{spec.event_type} declares no CEL rules"
    registered = DomainRules(rule_set, '{"type":"record","name":"E","fields":[]}', "s")
    validator = Validator(
        contract_rules=lambda _id: registered, code_rules=load_code_rules(contracts)
    )
    consumed = ConsumedRecord("events.raw.v1", 0, 0, None, buffer.getvalue(), (), now)
    outcome = validator.handle(InputEvent(consumed, 1, decoded))  # type: ignore[arg-type]
    assert isinstance(outcome, Forward), outcome
    assert outcome.value["validation"]["findings"] == []  # not even a NONE rule broken
