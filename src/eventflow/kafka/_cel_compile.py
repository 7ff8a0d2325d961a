"""CEL rules compiled to Python closures, equal to confluent-kafka's ``CelExecutor`` (ADR 0010).

Confluent's executor runs a rule through cel-python's tree-walking interpreter: a lark visitor
per node and a fresh activation per evaluation and per macro element, ~400 µs per rule. This
module parses the rule with the same parser (``celpy.Environment().compile``) and turns the
tree into nested closures once. The closures call the *same* functions the interpreter calls
(celpy's ``base_functions`` under Confluent's ``EXTRA_FUNCS``: operators, ``decimal``,
``isEmail``, ``timestamp``, ``matches`` with RE2 ...) on the *same* values (Confluent's
``msg_to_cel`` conversion of the Avro message), and reproduce per node what the interpreter
does around them: which Python exceptions become CEL error values, which escape the whole
evaluation, where an error value is absorbed (``||``, ``&&``, ``?:``, ``has``, ``all``,
``exists``) and where it propagates. ``tests/unit/kafka/test_cel_differential.py`` checks the
result against the executor on generated expressions and messages.

Two speed-ups keep the values equal: a field path from ``message`` (``message.payload.total``)
walks the raw Avro dicts and converts only the value it ends on, as the conversion is
structural (a dict converts to the map of its converted values); ``all``/``exists``/
``exists_one`` over a raw list bind each raw element the same way.

Anything else (unknown identifiers, ``reduce``/``min``, message construction, map literals
with computed entries, ``has`` with other than one argument) raises :class:`CelUnsupported`:
the caller keeps Confluent's executor for that rule; nothing is approximated.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.evaluation import CELEvalError

from eventflow.kafka._cel_calls import ident_arg, member_dot_arg
from eventflow.kafka._cel_values import (
    CEL,
    FUNCTIONS,
    RAW,
    CelError,
    CelUnsupported,
    Compile,
    Env,
    Fn,
    Node,
    Soft,
    checked,
    constant,
    list_lit,
    literal,
    map_lit,
    soft_error,
    value_of,
)

__all__ = ["CelError", "CelUnsupported", "CompiledCel", "compile_cel"]
_PARSER = celpy.Environment()
_ANNOTATED = frozenset(name.split(".")[0] for name in _PARSER.annotations)


class CompiledCel:
    """One rule expression (with Confluent's optional ``guard;expr`` form), compiled."""

    def __init__(self, expr: str, variables: Mapping[str, str]) -> None:
        self.expr = expr
        self._needs_now = "now" in expr  # the executor binds `now` on the same substring test
        scope = dict(variables)
        if self._needs_now:
            scope.setdefault("now", CEL)
        index = expr.find(";")
        guard = expr[:index] if index >= 0 else ""
        body = expr[index + 1 :] if index >= 0 else expr
        self._guard = _compile_text(guard, scope) if guard.strip() else None
        self._body = _compile_text(body, scope)

    def evaluate(self, variables: Env) -> Any:
        """What ``CelExecutor.execute`` gives for a CONDITION rule; :class:`CelError` if it raises.

        ``variables`` holds the raw Avro values (``message``: the decoded dict) for the names
        compiled as raw, converted values for the others.
        """
        env = dict(variables)
        if self._needs_now and "now" not in env:
            env["now"] = celtypes.TimestampType(datetime.datetime.now(tz=datetime.UTC))
        try:
            if self._guard is not None and not _result(self._guard(env)):
                return True
            return _result(self._body(env))
        except Soft as soft:
            raise CelError(str(soft.error)) from None
        except CelError:
            raise
        except Exception as exc:  # an exception escaping the interpreter: the rule errs
            raise CelError(f"{type(exc).__name__}: {exc}") from exc


def compile_cel(expr: str, variables: Mapping[str, str]) -> CompiledCel:
    """Compile ``expr``; ``variables`` maps each bound name to ``"raw"`` or ``"cel"``.

    Raises :class:`CelUnsupported` naming what is outside the compiled subset, and celpy's
    ``CELParseError`` for a syntax error (the executor fails on it too).
    """
    return CompiledCel(expr, variables)


def _result(value: Any) -> Any:
    return bool(value) if isinstance(value, celtypes.BoolType) else value


def _compile_text(text: str, scope: Mapping[str, str]) -> Fn:
    return _compile(_PARSER.compile(text), scope).cel()


def _compile(tree: Any, scope: Mapping[str, str]) -> Node:
    if not isinstance(tree, lark.Tree):
        raise CelUnsupported(f"unexpected token {tree!r}")
    kids = tree.children
    kind = str(tree.data)
    if kind in _PASS_THROUGH and len(kids) == 1:
        return _compile(kids[0], scope)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise CelUnsupported(f"{kind} is not compiled")
    return handler(tree, scope, _compile)


def _ternary(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    cond, then, other = (compile_node(kid, scope).cel() for kid in tree.children)
    choose = FUNCTIONS["_?_:_"]

    def run(env: Env) -> Any:
        c = value_of(cond, env)
        left = right = celtypes.BoolType(False)
        if c:
            left = value_of(then, env)
        else:
            right = value_of(other, env)
        try:
            return checked(choose(c, left, right))
        except TypeError as exc:
            raise soft_error("found no matching overload for _?_:_", TypeError, exc.args) from None

    return Node(run)


def _logical(name: str) -> Callable[[Any, Mapping[str, str], Compile], Node]:
    def build(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
        left, right = (compile_node(kid, scope).cel() for kid in tree.children)
        func = FUNCTIONS[name]

        def run(env: Env) -> Any:
            a = value_of(left, env)
            b = value_of(right, env)
            try:
                return checked(func(a, b))
            except TypeError as exc:
                raise soft_error(
                    f"found no matching overload for {name}", TypeError, exc.args
                ) from None

        return Node(run)

    return build


_BINARY = {
    "relation_lt": "_<_",
    "relation_le": "_<=_",
    "relation_ge": "_>=_",
    "relation_gt": "_>_",
    "relation_eq": "_==_",
    "relation_ne": "_!=_",
    "relation_in": "_in_",
    "addition_add": "_+_",
    "addition_sub": "_-_",
    "multiplication_div": "_/_",
    "multiplication_mul": "_*_",
    "multiplication_mod": "_%_",
}
# The Python exceptions each level of the interpreter turns into a CEL error value.
_ABSORBED: dict[str, tuple[type[BaseException], ...]] = {
    "relation": (TypeError,),
    "addition": (TypeError, ValueError, OverflowError),
    "multiplication": (TypeError, ZeroDivisionError, ValueError, OverflowError),
}


def _binary(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    op_tree, right_tree = tree.children
    func = FUNCTIONS[_BINARY[str(op_tree.data)]]
    absorbed = _ABSORBED[str(tree.data)]
    left = compile_node(op_tree.children[0], scope).cel()
    right = compile_node(right_tree, scope).cel()

    def run(env: Env) -> Any:
        try:
            a = left(env)
        except Soft as soft:
            a = soft.error
        try:
            b = right(env)
        except Soft as soft:
            b = soft.error
        try:
            result = func(a, b)
        except absorbed as exc:
            raise soft_error(
                f"{type(exc).__name__} in {op_tree.data}", type(exc), exc.args
            ) from None
        if isinstance(result, CELEvalError):
            raise Soft(result)
        return result

    return Node(run)


def _unary(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    op_tree, operand_tree = tree.children
    func = FUNCTIONS["!_" if op_tree.data == "unary_not" else "-_"]
    operand = compile_node(operand_tree, scope).cel()

    def run(env: Env) -> Any:
        try:
            return checked(func(value_of(operand, env)))
        except (TypeError, ValueError) as exc:
            raise soft_error(
                f"{type(exc).__name__} in {op_tree.data}", type(exc), exc.args
            ) from None

    return Node(run)


def _ident(tree: Any, scope: Mapping[str, str], _compile_node: Compile) -> Node:
    name = str(tree.children[0])
    binding = scope.get(name)
    if binding is None and name in FUNCTIONS and name not in _ANNOTATED:
        return constant(FUNCTIONS[name])  # resolve_variable falls back to the functions: `int`
    if binding is None:
        raise CelUnsupported(f"identifier {name!r} is not a bound variable")
    return Node(operator.itemgetter(name), raw=binding == RAW)


def _member_dot(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    receiver_tree, name_token = tree.children
    name = str(name_token)
    receiver = compile_node(receiver_tree, scope)
    if receiver.raw:  # the Avro dicts themselves: only a dict converts to a CEL map
        raw_fn = receiver.fn

        def raw_select(env: Env) -> Any:
            value = raw_fn(env)
            if isinstance(value, dict):
                try:
                    return value[name]
                except KeyError:
                    raise soft_error(f"no such member in mapping: {name!r}", KeyError) from None
            raise soft_error(f"{type(value)} does not support field selection", TypeError)

        return Node(raw_select, raw=True)
    cel_fn = receiver.fn

    def select(env: Env) -> Any:
        value = cel_fn(env)
        if isinstance(value, celtypes.MessageType):
            return value.get(name)  # a KeyError escapes, as in the interpreter
        if isinstance(value, celtypes.MapType):
            try:
                return value[name]
            except KeyError:
                raise soft_error(f"no such member in mapping: {name!r}", KeyError) from None
        raise soft_error(f"{type(value)} does not support field selection", TypeError)

    return Node(select)


def _member_index(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    receiver, index = (compile_node(kid, scope).cel() for kid in tree.children)
    func = FUNCTIONS["_[_]"]

    def run(env: Env) -> Any:
        container = value_of(receiver, env)
        key = value_of(index, env)
        try:
            return checked(func(container, key))
        except (TypeError, KeyError, IndexError) as exc:
            raise soft_error(f"{type(exc).__name__} in _[_]", type(exc), exc.args) from None

    return Node(run)


_PASS_THROUGH = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)
_HANDLERS: dict[str, Callable[[Any, Mapping[str, str], Compile], Node]] = {
    "expr": _ternary,
    "conditionalor": _logical("_||_"),
    "conditionaland": _logical("_&&_"),
    "relation": _binary,
    "addition": _binary,
    "multiplication": _binary,
    "unary": _unary,
    "ident": _ident,
    "ident_arg": ident_arg,
    "member_dot": _member_dot,
    "member_dot_arg": member_dot_arg,
    "member_index": _member_index,
    "literal": literal,
    "list_lit": list_lit,
    "map_lit": map_lit,
}
