"""Before a DLQ replay: which of the selected letters would fail again under the current rules.

Each letter's original value (read back from its origin when the letter carries a reference)
is decoded and checked by the validator's own rules (the registered CEL rules in force and the
contracts' code rules); the answer counts, per error type, the letters that would be
dead-lettered again. Letters that failed after the validator (enricher, writer) can only be
checked this far: what they failed on later is not re-run here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from eventflow.consumers._operations import Decoder
from eventflow.consumers._outcome import InputEvent
from eventflow.consumers._validator import Validator
from eventflow.events import DeadLetter
from eventflow.kafka import ConsumedRecord


def failing_again(
    letters: Sequence[DeadLetter],
    decoder: Decoder,
    validator: Validator,
    *,
    original_of: Callable[[DeadLetter], bytes | None],
) -> Counter[str]:
    """Per error type, how many of ``letters`` the current rules would dead-letter again."""
    failing: Counter[str] = Counter()
    for letter in letters:
        value = original_of(letter)
        if value is None:
            failing["NullValue"] += 1
            continue
        try:
            schema_id, decoded = decoder.decode(value)
        except Exception as exc:
            failing[str(getattr(exc, "error_type", None) or "decode.failed")] += 1
            continue
        envelope = decoded.get("envelope") if isinstance(decoded, dict) else None
        if not isinstance(envelope, dict) or "event_type" not in envelope:
            continue  # not an event the validator checks rules of
        record = ConsumedRecord(
            letter.origin_topic, letter.origin_partition, letter.origin_offset, None, value, (), 0
        )
        errors = [
            f
            for f in validator.findings(InputEvent(record, schema_id, decoded))
            if f.severity == "ERROR"
        ]
        if errors:
            failing[f"rule:{errors[0].rule}"] += 1
    return failing
