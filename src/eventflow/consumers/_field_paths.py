"""Dotted field paths into a decoded event (``payload.line_items[].quantity``), compiled once.

Used by the enrichment steps (which field to enrich) and the code rules (which fields a rule
reads). ``[]`` walks every item of an array; a missing step gives None.
"""

from __future__ import annotations

from typing import Any


class FieldPath:
    """A dotted path split once, walked per event."""

    __slots__ = ("names", "parts", "simple", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.simple = "[]" not in text
        split = text.split(".") if text else []
        self.names = tuple(split)
        self.parts = tuple((p[:-2], True) if p.endswith("[]") else (p, False) for p in split)

    def first(self, value: Any) -> Any:
        """The value a path without ``[]`` reaches (None when a step is missing)."""
        try:  # decoded values: only dicts take str keys, anything else raises
            for name in self.names:
                value = value[name]
            return value
        except (KeyError, TypeError, IndexError):
            return None

    def items(self, value: Any) -> list[tuple[tuple[int, ...], Any]]:
        """Every (array indices, value) the path reaches; a missing field gives None."""
        frontier: list[tuple[tuple[int, ...], Any]] = [((), value)]
        for name, many in self.parts:
            reached: list[tuple[tuple[int, ...], Any]] = []
            for indices, node in frontier:
                child = node.get(name) if isinstance(node, dict) else None
                if not many:
                    reached.append((indices, child))
                elif isinstance(child, list):
                    reached.extend(((*indices, i), item) for i, item in enumerate(child))
            frontier = reached
        return frontier

    def concrete(self, indices: tuple[int, ...]) -> str:
        """The path with each ``[]`` replaced by its index: ``payload.line_items[1].quantity``."""
        rest = iter(indices)
        return ".".join(f"{name}[{next(rest)}]" if many else name for name, many in self.parts)

    def walk(self, value: Any) -> list[tuple[str, Any]]:
        """Every (concrete path, value) the path reaches; a missing field gives None."""
        if self.simple:
            return [(self.text, self.first(value))]
        return [(self.concrete(indices), item) for indices, item in self.items(value)]


_PATHS: dict[str, FieldPath] = {}


def compile_path(path: str) -> FieldPath:
    """The compiled form of ``path`` (cached: enrichment steps and code rules share them)."""
    compiled = _PATHS.get(path)
    if compiled is None:
        compiled = _PATHS[path] = FieldPath(path)
    return compiled
