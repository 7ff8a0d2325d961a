"""Domain rules in CEL, with the semantics of confluent-kafka-python's own CEL executor (ADR 0010).

Each CONDITION rule of type CEL in a schema's registered rule set is compiled once
(``_cel_compile``: closures over cel-python's own functions and Confluent's value conversion,
proven equal to ``CelExecutor`` by a differential test), so a record Confluent's serializer
refuses on write is a record the validator refuses too, at a fraction of the interpreter's
cost. A rule outside the compiled subset, and every CEL_FIELD rule, runs through
``confluent_kafka``'s ``CelExecutor``/``CelFieldExecutor`` as before (logged once at load;
``fallback_names`` lists them). A rule that fails to evaluate counts as broken, as in
Confluent's serde, where the error goes to the rule's ``onFailure`` action; its message is
the executor's own (the failing rule is re-run through it).
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

from eventflow.kafka._cel_compile import CelError, CompiledCel, compile_cel

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
        *,
        compile_rules: bool = True,  # False: every rule on Confluent's executors (the reference)
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
        self._compiled = [self._compile(r) if compile_rules else None for r in self._rules]

    def _compile(self, rule: Rule) -> CompiledCel | None:
        if rule.type != "CEL" or rule.expr is None:
            LOG.info(
                "rule %s (%s) runs on Confluent's executor: not compiled", rule.name, rule.type
            )
            return None
        try:
            return compile_cel(rule.expr, {"message": "raw"})
        except Exception as exc:  # outside the subset, or a syntax error the executor reports
            LOG.info("rule %s runs on Confluent's CEL executor: %s", rule.name, exc)
            return None

    def _field_transformer(self, ctx: RuleContext, field_transform: Any, message: Any) -> Any:
        return transform(ctx, self._walk, message, field_transform)

    @property
    def names(self) -> Sequence[str]:
        return [str(r.name) for r in self._rules]

    @property
    def fallback_names(self) -> Sequence[str]:
        """The rules evaluated by Confluent's executors rather than compiled."""
        return [str(r.name) for r, c in zip(self._rules, self._compiled, strict=True) if c is None]

    def broken(self, message: Mapping[str, Any]) -> list[BrokenRule]:
        """Every rule ``message`` breaks, in rule order."""
        out: list[BrokenRule] = []
        variables = {"message": message if isinstance(message, dict) else dict(message)}
        for index, rule in enumerate(self._rules):
            compiled = self._compiled[index]
            if compiled is not None:
                try:
                    if not bool(compiled.evaluate(variables)):
                        text = RuleConditionError.error_message(rule)
                        out.append(
                            BrokenRule(str(rule.name), text, str(rule.on_failure or "ERROR"))
                        )
                    continue
                except CelError:
                    pass  # broken: the executor below words the error as it always has
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
