"""Avro Parsing Canonical Form and its CRC-64-AVRO (Rabin) fingerprint.

Same output as Java ``SchemaNormalization.toParsingForm`` / ``parsingFingerprint64``:
only ``name``/``type``/``fields``/``symbols``/``items``/``values``/``size`` survive, names
are full names, a named type is written in full at its first occurrence and by name after,
and the fingerprint is the signed 64-bit Rabin fingerprint of the UTF-8 bytes.
"""

from __future__ import annotations

from eventflow.contracts._avro_model import AvroNode

__all__ = ["canonical_form", "rabin_fingerprint64"]

_EMPTY64 = 0xC15D213AA4D7A795
_MASK64 = (1 << 64) - 1


def _table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        fp = index
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY64 & -(fp & 1))
        table.append(fp & _MASK64)
    return tuple(table)


_TABLE = _table()


def rabin_fingerprint64(data: bytes) -> int:
    """CRC-64-AVRO of ``data`` as Java's signed ``long``."""
    fp = _EMPTY64
    table = _TABLE
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp - (1 << 64) if fp >= 1 << 63 else fp


def canonical_form(node: AvroNode) -> str:
    """The Parsing Canonical Form of the schema rooted at ``node`` (cached on the node)."""
    if node.canonical_text is None:
        out: list[str] = []
        _build(node, set(), out)
        node.canonical_text = "".join(out)
    return node.canonical_text


def _build(node: AvroNode, written: set[str], out: list[str]) -> None:
    kind = node.type
    if kind == "union":
        out.append("[")
        for index, branch in enumerate(node.branches):
            if index:
                out.append(",")
            _build(branch, written, out)
        out.append("]")
        return
    if kind in ("array", "map"):
        assert node.child is not None
        key = "items" if kind == "array" else "values"
        out.append(f'{{"type":"{kind}","{key}":')
        _build(node.child, written, out)
        out.append("}")
        return
    if kind not in ("record", "enum", "fixed"):
        out.append(f'"{kind}"')
        return
    name = node.fullname
    assert name is not None
    if name in written:
        out.append(f'"{name}"')
        return
    written.add(name)
    out.append(f'{{"name":"{name}","type":"{kind}"')
    if kind == "enum":
        out.append(',"symbols":[' + ",".join(f'"{s}"' for s in node.symbols) + "]")
    elif kind == "fixed":
        out.append(f',"size":{node.size}')
    else:
        out.append(',"fields":[')
        for index, field in enumerate(node.fields):
            if index:
                out.append(",")
            out.append(f'{{"name":"{field.name}","type":')
            _build(field.schema, written, out)
            out.append("}")
        out.append("]")
    out.append("}")
