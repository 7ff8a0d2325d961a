"""Domain rules in CEL, evaluated by confluent-kafka-python's own CEL executor (ADR 0010).

EventFlow does not reimplement CEL: each CONDITION rule of type CEL in a schema's registered
rule set runs through ``confluent_kafka``'s ``CelExecutor`` (``cel-python``, the same value
conversion, extension functions, ``now`` and ``guard;expr`` form), so a record Confluent's
serializer refuses on write is a record the validator refuses too. A rule that fails to
evaluate (an error in the expression or the data) counts as broken, as in Confluent's serde,
where the error goes to the rule's ``onFailure`` action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka.schema_registry import Rule, RuleMode, Schema
from confluent_kafka.schema_registry.common.serde import RuleConditionError, RuleContext
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.serialization import MessageField, SerializationContext

LOG = logging.getLogger("eventflow.kafka.cel_rules")
_EVALUATED_MODES = frozenset({"WRITE", "WRITEREAD"})


@dataclass(frozen=True, slots=True)
class BrokenRule:
    name: str
    message: str  # the rule's doc, else its expression (Confluent's RuleConditionError text)
    on_failure: str  # ERROR, DLQ, NONE (Confluent's onFailure; empty means ERROR)

    @property
    def refuses(self) -> bool:
        return self.on_failure.split(",")[0].strip().upper() != "NONE"


class DomainRules:
    """The CEL CONDITION domain rules of one registered schema, ready to evaluate.

    ``rule_set`` is the registered ``ruleSet`` JSON; ``schema_text`` and ``subject`` identify
    the schema for the executor's program cache. Disabled rules, other kinds, other types
    (JSONata, CEL_FIELD) and READ-only rules are not evaluated here.
    """

    def __init__(self, rule_set: Mapping[str, Any] | None, schema_text: str, subject: str) -> None:
        raw = [r for r in (rule_set or {}).get("domainRules", []) if _evaluated(r)]
        self._rules = [Rule.from_dict(dict(r)) for r in raw]
        self._target = Schema(schema_text, "AVRO")
        self._subject = subject
        self._executor = CelExecutor()  # type: ignore[no-untyped-call]
        self._context = SerializationContext(subject, MessageField.VALUE)

    @property
    def names(self) -> Sequence[str]:
        return [str(r.name) for r in self._rules]

    def broken(self, message: Mapping[str, Any]) -> list[BrokenRule]:
        """Every rule ``message`` breaks, in rule order."""
        out: list[BrokenRule] = []
        for index, rule in enumerate(self._rules):
            ctx = RuleContext(
                None,
                self._context,
                None,
                self._target,
                self._subject,
                RuleMode.WRITE,
                rule,
                index,
                self._rules,
                None,
                None,
            )
            try:
                holds = bool(self._executor.transform(ctx, dict(message)))
                text = RuleConditionError.error_message(rule)
            except Exception as exc:  # a rule error is a failure of that rule, as in Confluent
                holds, text = False, f"rule {rule.name} could not be evaluated: {exc}"
            if not holds:
                out.append(BrokenRule(str(rule.name), text, str(rule.on_failure or "ERROR")))
        return out


def _evaluated(rule: Mapping[str, Any]) -> bool:
    return (
        rule.get("type") == "CEL"
        and rule.get("kind", "TRANSFORM") == "CONDITION"
        and rule.get("mode", "WRITEREAD") in _EVALUATED_MODES
        and not rule.get("disabled", False)
    )
