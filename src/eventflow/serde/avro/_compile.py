"""One memoised compiler over the contracts' typed schema graph, parameterised by a form (pure).

The value engine's checks walk a schema the same way: a leaf schema gets its rule, a record
its fields' functions, an array or a map its child's, a union its branches'; a named type is
compiled once, and a recursive reference calls the function its definition becomes. What
differs between the JSON check-and-convert (fast and precise) and the datum checker is only
how each of those becomes a function: a :class:`Form`. :class:`Compiled` does the walk once
for all of them.

A leaf's rule comes from the one table of leaf rules (:mod:`leaf_rules`), the JSON rule and
the datum rule of each kind side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, cast

from eventflow.contracts import AvroField, AvroNode

F = TypeVar("F", bound=Callable[..., Any])


class Form(Protocol[F]):
    """How one kind of compiled check turns each kind of schema into a function ``F``."""

    def leaf(self, node: AvroNode) -> F | None:
        """The function of a leaf node; ``None`` for the others."""

    def record(self, node: AvroNode, fields: list[tuple[AvroField, F]]) -> F: ...
    def array(self, items: F) -> F: ...
    def map(self, values: F) -> F: ...
    def union(self, node: AvroNode, branches: list[F]) -> F:
        """``branches``: one function per branch of ``node``, null branches included."""


class Compiled(Generic[F]):
    """``compiled(node)``: the form's function of ``node``, made once per node."""

    def __init__(self, form: Form[F]) -> None:
        self.form = form
        self._done: dict[int, tuple[AvroNode, list[F]]] = {}  # the node kept: its id stays

    def __call__(self, node: AvroNode) -> F:
        known = self._done.get(id(node))
        if known is not None:
            holder = known[1]
            return holder[0] if holder else _deferred(holder)  # empty: a reference back
        holder = []
        self._done[id(node)] = (node, holder)
        compiled = self._compile(node)
        holder.append(compiled)
        return compiled

    def _compile(self, node: AvroNode) -> F:
        form = self.form
        leaf = form.leaf(node)
        if leaf is not None:
            return leaf
        kind, child = node.type, node.child
        if kind == "record":
            return form.record(node, [(f, self(f.schema)) for f in node.fields])
        if kind == "array" and child is not None:
            return form.array(self(child))
        if kind == "map" and child is not None:
            return form.map(self(child))
        if kind == "union":
            return form.union(node, [self(b) for b in node.branches])
        raise ValueError(f"cannot compile values of {node!r}")


def _deferred(holder: list[F]) -> F:
    def call(*args: Any) -> Any:  # a recursive reference, filled once the record is compiled
        return holder[0](*args)

    return cast(F, call)
