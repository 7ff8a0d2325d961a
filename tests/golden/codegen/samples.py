"""A fully populated instance of the golden ``Everything`` class (shared by tests)."""

from __future__ import annotations

import datetime as dt
import decimal

from tests.golden.codegen.expected import Color, Everything, Money, TreeNode

UTC = dt.UTC


def everything(choice=None) -> Everything:
    return Everything(
        id="e-1",
        nothing=None,
        big=2**40,
        precise=3.25,
        amount=Money(amount=decimal.Decimal("12.34")),
        fixed_price=decimal.Decimal("99.99"),
        time_us=dt.time(13, 14, 15, 123456),
        at_us=dt.datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC),
        local_ms=dt.datetime(2026, 11, 27, 10, 0, 0, 123000),
        digest=bytes(range(16)),
        history=[{"a": Money(amount=decimal.Decimal("1.00"), currency="USD")}],
        tree=TreeNode(label="root", children=[TreeNode(label="leaf")], next=TreeNode(label="n")),
        maybe_money=Money(amount=decimal.Decimal("-5.00")),
        choice=choice,
        signal=Color.GREEN,
    )
