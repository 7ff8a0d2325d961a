"""The compiled CEL evaluator equals confluent-kafka's ``CelExecutor`` (ADR 0010).

Random expressions from the compiled subset's grammar over random Avro-shaped messages
(nested records, lists, maps, strings, ints near the 64-bit bounds, decimals, timestamps,
nulls): the compiled closure returns the executor's value (same CEL type and repr), or both
fail. The suite runs the same derandomized examples each time (EVENTFLOW_PROPERTY_EXAMPLES,
default 150); EVENTFLOW_PROPERTY_EXPLORE=1 draws new ones.
"""

from __future__ import annotations

import datetime
import os
import string
from decimal import Decimal
from typing import Any

from confluent_kafka.schema_registry import Rule, RuleMode, Schema
from confluent_kafka.schema_registry.common.serde import RuleContext
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.serialization import MessageField, SerializationContext
from hypothesis import HealthCheck, event, given, note, reject, settings
from hypothesis import strategies as st

from eventflow.kafka._cel_compile import CelError, compile_cel

SETTINGS = settings(
    max_examples=int(os.environ.get("EVENTFLOW_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    # the suite runs the same examples every time; EVENTFLOW_PROPERTY_EXPLORE=1 draws new ones
    derandomize=not os.environ.get("EVENTFLOW_PROPERTY_EXPLORE"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_EXECUTOR = CelExecutor()
_TARGET = Schema('{"type":"record","name":"R","fields":[]}', "AVRO")
_UTC = datetime.UTC
INT64 = 2**63 - 1


def reference(expr: str, message: dict[str, Any]) -> tuple[str, Any]:
    """What Confluent's executor gives for the CONDITION rule ``expr``: ok + value, or err."""
    rule = Rule.from_dict({"name": "r", "kind": "CONDITION", "type": "CEL", "expr": expr})
    context = SerializationContext("s", MessageField.VALUE)
    ctx = RuleContext(
        None, context, None, _TARGET, "s", RuleMode.WRITE, rule, 0, [rule], None, None
    )
    try:
        return "ok", _EXECUTOR.transform(ctx, dict(message))
    except Exception as exc:  # any failure of the executor is a broken rule in DomainRules
        return "err", f"{type(exc).__name__}: {exc}"


def compiled(expr: str, message: dict[str, Any]) -> tuple[str, Any]:
    try:
        rule = compile_cel(expr, {"message": "raw"})
    except Exception as exc:  # a parse error: the executor fails on it too
        if type(exc).__name__ == "CelUnsupported":
            if "inside a macro body" in str(exc):  # generated on purpose; falls back (tested)
                reject()
            raise
        return "err", f"{type(exc).__name__}: {exc}"
    try:
        return "ok", rule.evaluate({"message": message})
    except CelError as exc:
        return "err", str(exc)


def same(expected: tuple[str, Any], got: tuple[str, Any]) -> bool:
    if expected[0] != got[0]:
        return False
    if expected[0] == "err":
        return True
    return type(expected[1]) is type(got[1]) and repr(expected[1]) == repr(got[1])


# ---- messages ----------------------------------------------------------------------------
SCALARS = ("i", "s", "d", "t", "b", "f", "flag", "n", "day")
INTS = st.one_of(
    st.integers(-3, 3),
    st.integers(-(2**63), INT64),
    st.sampled_from([INT64, INT64 - 1, -(2**63), -(2**63) + 1, 2**32, -(2**31)]),
)
TEXT = st.one_of(
    st.sampled_from(["", "a", "abc", "UNKNOWN", "GB", "gb", "x@y.io", "a b", "é", "0"]),
    st.text(alphabet=string.ascii_letters + "@.-_ 0é", max_size=6),
)
DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000),
    st.sampled_from([Decimal("0"), Decimal("0.00"), Decimal("0.01"), Decimal("-0.01")]),
)
TIMES = st.datetimes(
    min_value=datetime.datetime(1970, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.just(_UTC),
)
SCALAR_VALUES: dict[str, Any] = {
    "i": INTS,
    "s": TEXT,
    "d": DECIMALS,
    "t": TIMES,
    "b": st.binary(max_size=4),
    "f": st.one_of(st.floats(allow_nan=False, width=64), st.sampled_from([0.0, -0.0, 1.5])),
    "flag": st.booleans(),
    "n": st.one_of(st.none(), INTS, TEXT),
    "day": st.dates(min_value=datetime.date(1970, 1, 1)),
}


@st.composite
def records(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(SCALARS), unique=True, min_size=4))
    out: dict[str, Any] = {name: draw(SCALAR_VALUES[name]) for name in names}
    if depth > 0:
        if draw(st.booleans()):
            out["r"] = draw(records(depth - 1))
        if draw(st.booleans()):
            out["l"] = draw(st.lists(records(depth - 1), max_size=3))
        out["li"] = draw(st.lists(INTS, max_size=3))
        out["m"] = draw(st.dictionaries(TEXT, INTS, max_size=3))
    return out


# ---- expressions -------------------------------------------------------------------------
def cel_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


LITERALS = st.one_of(
    INTS.map(str),
    st.integers(0, 2**64 - 1).map(lambda v: f"{v}u"),
    st.sampled_from(["0.0", "1.5", "-2.25", "1e308", "1e-3"]),
    TEXT.map(cel_string),
    st.sampled_from(["b'xy'", "b''", "true", "false", "null"]),
    DECIMALS.map(lambda d: f"decimal('{d}')"),
    st.sampled_from(
        [
            "timestamp('2024-01-01T00:00:00Z')",
            "timestamp('1999-12-31T23:59:59.5Z')",
            "duration('1h')",
            "duration('-30s')",
            "[1, 2, 3]",
            "['a', 'GB']",
            "[]",
            "{'a': 1, 'b': 2}",
            "{'a': 1, 'a': 2}",
            "int",
            "uint",
            "double",
            "null_type",
            "bool",
        ]
    ),
)
FIELDS = (*SCALARS, "r", "l", "li", "m", "missing")
BINARY = ["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&&", "||", "in"]
FUNCTIONS = ["size", "int", "uint", "double", "string", "decimal", "dyn", "timestamp", "type"]
METHODS = ["startsWith", "endsWith", "contains"]
PATTERNS = ["^[A-Z]{2}$", "^[^@\\\\s]+@[^@\\\\s]+$", "a", "(", "^\\\\d+$"]
MACROS = ["all", "exists", "exists_one", "map", "filter"]


def paths(variables: tuple[str, ...]) -> st.SearchStrategy[str]:
    roots = st.sampled_from(["message", "message.r", "message.r.r", *variables])
    return st.builds(
        lambda root, field, index: f"{root}.{field}{index}",
        roots,
        st.sampled_from(FIELDS),
        st.sampled_from(["", "", "", "[0]", "[1]", "['a']"]),
    ) | st.sampled_from(["message", *variables])


COMPARE = ["==", "!=", "<", "<=", ">", ">=", "in"]


def comparisons(variables: tuple[str, ...]) -> st.SearchStrategy[str]:
    """``path op literal`` and ``size(path) op int``: mostly well typed, so mostly a bool."""
    operand = st.one_of(paths(variables), paths(variables).map(lambda p: f"size({p})"))
    return st.builds(lambda a, op, b: f"{a} {op} {b}", operand, st.sampled_from(COMPARE), LITERALS)


def expressions(depth: int, variables: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    leaf = st.one_of(LITERALS, paths(variables), comparisons(variables))
    if depth == 0:
        return leaf
    sub = st.deferred(lambda: expressions(depth - 1, variables))
    var = f"v{depth}"
    inner = st.deferred(lambda: expressions(depth - 1, (*variables, var)))
    return st.one_of(
        leaf,
        st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            comparisons(variables),
            st.sampled_from(["&&", "||"]),
            sub,
        ),
        st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from(BINARY), sub),
        st.builds(lambda op, a: f"{op}({a})", st.sampled_from(["!", "-"]), sub),
        st.builds(lambda c, a, b: f"({c} ? {a} : {b})", sub, sub, sub),
        st.builds(lambda p: f"has({p})", paths(variables)),
        # absorption: an error value is absorbed here, an escaping error is not
        sub.map(lambda a: f"has({a})"),
        st.builds(lambda a, tail: f"({a}{tail})", sub, st.sampled_from([" || true", " && false"])),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCTIONS), sub),
        st.builds(lambda a, m, b: f"{a}.{m}({b})", sub, st.sampled_from(METHODS), sub),
        st.builds(lambda a, p: f"{a}.matches('{p}')", sub, st.sampled_from(PATTERNS)),
        st.builds(lambda a: f"{a}.isEmail()", sub),
        st.builds(lambda a, b: f"[{a}, {b}]", sub, sub),
        st.builds(lambda a, i: f"{a}[{i}]", sub, sub),
        st.builds(
            lambda name, a, b: f"decimals.{name}({a}, {b})",
            st.sampled_from(["ge", "lt", "eq", "add"]),
            sub,
            sub,
        ),
        st.builds(
            lambda recv, macro, body: f"{recv}.{macro}({var}, {body})",
            st.one_of(paths(variables), sub),
            st.sampled_from(MACROS),
            inner,
        ),
    )


