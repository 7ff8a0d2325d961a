"""The DLQ replay pre-check counts, per error type, the letters that would fail again."""

from __future__ import annotations

from typing import Any

from eventflow.consumers._dead_letter import dead_letter_for
from eventflow.consumers._replay_check import failing_again
from eventflow.consumers.validation._rules import parse_rules
from eventflow.events import DeadLetter
from tests.unit.consumers.fakes import FakeCodec, record

RULES = parse_rules(
    "event_type: order.placed\nrules:\n  - {id: order.n_small, field: payload.n, max: 5}\n",
    source="t.yaml",
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
    counts = failing_again(letters, FakeCodec(), {"order.placed": RULES}, original_of=original)
    assert counts == {"rule:order.n_small": 2, "BadMagicByte": 1}


def test_no_rules_for_the_type_means_nothing_would_fail() -> None:
    rules: dict[str, Any] = {}
    assert failing_again([letter(9)], FakeCodec(), rules, original_of=original) == {}
