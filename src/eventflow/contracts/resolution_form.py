"""Resolution form: everything about a schema that Avro schema resolution looks at.

The Parsing Canonical Form drops aliases, defaults and enum defaults, yet those decide
compatibility, so it cannot key a compatibility cache. The resolution form is the canonical
form plus, for named types, their aliases; for enums, their default symbol; for fields,
whether they have a default and their aliases. Two schemas with equal resolution forms get
the same answer from Java's ``SchemaCompatibility`` for any partner schema, and a schema
reads its own resolution-form twin without incompatibility unless a field declares aliases
(aliases can make Java's field lookup ambiguous, see ``check_reader_writer``).
"""

from __future__ import annotations

from eventflow.contracts.avro_model import AvroNode

__all__ = ["resolution_key"]


def resolution_key(node: AvroNode) -> str:
    """The resolution form of the schema rooted at ``node`` (computed once per node)."""
    key = node.resolution_key
    if key is None:
        out: list[str] = []
        flags = [False]
        _build(node, set(), out, flags)
        key = "".join(out)
        node.resolution_key = key
        node.reaches_field_aliases = flags[0]
    return key


def _build(node: AvroNode, written: set[str], out: list[str], flags: list[bool]) -> None:
    kind = node.type
    if kind == "union":
        out.append("[")
        for branch in node.branches:
            _build(branch, written, out, flags)
            out.append(",")
        out.append("]")
        return
    if kind in ("array", "map"):
        assert node.child is not None
        out.append("{" + kind + ":")
        _build(node.child, written, out, flags)
        out.append("}")
        return
    if node.fullname is None:
        out.append(kind)
        return
    name = node.fullname
    if name in written:
        out.append(repr(name))
        return
    written.add(name)
    out.append(f"{{{kind} {name!r} {sorted(node.aliases)!r}")
    if kind == "enum":
        out.append(f" {node.symbols!r} {node.enum_default!r}")
    elif kind == "fixed":
        out.append(f" {node.size}")
    else:
        for field in node.fields:
            if field.aliases:
                flags[0] = True
            out.append(f" ({field.name!r} {field.has_default} {field.aliases!r} ")
            _build(field.schema, written, out, flags)
            out.append(")")
    out.append("}")
