"""Interop of the data contract's CEL rules (ADR 0010): Confluent's serializer and our validator.

The contracts (schemas and their CEL domain rules) are registered by EventFlow
(``sync_workspace``, what ``eventflow schema register`` does). Then, over a generated set of
good and bad orders: confluent-kafka-python's ``AvroSerializer`` with the CEL executor refuses
on write exactly the records EventFlow's validator dead-letters when they come without rules
(the validator reads the rules registered with the writer schema). The rules file's code rules
(``eventflowCodeRules``) are EventFlow's only and not registered, so they are left out of the
comparison; the last part shows why they are not registered as domain rules: Confluent's
serializer refuses every record on a rule type it has no executor for.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.schema_registry.rules.cel.cel_field_executor import CelFieldExecutor
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

from eventflow.consumers._outcome import Forward, InputEvent, Reject
from eventflow.consumers._validator import RegisteredRules, Validator
from eventflow.kafka._consumer import ConsumedRecord
from eventflow.registry._client import RegistryClient
from eventflow.registry._sync import sync_workspace
from eventflow.workspace import load_workspace
from tests.fixtures.registry import RegistryProcess

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "avro"
SUBJECT = "events.raw.v1-com.eventflow.events.OrderPlaced"
SEED = 20261202
COUNT = 200


def an_order(rng: random.Random) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    items = [
        {
            "sku": f"S{i}",
            "quantity": rng.choice([0, 1, 1, 2, 2, 5, 5]),
            "unit_price": rng.choice([Decimal("-1.00"), Decimal("0.00"), *[Decimal("9.95")] * 6]),
        }
        for i in range(rng.choice([0, 1, 1, 1, 1, 2, 2]))
    ]
    event_id = str(uuid.UUID(int=rng.getrandbits(128)))
    return {
        "envelope": {
            "event_id": event_id,
            "event_type": "order.placed",
            "source": "interop",
            "occurred_at": now,
            "received_at": now,
            "correlation_id": event_id,
            "causation_id": None,
        },
        "payload": {
            "order_id": f"o-{rng.randrange(10**6)}",
            "customer_id": "c-1",
            "line_items": items,
            "total": rng.choice([Decimal("0.00"), Decimal("0.01"), *[Decimal("19.90")] * 5]),
            "currency": rng.choice(["UNKNOWN", *["EUR", "CHF"] * 3]),
            "shipping_address": {
                "recipient": rng.choice(["", *["Ada"] * 3]),
                "street": "1 Main St",
                "city": "Bern",
                "postal_code": "3000",
                "country": rng.choice(["ch", "CHE", *["CH"] * 8]),
            },
        },
        "validation": None,
        "enrichment": None,
    }


def test_confluent_serializer_and_eventflow_validator_agree_on_registered_cel_rules(tmp_path):
    server = RegistryProcess(tmp_path / "srv", file=tmp_path / "srv" / "schemas.log")
    try:
        with RegistryClient(server.url) as ours:
            synced = sync_workspace(load_workspace(SCHEMAS), ours, dry_run=False)
            assert all(s.action == "created" for s in synced), synced
            registered = ours.get_version(SUBJECT)
            assert registered.rule_set is not None and registered.rule_set["domainRules"]
            # plus a CEL_FIELD rule (every string field non-blank), registered as a new version
            field_rule = {
                "name": "no_blank_strings",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL_FIELD",
                "expr": "typeName != 'STRING' || size(value) > 0",
                "onFailure": "ERROR",
            }
            rules_v2 = {"domainRules": [*registered.rule_set["domainRules"], field_rule]}
            body = {
                "schema": registered.schema,
                "metadata": registered.metadata,
                "ruleSet": rules_v2,
                "references": [r.to_json() for r in registered.references],
            }
            assert httpx.post(f"{server.url}/subjects/{SUBJECT}/versions", json=body).is_success
            latest = ours.get_version(SUBJECT)
            assert latest.version == 2

            CelExecutor.register()  # as an application does: the global rule registry
            CelFieldExecutor.register()
            serializer = AvroSerializer(
                SchemaRegistryClient({"url": server.url}),
                conf={
                    "auto.register.schemas": False,
                    "use.latest.version": True,
                    "subject.name.strategy": lambda _ctx, _name: SUBJECT,
                },
            )
            ctx = SerializationContext("events.raw.v1", MessageField.VALUE)
            validator = Validator(contract_rules=RegisteredRules(ours))  # registered rules only

            rng = random.Random(SEED)
            verdicts: list[tuple[bool, bool]] = []
            reasons: set[str] = set()
            disagreements = []
            generated: list[dict[str, Any]] = []
            for _ in range(COUNT):
                value = an_order(rng)
                generated.append(value)
                why = ""
                try:
                    serializer(value, ctx)
                    confluent_accepts = True
                except SerializationError as exc:
                    confluent_accepts = False
                    why = repr(exc.__cause__ or exc)
                record = ConsumedRecord("events.raw.v1", 0, 0, b"k", b"", (), 0)
                outcome = validator.handle(InputEvent(record, latest.schema_id, value))
                assert isinstance(outcome, Forward | Reject)
                eventflow_accepts = isinstance(outcome, Forward)
                if isinstance(outcome, Reject):
                    reasons.add(outcome.error_type)
                    assert outcome.error_type.startswith(("rule:order_", "rule:no_blank"))
                verdicts.append((confluent_accepts, eventflow_accepts))
                if confluent_accepts != eventflow_accepts:
                    disagreements.append((why, value["payload"], outcome))
            assert not disagreements, disagreements[:3]
            accepted = sum(1 for c, _ in verdicts if c)
            assert 0 < accepted < COUNT  # the generated set has good and bad records
            assert {"rule:no_blank_strings", "rule:order_total_positive"} <= reasons, reasons

            # a rule type Confluent's clients have no executor for, registered as a domain rule:
            # their serializer refuses every record, even one keeping every rule (ADR 0010)
            python_rule = {**field_rule, "name": "in_python", "type": "PYTHON", "expr": "m:f"}
            body["ruleSet"] = {"domainRules": [*rules_v2["domainRules"], python_rule]}
            assert httpx.post(f"{server.url}/subjects/{SUBJECT}/versions", json=body).is_success
            good = next(v for v, (c, _e) in zip(generated, verdicts, strict=True) if c)
            with pytest.raises(SerializationError) as refused:
                AvroSerializer(
                    SchemaRegistryClient({"url": server.url}),
                    conf={
                        "auto.register.schemas": False,
                        "use.latest.version": True,
                        "subject.name.strategy": lambda _ctx, _name: SUBJECT,
                    },
                )(good, ctx)
            cause = refused.value.__cause__ or refused.value.__context__
            assert "Could not find rule executor of type PYTHON" in str(cause), repr(cause)
    finally:
        server.stop()
