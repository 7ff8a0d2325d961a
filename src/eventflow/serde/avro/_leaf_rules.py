"""Which rule each kind of leaf schema has: one table, a JSON value's and a datum's side by side.

A leaf's kind is its logical type (``timestamp`` for the four timestamp types, ``time`` for
both times) or else its type. Each row pairs the rule of a plain-JSON value (what the API
accepts and how it converts it, :mod:`json_rules`) with the rule of a Python datum (what the
writer accepts, :mod:`datum_rules`); the kinds they treat alike share one rule
(:mod:`common_rules`). A change to the values a kind takes is made in its row.
"""

from __future__ import annotations

from collections.abc import Callable

from eventflow.contracts import AvroNode
from eventflow.serde.avro._common_rules import (
    LeafRule,
    boolean_value,
    enum_rule,
    null_value,
    number_rule,
    text_value,
    whole_rule,
)
from eventflow.serde.avro._datum_rules import (
    datum_bytes,
    datum_date,
    datum_decimal,
    datum_fixed,
    datum_time,
    datum_timestamp,
    datum_uuid,
)
from eventflow.serde.avro._json_rules import (
    json_bytes,
    json_date,
    json_decimal,
    json_fixed,
    json_time,
    json_timestamp,
    json_uuid,
)
from eventflow.serde.avro._limits import INT_RANGE, LONG_RANGE

LeafRuleOf = Callable[[AvroNode], LeafRule]  # builds the rule of one node


def _always(rule: LeafRule) -> LeafRuleOf:
    def of(_node: AvroNode) -> LeafRule:  # a rule that needs nothing of the node
        return rule

    return of


# kind: (rule of a plain-JSON value, rule of a Python datum)
LEAF_RULES: dict[str, tuple[LeafRuleOf, LeafRuleOf]] = {
    "null": (_always(null_value), _always(null_value)),
    "boolean": (_always(boolean_value), _always(boolean_value)),
    "string": (_always(text_value), _always(text_value)),
    "enum": (enum_rule, enum_rule),
    "int": (
        _always(whole_rule("int", *INT_RANGE, floats=True)),  # JSON: 2.0 is the int 2
        _always(whole_rule("int", *INT_RANGE)),
    ),
    "long": (
        _always(whole_rule("long", *LONG_RANGE, floats=True)),
        _always(whole_rule("long", *LONG_RANGE)),
    ),
    "float": (
        _always(number_rule("float", finite=True)),  # JSON has no infinity nor NaN
        _always(number_rule("float", finite=False)),
    ),
    "double": (
        _always(number_rule("double", finite=True)),
        _always(number_rule("double", finite=False)),
    ),
    "bytes": (_always(json_bytes), _always(datum_bytes)),
    "fixed": (json_fixed, datum_fixed),
    "timestamp": (json_timestamp, datum_timestamp),
    "date": (_always(json_date), _always(datum_date)),
    "time": (json_time, datum_time),
    "uuid": (_always(json_uuid), _always(datum_uuid)),
    "decimal": (json_decimal, datum_decimal),
}
_LOGICAL_KINDS = {
    "timestamp-millis": "timestamp",
    "timestamp-micros": "timestamp",
    "local-timestamp-millis": "timestamp",
    "local-timestamp-micros": "timestamp",
    "time-millis": "time",
    "time-micros": "time",
}


def _row(node: AvroNode) -> tuple[LeafRuleOf, LeafRuleOf] | None:
    logical = node.logical_type
    if logical is not None:
        return LEAF_RULES[_LOGICAL_KINDS.get(logical, logical)]
    return LEAF_RULES.get(node.type)  # records, arrays, maps and unions have none


def json_rule(node: AvroNode) -> LeafRule | None:
    """The rule of a plain-JSON value of the leaf ``node``; ``None`` for the others."""
    row = _row(node)
    return None if row is None else row[0](node)


def datum_rule(node: AvroNode) -> LeafRule | None:
    """The rule of a Python datum of the leaf ``node``; ``None`` for the others."""
    row = _row(node)
    return None if row is None else row[1](node)
