"""The pieces every compiled CEL node shares: the error model, the node, the literals (ADR 0010).

The interpreter (cel-python's ``Evaluator`` under Confluent's ``InterpretedRunner``) has two
kinds of failure: a CEL error *value* (``CELEvalError`` returned by a node), which ``||``,
``&&``, ``?:``, ``has`` and the ``all``/``exists`` macros may absorb, and a Python exception
escaping every node up to the executor. A compiled node returns its value, raises
:class:`Soft` for the first kind, and lets the second escape as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import lark
from celpy import celtypes
from celpy.evaluation import CELEvalError, base_functions, celbytes, celstr
from confluent_kafka.schema_registry.rules.cel.cel_executor import msg_to_cel
from confluent_kafka.schema_registry.rules.cel.extra_func import EXTRA_FUNCS

Env = dict[str, Any]
Fn = Callable[[Env], Any]
FUNCTIONS: dict[str, Any] = {**base_functions, **EXTRA_FUNCS}  # Confluent's ChainMap, flat
RAW, CEL = "raw", "cel"  # how a variable is bound: the Avro value as decoded, or converted


class CelUnsupported(Exception):
    """The expression uses something this compiler does not reproduce; keep the executor."""


class CelError(Exception):
    """The expression evaluated to a CEL error (the executor raises for the same input)."""


class Soft(Exception):
    """A CEL error *value*: ``||``, ``&&``, ``?:``, ``has`` and the macros may absorb it."""

    def __init__(self, error: CELEvalError) -> None:
        super().__init__(error)
        self.error = error


def soft_error(text: str, exc: type[BaseException], args: Any = None) -> Soft:
    return Soft(CELEvalError(text, exc, args))


def checked(result: Any) -> Any:
    if isinstance(result, CELEvalError):
        raise Soft(result)
    return result


def value_of(fn: Fn, env: Env) -> Any:
    """``fn``'s value, or its error value, as the interpreter's ``visit`` returns either."""
    try:
        return fn(env)
    except Soft as soft:
        return soft.error


class Node:
    __slots__ = ("fn", "raw")

    def __init__(self, fn: Fn, raw: bool = False) -> None:
        self.fn, self.raw = fn, raw

    def cel(self) -> Fn:
        """The node as a function of converted values (Confluent's ``msg_to_cel``)."""
        if not self.raw:
            return self.fn
        fn = self.fn
        return lambda env: msg_to_cel(fn(env))


Compile = Callable[[Any, Mapping[str, str]], "Node"]


def arguments(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> list[Fn]:
    if tree is None:
        return []
    if getattr(tree, "data", None) != "exprlist":
        raise CelUnsupported(f"unexpected argument list {tree!r}")
    return [compile_node(kid, scope).cel() for kid in tree.children]


def constant(value: Any) -> Node:
    return Node(lambda _env: value)


def failing(error: BaseException) -> Node:
    """A node that always fails: a :class:`Soft` error value, or an escaping exception."""

    def fail(_env: Env) -> Any:
        raise error

    return Node(fail)


def literal(tree: Any, _scope: Mapping[str, str], _compile_node: Compile) -> Node:
    try:
        return constant(_literal_value(tree.children[0]))
    except CelUnsupported:
        raise
    except ValueError as exc:  # the interpreter's literal(): an error value
        return failing(Soft(CELEvalError("bad literal", ValueError, exc.args)))
    except Exception as exc:  # anything else escapes the evaluation
        return failing(exc)


def _literal_value(token: Any) -> Any:
    kind, text = token.type, token.value
    if kind == "FLOAT_LIT":
        return celtypes.DoubleType(text)
    if kind == "INT_LIT":
        return celtypes.IntType(text)
    if kind == "UINT_LIT" and text[-1:].lower() == "u":
        return celtypes.UintType(text[:-1])
    if kind in ("MLSTRING_LIT", "STRING_LIT"):
        return celstr(token)
    if kind == "BYTES_LIT":
        return celbytes(token)
    if kind == "BOOL_LIT":
        return celtypes.BoolType(text.lower() == "true")
    if kind == "NULL_LIT":
        return None
    raise CelUnsupported(f"literal {kind}")


def list_lit(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    """``exprlist``: the first error value among the elements is the result."""
    if not tree.children:
        return Node(lambda _env: celtypes.ListType())
    elements = arguments(tree.children[0], scope, compile_node)

    def run(env: Env) -> Any:
        values = [value_of(element, env) for element in elements]
        for value in values:
            if isinstance(value, CELEvalError):
                raise Soft(value)
        return celtypes.ListType(values)

    return Node(run)


def map_lit(tree: Any, _scope: Mapping[str, str], _compile_node: Compile) -> Node:
    """Only maps of literals: the interpreter keeps an error *inside* a computed map."""
    pairs = tree.children[0].children if tree.children else []
    tokens = [_literal_token(kid) for kid in pairs]
    if any(token is None for token in tokens):
        raise CelUnsupported("map literal with computed entries")
    try:
        values = [_literal_value(token) for token in tokens]
    except Exception as exc:  # the interpreter would keep an error value inside the map
        raise CelUnsupported("map literal with an invalid literal") from exc
    result = celtypes.MapType()
    for key, value in zip(values[0::2], values[1::2], strict=True):
        if key in result:  # mapinits: a duplicate key makes the map an error value
            return failing(Soft(CELEvalError(f"Duplicate key {key!r}", ValueError, None)))
        result[key] = value
    return constant(result)


def _literal_token(tree: Any) -> Any:
    while isinstance(tree, lark.Tree) and len(tree.children) == 1 and tree.data != "literal":
        tree = tree.children[0]
    is_literal = isinstance(tree, lark.Tree) and tree.data == "literal"
    return tree.children[0] if is_literal else None
