"""Business rules beyond the schema: declarative files per event type plus rules in code."""

from eventflow.consumers.validation._rules import (
    Finding,
    Rule,
    RuleSet,
    RulesFileError,
    parse_rules,
)

__all__ = ["Finding", "Rule", "RuleSet", "RulesFileError", "parse_rules"]
