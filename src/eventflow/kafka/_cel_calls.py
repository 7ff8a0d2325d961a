"""Compiled CEL calls: functions, methods, Confluent's namespaced functions, macros (ADR 0010).

Each reproduces what the interpreter's ``function_eval``, ``method_eval``, Confluent's
``member_dot_arg`` override and the macro code do around the *same* function: which exceptions
become error values, which escape, how macro bodies see an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from typing import Any

import lark
from celpy import celtypes
from celpy.evaluation import CELEvalError, function_size
from confluent_kafka.schema_registry.rules.cel.cel_executor import msg_to_cel

from eventflow.kafka._cel_values import (
    CEL,
    FUNCTIONS,
    RAW,
    CelUnsupported,
    Compile,
    Env,
    Fn,
    Node,
    Soft,
    arguments,
    checked,
    soft_error,
    value_of,
)

IN_MACRO = "@macro"  # a scope key no identifier can be
MACROS = frozenset({"map", "filter", "all", "exists", "exists_one", "reduce", "min"})


def _call(name: str, func: Any, args: list[Fn], receiver: Fn | None) -> Fn:
    """``function_eval``/``method_eval``: an error argument is the result, else apply."""

    def run(env: Env) -> Any:
        obj = value_of(receiver, env) if receiver is not None else None
        values = [value_of(arg, env) for arg in args]
        if receiver is not None and isinstance(obj, CELEvalError):
            raise Soft(obj)
        for value in values:
            if isinstance(value, CELEvalError):
                raise Soft(value)
        try:
            result = func(obj, *values) if receiver is not None else func(*values)
        except (ValueError, TypeError, AttributeError) as exc:
            raise soft_error(f"{type(exc).__name__} in {name}()", type(exc), exc.args) from None
        return checked(result)

    return run


def ident_arg(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    name = str(tree.children[0])
    args_tree = tree.children[1] if len(tree.children) > 1 else None
    if name == "has":
        if args_tree is None or len(args_tree.children) != 1:
            raise CelUnsupported("has() takes exactly one argument")
        probe = compile_node(args_tree.children[0], scope).fn  # presence needs no conversion

        def has(env: Env) -> Any:
            try:
                probe(env)
            except Soft:
                return celtypes.BoolType(False)
            return celtypes.BoolType(True)

        return Node(has)
    only = args_tree.children[0] if args_tree is not None and len(args_tree.children) == 1 else None
    if name == "size" and FUNCTIONS["size"] is function_size and only is not None:
        sized = compile_node(only, scope)
        if sized.raw:
            return _raw_size(sized)
    args = arguments(args_tree, scope, compile_node)
    if name == "dyn":
        if len(args) != 1:
            raise CelUnsupported("dyn() takes exactly one argument")
        return Node(args[0])
    if name not in FUNCTIONS:
        raise CelUnsupported(f"unknown function {name}()")
    return Node(_call(name, FUNCTIONS[name], args, None))


def _raw_size(sized: Node) -> Node:
    """``size`` of a raw list, map, string or bytes: the length its conversion would have."""
    raw_fn = sized.fn
    general = _call("size", function_size, [sized.cel()], None)
    exact = (list, dict, str, bytes)

    def run(env: Env) -> Any:
        value = raw_fn(env)
        if type(value) in exact:
            return celtypes.IntType(len(value))
        return general(env)  # anything else (None, a subclass ...): converted, as before

    return Node(run)


def _namespace_path(tree: Any) -> str | None:
    """The dotted identifier chain Confluent's runner dispatches as one function name."""
    if not isinstance(tree, lark.Tree):
        return None
    if tree.data == "member_dot":
        left = _namespace_path(tree.children[0])
        right = tree.children[1]
        if left is None or not isinstance(right, lark.Token) or right.type != "IDENT":
            return None
        return f"{left}.{right.value}"
    if tree.data in ("member", "primary"):
        return _namespace_path(tree.children[0]) if len(tree.children) == 1 else None
    if tree.data == "ident" and isinstance(tree.children[0], lark.Token):
        return str(tree.children[0].value)
    return None


