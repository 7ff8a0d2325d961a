"""The compiled Avro encoder as generated Python source: one function per record schema.

Same bytes and same refusals as :mod:`avro_binary` (whose closures it reuses for decimals,
fixed types and recursive references), but the whole record is one function body: field
reads, type checks, varints and string writes are inlined instead of a closure call per
node. The tests run every byte-equality check against both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eventflow.contracts.naming import definition_name, full_name
from eventflow.producers.http import avro_binary as binary

_INTEGRAL = {"int", "long"}


def compile_writer(
    schema: Any, named: Mapping[str, dict[str, Any]], namespace: str = ""
) -> binary.Writer:
    """``write(datum, out)`` as generated source (closures only where they are simpler)."""
    generator = _Generator(named)
    body = generator.emit(schema, "v", namespace, 1)
    source = "def write(v, out):\n" + "\n".join(body) + "\n"
    scope: dict[str, Any] = dict(generator.env)
    exec(compile(source, f"<avro writer {_title(schema)}>", "exec"), scope)  # noqa: S102
    write: binary.Writer = scope["write"]
    return write


def compile_encoder(
    schema: Any, named: Mapping[str, dict[str, Any]], namespace: str = ""
) -> Callable[[Any], bytes]:
    """``encode(datum) -> bytes`` for ``schema``."""
    write = compile_writer(schema, named, namespace)

    def encode(datum: Any) -> bytes:
        out = bytearray()
        write(datum, out)
        return bytes(out)

    return encode


class _Generator:
    def __init__(self, named: Mapping[str, dict[str, Any]]) -> None:
        self._named = named
        self._closures = binary.ClosureCompiler(named)
        self._open: set[str] = set()  # records being generated (recursion -> a closure)
        self._count = 0
        self.env: dict[str, Any] = {
            "SMALL": binary.SMALL,
            "LIMIT": binary.SMALL_LIMIT,
            "VARINT": binary.varint_bytes,
            "MIN_LONG": binary.MIN_LONG,
            "MAX_LONG": binary.MAX_LONG,
            "PACK_FLOAT": binary.PACK_FLOAT,
            "PACK_DOUBLE": binary.PACK_DOUBLE,
            "write_long": binary.write_long,
        }

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _const(self, prefix: str, value: Any) -> str:
        name = self._name(prefix)
        self.env[name] = value
        return name

    def _closure(self, schema: Any, x: str, ns: str, pad: str) -> list[str]:
        writer = self._const("w", self._closures.compile(schema, ns))
        return [f"{pad}{writer}({x}, out)"]

    def emit(self, schema: Any, x: str, ns: str, depth: int) -> list[str]:
        """Lines that write the value held by the local ``x`` (indented ``depth`` levels)."""
        pad = "    " * depth
        if isinstance(schema, list):
            return self._union(schema, x, ns, depth)
        if isinstance(schema, str):
            if schema in binary.PRIMITIVES:
                return self._primitive(schema, x, pad)
            return self._named_ref(schema, x, ns, depth)
        if not isinstance(schema, dict):
            raise binary.Unsupported(f"not a schema: {schema!r}")
        kind = schema.get("type")
        if isinstance(kind, dict | list):
            return self.emit(kind, x, ns, depth)
        if schema.get("logicalType") == "decimal" and kind in {"bytes", "fixed"}:
            return self._closure(schema, x, ns, pad)
        if kind in {"record", "error"}:
            return self._record(schema, x, ns, depth)
        if kind == "enum":
            symbols = [str(symbol) for symbol in schema.get("symbols", [])]
            table = self._const(
                "e", {s: binary.varint_bytes(i << 1) for i, s in enumerate(symbols)}
            )
            return [f"{pad}out += {table}[{x}]"]
        if kind == "fixed":
            return self._closure(schema, x, ns, pad)
        if kind == "array":
            return self._array(schema.get("items"), x, ns, depth)
        if kind == "map":
            return self._map(schema.get("values"), x, ns, depth)
        if isinstance(kind, str) and kind in binary.PRIMITIVES:
            return self._primitive(kind, x, pad)
        if isinstance(kind, str):
            return self._named_ref(kind, x, ns, depth)
        raise binary.Unsupported(f"unknown schema type {kind!r}")

    def _named_ref(self, name: str, x: str, ns: str, depth: int) -> list[str]:
        for candidate in (full_name(name, ns), name):
            if candidate in self._named:
                definition = self._named[candidate]
                home = candidate.rpartition(".")[0]
                if candidate in self._open:  # recursive: the closure compiler handles it
                    return self._closure(definition, x, home, "    " * depth)
                return self.emit(definition, x, home, depth)
        raise binary.Unsupported(f"unknown named type {name!r}")

    def _primitive(self, kind: str, x: str, pad: str) -> list[str]:
        if kind in _INTEGRAL:
            n = self._name("n")
            return [
                f"{pad}if type({x}) is not int:",
                f"{pad}    raise TypeError('integer expected')",
                f"{pad}if not MIN_LONG <= {x} <= MAX_LONG:",
                f"{pad}    raise OverflowError('integer out of the 64-bit range')",
                f"{pad}{n} = ({x} << 1) ^ ({x} >> 63)",
                f"{pad}out += SMALL[{n}] if {n} < LIMIT else VARINT({n})",
            ]
        if kind == "string":
            data, size = self._name("b"), self._name("s")
            return [
                f"{pad}{data} = {x}.encode()",
                f"{pad}{size} = len({data}) << 1",
                f"{pad}out += SMALL[{size}] if {size} < LIMIT else VARINT({size})",
                f"{pad}out += {data}",
            ]
        if kind == "bytes":
            size = self._name("s")
            return [
                f"{pad}if type({x}) is not bytes:",
                f"{pad}    raise TypeError('bytes expected')",
                f"{pad}{size} = len({x}) << 1",
                f"{pad}out += SMALL[{size}] if {size} < LIMIT else VARINT({size})",
                f"{pad}out += {x}",
            ]
        if kind in {"float", "double"}:
            pack = "PACK_FLOAT" if kind == "float" else "PACK_DOUBLE"
            return [f"{pad}out += {pack}({x})"]
        if kind == "boolean":
            return [
                f"{pad}if {x} is True:",
                f"{pad}    out.append(1)",
                f"{pad}elif {x} is False:",
                f"{pad}    out.append(0)",
                f"{pad}else:",
                f"{pad}    raise TypeError('boolean expected')",
            ]
        return [f"{pad}if {x} is not None:", f"{pad}    raise TypeError('null expected')"]

    def _record(self, schema: dict[str, Any], x: str, ns: str, depth: int) -> list[str]:
        full = definition_name(schema, ns)
        inner_ns = full.rpartition(".")[0]
        self._open.add(full)
        lines: list[str] = []
        for fld in schema["fields"]:
            value = self._name("f")
            lines.append(f"{'    ' * depth}{value} = {x}[{str(fld['name'])!r}]")
            lines.extend(self.emit(fld["type"], value, inner_ns, depth))
        self._open.discard(full)
        return lines

    def _union(self, branches: list[Any], x: str, ns: str, depth: int) -> list[str]:
        pad = "    " * depth
        others = [i for i, b in enumerate(branches) if b != "null"]
        if len(others) > 1:
            raise binary.Unsupported("a union of two or more non-null branches")
        if "null" in branches:
            null = self._const("t", binary.SMALL[branches.index("null") << 1])
            on_null = [f"{pad}    out += {null}"]
        else:
            on_null = [f"{pad}    raise TypeError('null is not a branch of this union')"]
        if not others:
            return [f"{pad}if {x} is not None:", f"{pad}    raise TypeError('null expected')",
                    *[line.replace("    ", "", 1) for line in on_null]]  # fmt: skip
        tag = self._const("t", binary.SMALL[others[0] << 1])
        inner = self.emit(branches[others[0]], x, ns, depth + 1)
        return [f"{pad}if {x} is None:", *on_null, f"{pad}else:", f"{pad}    out += {tag}", *inner]

    def _array(self, items: Any, x: str, ns: str, depth: int) -> list[str]:
        pad = "    " * depth
        item = self._name("i")
        return [
            f"{pad}if type({x}) is not list:",
            f"{pad}    raise TypeError('list expected')",
            f"{pad}if {x}:",
            f"{pad}    write_long(len({x}), out)",
            f"{pad}    for {item} in {x}:",
            *self.emit(items, item, ns, depth + 2),
            f"{pad}out.append(0)",
        ]

    def _map(self, values: Any, x: str, ns: str, depth: int) -> list[str]:
        pad = "    " * depth
        key, item = self._name("k"), self._name("i")
        return [
            f"{pad}if type({x}) is not dict:",
            f"{pad}    raise TypeError('dict expected')",
            f"{pad}if {x}:",
            f"{pad}    write_long(len({x}), out)",
            f"{pad}    for {key}, {item} in {x}.items():",
            *self._primitive("string", key, pad + "        "),
            *self.emit(values, item, ns, depth + 2),
            f"{pad}out.append(0)",
        ]


def _title(schema: Any) -> str:
    return str(schema.get("name", "value")) if isinstance(schema, dict) else "value"
