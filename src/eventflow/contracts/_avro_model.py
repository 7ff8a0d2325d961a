"""The in-memory Avro schema graph the parser builds and the compatibility engine walks.

One :class:`AvroNode` per schema occurrence in the text, except that every use of a named
type (record, enum, fixed, by name or by definition) is the *same* node object, as in Java,
so recursion is a cycle in the graph and node identity means "same schema occurrence".
Each node remembers the file and JSON pointer where it is written, for error locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from eventflow.contracts._naming import PRIMITIVES

__all__ = [
    "NAMED_TYPES",
    "PRIMITIVE_TYPES",
    "UNRESOLVED",
    "AvroField",
    "AvroNode",
]

PRIMITIVE_TYPES: Final = PRIMITIVES
NAMED_TYPES: Final = frozenset({"record", "enum", "fixed"})
# type of a name used before its definition; replaced once the whole text is parsed
UNRESOLVED: Final = "__unresolved__"


# Shared, never mutated: the builder gives each record fresh containers.
_NO_FIELDS: list[AvroField] = []
_NO_FIELD_MAP: dict[str, AvroField] = {}
_NO_BRANCHES: list[AvroNode] = []


@dataclass(eq=False, slots=True)
class AvroField:
    """A record field: its name, position, type node, aliases and whether it has a default."""

    name: str
    position: int
    schema: AvroNode
    has_default: bool
    default: object  # the decoded JSON default (``None`` is JSON null when has_default)
    aliases: tuple[str, ...]  # as written, duplicates removed, order kept (Java LinkedHashSet)
    pointer: str  # JSON pointer of the field object in ``schema.source``'s text


@dataclass(eq=False, slots=True)
class AvroNode:
    """One Avro schema. ``type`` is the Avro type name ("record" also for ``error``)."""

    type: str
    source: str
    pointer: str  # JSON pointer where this schema is written (a named type: its definition)
    name: str | None = None  # short name of a named type
    namespace: str | None = None
    fullname: str | None = None
    # Java ``getAliases()``: full names; an alias with no namespace inside a namespaced type
    # becomes ".alias", which never equals a full name (Java's behaviour, kept on purpose).
    aliases: frozenset[str] = frozenset()
    # records get their own list and dict; every other node shares the empty ones below
    fields: list[AvroField] = field(default_factory=lambda: _NO_FIELDS)
    field_map: dict[str, AvroField] = field(default_factory=lambda: _NO_FIELD_MAP)
    symbols: tuple[str, ...] = ()
    symbol_set: frozenset[str] = frozenset()
    enum_default: str | None = None
    size: int = 0
    child: AvroNode | None = None  # array items or map values
    branches: list[AvroNode] = field(default_factory=lambda: _NO_BRANCHES)  # union members
    is_error: bool = False
    # for schemas made only of primitives (a primitive, or arrays/maps/unions of such):
    # a compact structural string; equal shapes always read each other. None otherwise.
    shape: str | None = None
    canonical_text: str | None = None  # Parsing Canonical Form of this subtree, on demand
    # a logical type the value engine applies (eventflow.serde.avro): set only when valid for
    # the underlying type, as Java ignores invalid ones; precision and scale are the decimal's
    logical_type: str | None = None
    precision: int = 0
    scale: int = 0

    @property
    def union_key(self) -> str:
        """The name a union uses to tell its branches apart (Java ``getFullName()``)."""
        return self.fullname if self.fullname is not None else self.type

    def __repr__(self) -> str:
        return f"AvroNode({self.describe()} at {self.source}#{self.pointer})"

    def describe(self) -> str:
        """A short human name: the full name of a named type, else its type."""
        return self.fullname if self.fullname is not None else self.type
