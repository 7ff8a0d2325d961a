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

import orjson
from confluent_kafka.schema_registry import Rule, RuleMode, Schema
from confluent_kafka.schema_registry.common.avro import (
    get_inline_tags,
    parse_schema_with_repo,
    transform,
)
from confluent_kafka.schema_registry.common.serde import RuleConditionError, RuleContext
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.schema_registry.rules.cel.cel_field_executor import CelFieldExecutor
from confluent_kafka.serialization import MessageField, SerializationContext
from fastavro.schema import expand_schema

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

    ``rule_set`` is the registered ``ruleSet`` JSON; ``schema_text`` (with ``references``: the
    referenced named types' texts by full name, for CEL_FIELD's walk over the fields) and
    ``subject`` identify the schema. CEL rules see the whole ``message``; CEL_FIELD rules run
    on every primitive field (``value``, ``name``, ``fullName``, ``typeName``, ``tags``), as
    Confluent's serializer walks them. Disabled rules, TRANSFORM rules, JSONata and READ-only
    rules are not evaluated here.
    """

    def __init__(
        self,
        rule_set: Mapping[str, Any] | None,
        schema_text: str,
        subject: str,
        references: Mapping[str, str] | None = None,
    ) -> None:
        raw = [r for r in (rule_set or {}).get("domainRules", []) if _evaluated(r)]
        self._rules = [Rule.from_dict(dict(r)) for r in raw]
        self._target = Schema(schema_text, "AVRO")
        self._subject = subject
        self._executor = CelExecutor()  # type: ignore[no-untyped-call]
        self._field_executor = CelFieldExecutor()  # type: ignore[no-untyped-call]
        self._context = SerializationContext(subject, MessageField.VALUE)
        self._walk: Any = None
        self._inline_tags: Any = None
        if any(r.get("type") == "CEL_FIELD" for r in raw):
            named = {name: orjson.loads(text) for name, text in (references or {}).items()}
            parsed = parse_schema_with_repo(schema_text, named_schemas=named)
            self._walk, self._inline_tags = expand_schema(parsed), get_inline_tags(parsed)

    def _field_transformer(self, ctx: RuleContext, field_transform: Any, message: Any) -> Any:
        return transform(ctx, self._walk, message, field_transform)

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
                self._inline_tags,
                self._field_transformer,
            )
            text = RuleConditionError.error_message(rule)
            try:
                if rule.type == "CEL_FIELD":  # raises RuleConditionError on a failing field
                    self._field_executor.transform(ctx, dict(message))
                    holds = True
                else:
                    holds = bool(self._executor.transform(ctx, dict(message)))
            except RuleConditionError:
                holds = False
            except Exception as exc:  # a rule error is a failure of that rule, as in Confluent
                holds, text = False, f"rule {rule.name} could not be evaluated: {exc}"
            if not holds:
                out.append(BrokenRule(str(rule.name), text, str(rule.on_failure or "ERROR")))
        return out


def _evaluated(rule: Mapping[str, Any]) -> bool:
    return (
        rule.get("type") in ("CEL", "CEL_FIELD")
        and rule.get("kind", "TRANSFORM") == "CONDITION"
        and rule.get("mode", "WRITEREAD") in _EVALUATED_MODES
        and not rule.get("disabled", False)
    )