TYPED = {
    "i": INTS.map(str),
    "s": TEXT.map(cel_string),
    "d": DECIMALS.map(lambda d: f"decimal('{d}')"),
    "t": st.just("timestamp('2024-01-01T00:00:00Z')"),
    "f": st.sampled_from(["0.0", "1.5", "-1e300"]),
    "flag": st.sampled_from(["true", "false"]),
    "n": st.sampled_from(["null", "0", "''"]),
}


def typed(root: str) -> st.SearchStrategy[str]:
    """A comparison of a field with a value of the field's own type: mostly a bool."""
    return st.sampled_from(sorted(TYPED)).flatmap(
        lambda name: st.builds(
            lambda op, value: f"{root}.{name} {op} {value}",
            st.sampled_from(COMPARE[:6]),
            TYPED[name],
        )
    )


def conditions(depth: int) -> st.SearchStrategy[str]:
    """Rules shaped like domain rules: typed comparisons joined by && || ! and macros."""
    leaf = st.one_of(
        typed("message"),
        typed("message.r"),
        st.builds(lambda op, n: f"size(message.s) {op} {n}", st.sampled_from(COMPARE[:6]), INTS),
        st.builds(lambda p: f"message.s.matches('{p}')", st.sampled_from(PATTERNS)),
        st.builds(lambda m, c: f"message.l.{m}(x, {c})", st.sampled_from(MACROS[:3]), typed("x")),
        st.builds(
            lambda m, op, n: f"message.li.{m}(x, x {op} {n})",
            st.sampled_from(MACROS[:3]),
            st.sampled_from(COMPARE[:6]),
            INTS,
        ),
        st.builds(lambda f: f"has(message.{f})", st.sampled_from(FIELDS)),
    )
    if depth == 0:
        return leaf
    sub = st.deferred(lambda: conditions(depth - 1))
    return st.one_of(
        leaf,
        st.builds(lambda a, op, b: f"({a}) {op} ({b})", sub, st.sampled_from(["&&", "||"]), sub),
        sub.map(lambda a: f"!({a})"),
        st.builds(lambda a, b, c: f"({a}) ? ({b}) : ({c})", sub, sub, sub),
    )


RULES = st.one_of(
    expressions(3),
    conditions(3),
    st.builds(lambda g, e: f"{g}; {e}", expressions(2), expressions(2)),
)


@SETTINGS
@given(RULES, records())
def test_the_compiled_rule_equals_confluents_cel_executor(expr: str, message: Any) -> None:
    note(f"expr: {expr}")
    expected, got = reference(expr, message), compiled(expr, message)
    event(f"outcome: {expected[0]} {type(expected[1]).__name__ if expected[0] == 'ok' else ''}")
    assert same(expected, got), f"{expr!r}: executor {expected!r}, compiled {got!r}"
