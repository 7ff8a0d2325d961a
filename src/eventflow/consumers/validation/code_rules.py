"""Rules written in code, referenced from rules files as ``module:function`` with ``args``.

A code rule is ``f(value, args) -> str | None``: the problem in one line, or None when the
event passes. These are generic (configured by field paths), so no event type is named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eventflow.consumers.validation._rules import compile_path


def _one(value: Mapping[str, Any], path: str) -> Any:
    compiled = compile_path(path)
    return compiled.first(value) if compiled.simple else compiled.walk(value)[0][1]


def _decimal(raw: Any) -> Decimal:
    return raw if type(raw) is Decimal else Decimal(str(raw))


def sum_matches(value: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
    """sum(item[quantity] * item[price]) over ``args.items`` equals ``args.total``."""
    items = _one(value, str(args["items"])) or []
    total = _one(value, str(args["total"]))
    if total is None:
        return None
    quantity, price = args["quantity"], args["price"]
    computed = sum((_decimal(i[quantity]) * _decimal(i[price]) for i in items), Decimal(0))
    if computed != _decimal(total):
        return f"{args['total']} is {total} but the items add up to {computed}"
    return None


def fields_differ(value: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
    """``args.left`` and ``args.right`` must not be equal (e.g. two distinct ids)."""
    left, right = _one(value, str(args["left"])), _one(value, str(args["right"]))
    if left is not None and left == right:
        return f"{args['left']} and {args['right']} must differ, both are {left!r}"
    return None
