"""Hand-picked CEL cases: the compiled rule equals Confluent's executor; the subset's edges.

Each case runs through both; the property test (test_cel_differential.py) draws many more.
Kept here: the error-absorbing corners (an error *value* is absorbed by ``||``/``&&``/``?:``/
``has``/``all``/``exists``; an error escaping the interpreter is not), overflow, division by
zero, decimals, timestamps, Confluent's extension functions and its ``guard;expr`` form.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from celpy.celparser import CELParseError

from eventflow.kafka._cel_compile import CelError, CelUnsupported, compile_cel
from tests.unit.kafka.test_cel_differential import compiled, reference, same

MESSAGE: dict[str, Any] = {
    "a": 1,
    "s": "abc",
    "l": [{"q": 1}, {"q": 0}],
    "d": Decimal("1.50"),
    "n": None,
    "m": {"k": "v"},
    "t": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    "day": datetime.date(1970, 1, 11),
    "b": b"xy",
    "f": 1.5,
    "big": 2**63 - 1,
}
CASES = [
    ("message.a == 1", ("ok", True)),
    ("message.big + 1", "err"),  # int64 overflow
    ("message.big * 2", "err"),
    ("-(-9223372036854775807 - 1)", "err"),
    ("1 / 0", "err"),
    ("1 % 0", "err"),
    ("1 / 0 == 1 || true", ("ok", True)),  # an error value is absorbed by ||
    ("true || 1/0 == 1", ("ok", True)),
    ("false && 1/0 == 1", ("ok", False)),
    ("1/0 == 1 && false", ("ok", False)),
    ("1/0 == 1 && true", "err"),
    ("message.missing > 0 ? 1 : 2", "err"),
    ("true ? 1 : 1/0", None),
    ("has(1/0)", ("ok", False)),
    ("([0].map(x, 1/x) == []) || true", "err"),  # escapes the interpreter: not absorbed
    ("[1].all(x, decimal('abc') == x)", "err"),
    ("[1].exists(x, x == 1/0) || true", ("ok", True)),
    ("message.l.all(i, i.q >= 1)", ("ok", False)),
    ("message.l.exists(i, i.q >= 1)", ("ok", True)),
    ("message.l.exists_one(i, i.q >= 1)", ("ok", True)),
    ("message.l.all(i, i.zz > 0)", "err"),
    ("message.l.map(i, i.q + 1)", None),
    ("message.l.filter(i, i.q > 0)", None),
    ("message.s.all(c, c != 'z')", ("ok", True)),
    ("message.m.all(k, k == 'k')", ("ok", True)),
    ("message.n.all(k, true)", "err"),
    ("size(message.l) >= 1", ("ok", True)),
    ("size(message.n)", None),
    ("message.s.matches('^a')", ("ok", True)),
    ("message.s.matches('(')", "err"),
    ("message.s.startsWith('a') && message.s.endsWith('c')", ("ok", True)),
    ("message.s.contains('b')", ("ok", True)),
    ("message.d >= decimal('0.01')", ("ok", True)),
    ("message.d == decimal('1.5')", ("ok", True)),
    ("message.d > 1", ("ok", True)),
    ("decimals.ge(message.d, decimal('1'))", ("ok", True)),
    ("decimals.add(message.d, 1/0)", "err"),
    ("string(message.d) == '1.50'", ("ok", True)),
    ("double(message.d)", None),
    ("message.n == null", ("ok", True)),
    ("message.nope == 1", "err"),
    ("has(message.nope) || has(message.a)", ("ok", True)),
    ("message.a in [1, 2] && 'k' in message.m", ("ok", True)),
    ("message.s in {'abc': 1}", ("ok", True)),
    ("message.t > timestamp('2023-01-01T00:00:00Z')", ("ok", True)),
    ("now > message.t", ("ok", True)),
    ("message.day == 10", ("ok", True)),  # a date is its day number
    ("message.m['k'] == 'v' && message.l[0].q == 1", ("ok", True)),
    ("message.l[5]", "err"),
    ("int(message.f) == 1 && uint(message.a) == 1u", ("ok", True)),
    ("uint(-1)", "err"),
    ("'a@b.com'.isEmail() && !message.s.isEmail()", ("ok", True)),
    ("message.b + b'z' == b'xyz'", ("ok", True)),
    ("message.s + 1", "err"),
    ("!message.a", "err"),
    ("duration('1h') > duration('30m')", ("ok", True)),
    ("message.a == 2; message.s == 'x'", ("ok", True)),  # guard false: the rule holds
    ("message.a == 1; message.s == 'x'", ("ok", False)),
    ("{'a': 1, 'a': 2}", "err"),
    ("9223372036854775808", "err"),
    ("message.", "err"),
    ("type(message.a) == int && type(message.n) == null_type", ("ok", True)),
    (
        "(type(message.t) == int ? timestamp(message.t, 3) : timestamp(message.t)) < now",
        None,
    ),  # a syntax error fails both
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_the_compiled_rule_equals_the_executor(expr: str, expected: Any) -> None:
    want, got = reference(expr, MESSAGE), compiled(expr, MESSAGE)
    assert same(want, got), f"executor {want!r}, compiled {got!r}"
    if expected == "err":
        assert want[0] == "err"
    elif expected is not None:
        assert want == expected


@pytest.mark.parametrize(
    "expr",
    [
        "[1, 2].reduce(r, x, 0, r + x) > 0",  # celpy's own extension macro
        "[1, 2].min() == 1",
        "unknown_variable == 1",
        "google.protobuf == 1",  # a protobuf package name
        "{'a': message.a}.a == 1",  # a computed map keeps an error value inside it
        "has(message.a, message.b)",
        "message.s.lowerAscii() == 'abc'",  # not a function Confluent's executor knows
        ".message.a == 1",
        # a macro body runs on celpy's Evaluator, without Confluent's namespaced dispatch
        "[1].all(x, decimals.ge(x, 0))",
    ],
)
def test_outside_the_subset_is_refused_not_approximated(expr: str) -> None:
    with pytest.raises(CelUnsupported):
        compile_cel(expr, {"message": "raw"})


def test_a_syntax_error_is_the_parsers() -> None:
    with pytest.raises(CELParseError):
        compile_cel("message.a ==", {"message": "raw"})


def test_an_error_result_raises_cel_error_naming_the_cause() -> None:
    rule = compile_cel("message.payload.total > 0", {"message": "raw"})
    with pytest.raises(CelError, match="no such member in mapping: 'payload'"):
        rule.evaluate({"message": {}})


def test_converted_variables_are_used_as_they_are() -> None:
    rule = compile_cel("value.startsWith(name)", {"value": "cel", "name": "cel"})
    assert rule.evaluate({"value": "abc", "name": "ab"}) is True
