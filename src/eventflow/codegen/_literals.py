"""Python source literals written the way ``ruff format`` writes them (pure)."""

from __future__ import annotations

import textwrap

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_str(text: str) -> str:
    """A string literal; double quotes unless single quotes need fewer escapes (ruff's rule)."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == quote:
            out.append("\\" + char)
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return quote + "".join(out) + quote


def long_str(text: str, indent: int, width: int = 100) -> str:
    """A parenthesized run of implicitly joined string chunks, each line within ``width``."""
    pad = " " * (indent + 4)
    pieces = []
    rest = text
    while rest:
        piece = rest[: width - len(pad) - 2]
        while len(pad) + len(py_str(piece)) > width and len(piece) > 1:
            piece = piece[:-1]
        pieces.append(pad + py_str(piece))
        rest = rest[len(piece) :]
    return "(\n" + "\n".join(pieces) + "\n" + " " * indent + ")"


def docstring(text: str, indent: int, width: int = 100) -> str:
    """A triple-quoted docstring at ``indent``, wrapped to the line limit."""
    pad = " " * indent
    clean = " ".join(text.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if clean.endswith('"'):
        clean = clean[:-1] + '\\"'
    if not clean:
        clean = "(no doc)"
    one = f'{pad}"""{clean}"""'
    if len(one) <= width:
        return one
    lines = textwrap.wrap(clean, width - indent, break_long_words=False, break_on_hyphens=False)
    body = "\n".join(pad + line for line in lines)
    return f'{pad}"""\n{body}\n{pad}"""'
