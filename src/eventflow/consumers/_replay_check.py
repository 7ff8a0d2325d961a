"""Before a DLQ replay: which of the selected letters would fail again under the current rules.

Each letter's original value (read back from its origin when the letter carries a reference)
is decoded and checked against the current YAML rule sets, as the validator would; the answer
counts, per error type, the letters that would be dead-lettered again. Letters that failed
after the validator (enricher, writer) can only be checked this far: what they failed on
later is not re-run here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from eventflow.consumers._operations import Decoder
from eventflow.consumers.validation._rules import RuleSet
from eventflow.events import DeadLetter


def failing_again(
    letters: Sequence[DeadLetter],
    decoder: Decoder,
    rulesets: Mapping[str, RuleSet],
    *,
    original_of: Callable[[DeadLetter], bytes | None],
    now: datetime | None = None,
) -> Counter[str]:
    """Per error type, how many of ``letters`` the current rules would dead-letter again."""
    when = now or datetime.now(UTC)
    failing: Counter[str] = Counter()
    for letter in letters:
        value = original_of(letter)
        if value is None:
            failing["NullValue"] += 1
            continue
        try:
            _schema_id, decoded = decoder.decode(value)
        except Exception as exc:
            failing[str(getattr(exc, "error_type", None) or "decode.failed")] += 1
            continue
        envelope = decoded.get("envelope") if isinstance(decoded, dict) else None
        event_type = envelope.get("event_type") if isinstance(envelope, dict) else None
        ruleset = rulesets.get(str(event_type))
        if ruleset is None:
            continue
        errors = [f for f in ruleset.evaluate(decoded, when) if f.severity == "ERROR"]
        if errors:
            failing[f"rule:{errors[0].rule}"] += 1
    return failing
