"""The DLQ replay pre-check counts, per error type, the letters that would fail again."""

from __future__ import annotations

from eventflow.consumers._dead_letter import dead_letter_for
from eventflow.consumers._replay_check import failing_again
from eventflow.consumers._validator import Validator
from eventflow.events import DeadLetter
from eventflow.kafka._cel_rules import DomainRules
from tests.unit.consumers.fakes import FakeCodec, record

N_SMALL = DomainRules(
    {
        "domainRules": [
            {
                "name": "order_n_small",
                "kind": "CONDITION",
                "mode": "WRITE",
                "type": "CEL",
                "expr": "message.payload.n <= 5",
            }
        ]
    },
    '{"type":"record","name":"E","fields":[]}',
    "schema id 7",
)


def letter(n: int, value: bytes | None = None) -> DeadLetter:
    consumed = record(n, value=value) if value is not None else record(n)
    return dead_letter_for(
        consumed, error_type="rule:x", message="m", service="s", group="g", attempt=1
    )


def original(item: DeadLetter) -> bytes | None:
    return item.original_value


def test_counts_letters_the_current_rules_refuse_and_passes_the_rest() -> None:
    letters = [letter(1), letter(2), letter(7), letter(9), letter(3, value=b"\x07bad")]
    validator = Validator(contract_rules=lambda _id: N_SMALL)
    counts = failing_again(letters, FakeCodec(), validator, original_of=original)
    assert counts == {"rule:order_n_small": 2, "BadMagicByte": 1}


def test_no_rules_for_the_schema_means_nothing_would_fail() -> None:
    validator = Validator(contract_rules=lambda _id: None)
    assert failing_again([letter(9)], FakeCodec(), validator, original_of=original) == {}
