"""How the value engine reports a value that does not fit: a path, one wording (pure).

Every rule raises :class:`Refused` with the message; the walkers add where it happened.
Paths read ``data.items[0].quantity`` (record fields ``.name``, array items ``[i]``, map
values ``["key"]``) below the root the caller names.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventflow.contracts import AvroNode

_SHOWN = 40  # characters of a value shown in a message


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """One place where a value does not fit its schema."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Refused(Exception):
    """A value does not fit; ``where`` holds the path segments, innermost first."""

    def __init__(self, message: str, where: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where: list[str] = where if where is not None else []

    def problem(self, root: str) -> ValueProblem:
        return ValueProblem(root + "".join(reversed(self.where)), self.message)


FAILED: Any = object()  # what a precise check returns for a value it refused


def collecting(rule: Callable[[Any], Any]) -> Callable[[Any, str, list[ValueProblem]], Any]:
    """A leaf's rule as a precise check: the datum, or :data:`FAILED` with the problem and
    its path appended to the list."""

    def leaf(value: Any, path: str, problems: list[ValueProblem]) -> Any:
        try:
            return rule(value)
        except Refused as exc:
            problems.append(ValueProblem(path, exc.message))
            return FAILED

    return leaf


def collecting_leaves(
    rule_of: Callable[[AvroNode], Callable[[Any], Any] | None],
) -> Callable[[AvroNode], Callable[[Any, str, list[ValueProblem]], Any] | None]:
    """The ``leaf`` of a precise form: :func:`collecting` of ``rule_of``'s rule of a node."""

    def leaf(node: AvroNode) -> Callable[[Any, str, list[ValueProblem]], Any] | None:
        rule = rule_of(node)
        return None if rule is None else collecting(rule)

    return leaf


def field_segment(name: str) -> str:
    return f".{name}"


def item_segment(index: int) -> str:
    return f"[{index}]"


def key_segment(key: object) -> str:
    if isinstance(key, str):
        try:
            return f"[{json.dumps(key, ensure_ascii=False)}]"
        except UnicodeEncodeError:  # pragma: no cover - json.dumps escapes surrogates
            pass
    return f"[{shown(key)}]"


def shown(value: Any) -> str:
    """A value as a message shows it: integers and decimals in full as written, others short."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return _shorten(_integer_text(value))
    if isinstance(value, float | decimal.Decimal):
        return _shorten(str(value))
    if isinstance(value, str):
        return _shorten(json.dumps(value, ensure_ascii=False).encode("utf-8", "replace").decode())
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, bytes | bytearray):
        return f"{len(value)} bytes"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"{type(value).__name__} {value.isoformat()}"
    return f"a {type(value).__name__}"


def _integer_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # more digits than Python converts to text
        return f"a whole number of {value.bit_length()} bits"


def _shorten(text: str) -> str:
    if len(text) <= _SHOWN:
        return text
    return f"{text[: _SHOWN - 3]}... ({len(text)} characters)"


def label(node: AvroNode) -> str:
    """A short human name of a schema: ``string``, ``OrderLine``, ``decimal(10,2)``, ``array``."""
    if node.type == "union":
        return " | ".join(label(b) for b in node.branches if b.type != "null") or "null"
    if node.logical_type == "decimal":
        return f"decimal({node.precision},{node.scale})"
    if node.logical_type is not None:
        return node.logical_type
    if node.name is not None:
        return node.name
    return node.type
