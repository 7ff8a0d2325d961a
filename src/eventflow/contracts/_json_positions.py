"""A small position-tracking JSON scanner: where each value of a JSON text starts.

``json.loads`` decodes fast but forgets positions; this scanner walks the same text once
and records, for every value, the 1-based ``(line, column)`` of its first character under
its RFC 6901 JSON pointer (``""`` is the root, ``/fields/0/type`` a nested value). It is
used lazily, only when a location must be reported, so the hot path never pays for it.
It assumes the text is valid JSON (decode it with ``json.loads`` first); on malformed text
it stops and returns what it has seen so far.
"""

from __future__ import annotations

import contextlib

__all__ = ["escape_pointer_token", "scan_positions"]

_WHITESPACE = " \t\r\n"
_LITERAL_END = set(" \t\r\n,]}")


def escape_pointer_token(token: str) -> str:
    """Escape one reference token for a JSON pointer (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.positions: dict[str, tuple[int, int]] = {}

    def skip_whitespace(self) -> None:
        text = self.text
        n = len(text)
        while self.pos < n and text[self.pos] in _WHITESPACE:
            if text[self.pos] == "\n":
                self.line += 1
                self.line_start = self.pos + 1
            self.pos += 1

    def here(self) -> tuple[int, int]:
        return (self.line, self.pos - self.line_start + 1)

    def value(self, pointer: str) -> None:
        self.skip_whitespace()
        if self.pos >= len(self.text):
            raise ValueError("unexpected end of JSON text")
        self.positions[pointer] = self.here()
        char = self.text[self.pos]
        if char == "{":
            self.obj(pointer)
        elif char == "[":
            self.array(pointer)
        elif char == '"':
            self.string()
        else:
            self.literal()

    def obj(self, pointer: str) -> None:
        self.pos += 1  # '{'
        self.skip_whitespace()
        if self.text[self.pos] == "}":
            self.pos += 1
            return
        while True:
            self.skip_whitespace()
            key = self.string()
            self.skip_whitespace()
            self.pos += 1  # ':'
            self.value(f"{pointer}/{escape_pointer_token(key)}")
            self.skip_whitespace()
            closing = self.text[self.pos]
            self.pos += 1
            if closing == "}":
                return

    def array(self, pointer: str) -> None:
        self.pos += 1  # '['
        self.skip_whitespace()
        if self.text[self.pos] == "]":
            self.pos += 1
            return
        index = 0
        while True:
            self.value(f"{pointer}/{index}")
            index += 1
            self.skip_whitespace()
            closing = self.text[self.pos]
            self.pos += 1
            if closing == "]":
                return

    def string(self) -> str:
        """Consume a JSON string (cursor on the opening quote) and return its decoded value."""
        text = self.text
        start = self.pos + 1
        i = start
        chunks: list[str] = []
        while True:
            char = text[i]
            if char == '"':
                chunks.append(text[start:i])
                self.pos = i + 1
                return "".join(chunks)
            if char == "\\":
                chunks.append(text[start:i])
                escape = text[i + 1]
                if escape == "u":
                    code = int(text[i + 2 : i + 6], 16)
                    i += 6
                    if 0xD800 <= code < 0xDC00 and text[i : i + 2] == "\\u":
                        low = int(text[i + 2 : i + 6], 16)
                        if 0xDC00 <= low < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                    chunks.append(chr(code))
                else:
                    chunks.append(_ESCAPES.get(escape, escape))
                    i += 2
                start = i
                continue
            i += 1

    def literal(self) -> None:
        text = self.text
        n = len(text)
        while self.pos < n and text[self.pos] not in _LITERAL_END:
            self.pos += 1


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"'}


def scan_positions(text: str) -> dict[str, tuple[int, int]]:
    """Map every JSON pointer of ``text`` to the 1-based (line, column) where its value starts."""
    scanner = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError):  # malformed: keep what was found
        scanner.value("")
    return scanner.positions