def member_dot_arg(tree: Any, scope: Mapping[str, str], compile_node: Compile) -> Node:
    receiver_tree, method_token = tree.children[:2]
    method = str(method_token)
    args_tree = tree.children[2] if len(tree.children) == 3 else None
    if method in MACROS:
        return _macro(method, receiver_tree, args_tree, scope, compile_node)
    path = _namespace_path(receiver_tree)
    if path is not None and f"{path}.{method}" in FUNCTIONS:
        if IN_MACRO in scope:  # macro bodies run on celpy's own Evaluator: no such dispatch
            raise CelUnsupported(f"{path}.{method}() inside a macro body")
        return _namespaced(FUNCTIONS[f"{path}.{method}"], arguments(args_tree, scope, compile_node))
    if method not in FUNCTIONS:
        raise CelUnsupported(f"unknown method .{method}()")
    receiver = compile_node(receiver_tree, scope).cel()
    return Node(
        _call(method, FUNCTIONS[method], arguments(args_tree, scope, compile_node), receiver)
    )


def _namespaced(func: Any, args: list[Fn]) -> Node:
    """Confluent's ``decimals.add(a, b)`` dispatch: any error in it escapes the evaluation."""

    def run(env: Env) -> Any:
        values = [value_of(arg, env) for arg in args]
        if any(isinstance(value, CELEvalError) for value in values):
            raise TypeError("an error value cannot be iterated as an argument list")
        return checked(func(*values))

    return Node(run)


def _macro(
    method: str, receiver_tree: Any, args_tree: Any, scope: Mapping[str, str], compile_node: Compile
) -> Node:
    if method in ("reduce", "min") or args_tree is None or len(args_tree.children) != 2:
        raise CelUnsupported(f"macro {method} is not compiled")
    var_tree, body_tree = args_tree.children
    idents = list(var_tree.find_data("ident"))
    if len(idents) != 1:
        raise CelUnsupported(f"macro {method} needs one variable")
    var = str(idents[0].children[0])
    body_scope = {**scope, IN_MACRO: "yes"}  # the body's evaluator is celpy's, not Confluent's
    body_cel = compile_node(body_tree, {**body_scope, var: CEL}).cel()
    receiver = compile_node(receiver_tree, scope)
    raw_items = receiver.raw and method in ("all", "exists", "exists_one")
    body_raw = compile_node(body_tree, {**body_scope, var: RAW}).cel() if raw_items else None
    receiver_fn = receiver.fn
    fold = _FOLDS.get(method)

    def items(env: Env) -> tuple[Any, Fn]:
        container = receiver_fn(env)
        if raw_items and isinstance(container, list):
            assert body_raw is not None
            return container, body_raw
        return (msg_to_cel(container) if receiver.raw else container), body_cel

    def run(env: Env) -> Any:
        container, body = items(env)  # a Soft here is the macro's result
        local = dict(env)

        def strict(item: Any) -> Any:  # build_macro_eval: an error escapes
            local[var] = item
            try:
                return body(local)
            except Soft as soft:
                raise soft.error from None

        def lenient(item: Any) -> Any:  # build_ss_macro_eval: any CELEvalError is a value
            local[var] = item
            try:
                return body(local)
            except Soft as soft:
                return soft.error
            except CELEvalError as error:
                return error

        if fold is not None:
            start, combine = fold
            return checked(reduce(combine, map(lenient, container), start))
        if method == "exists_one":
            count = sum(1 for item in container if bool(strict(item)))
            return celtypes.BoolType(count == 1)
        if method == "map":
            return celtypes.ListType(map(strict, container))
        return celtypes.ListType(filter(strict, container))

    return Node(run)


def _fold(func: Any) -> Any:
    def combine(x: Any, y: Any) -> Any:  # eval_error("no such overload", TypeError)(func)
        try:
            return func(x, y)
        except TypeError as exc:
            return CELEvalError("no such overload", TypeError, exc.args)

    return combine


_FOLDS = {
    "all": (celtypes.BoolType(True), _fold(celtypes.logical_and)),
    "exists": (celtypes.BoolType(False), _fold(celtypes.logical_or)),
}
