"""Rules in code: what CEL cannot express, named by rules files as ``module:function``.

A rules file's ``eventflowCodeRules`` entry (ADR 0010) names ``function`` and its ``params``;
the validator calls ``function(message, params) -> str | None``: the problem in one line, or
None when the event passes. Functions here are generic (configured by field paths), so no
event type is named here. Public by path: rules files name this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eventflow.consumers._field_paths import compile_path


def _one(value: Mapping[str, Any], path: str) -> Any:
    compiled = compile_path(path)
    return compiled.first(value) if compiled.simple else compiled.walk(value)[0][1]


def _decimal(raw: Any) -> Decimal:
    return raw if type(raw) is Decimal else Decimal(str(raw))


def sum_matches(value: Mapping[str, Any], params: Mapping[str, str]) -> str | None:
    """sum(item[quantity] * item[price]) over the list at ``items`` equals ``total``
    (standard CEL has no fold or sum, so this cannot be a CEL rule)."""
    items = _one(value, params["items"]) or []
    total = _one(value, params["total"])
    if total is None:
        return None
    quantity, price = params["quantity"], params["price"]
    computed = sum((_decimal(i[quantity]) * _decimal(i[price]) for i in items), Decimal(0))
    if computed != _decimal(total):
        return f"{params['total']} is {total} but the items add up to {computed}"
    return None
