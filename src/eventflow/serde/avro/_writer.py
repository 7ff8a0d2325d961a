"""The Avro binary writer of a schema node, generated as Python source (pure).

One function body per schema: field reads, type checks, varints and string writes are inlined
instead of a call per node (the reason it is about four times faster than fastavro for the
event types). Recursive records and the branches of unions with several non-null branches
become their own functions. It writes the same bytes as ``fastavro.schemaless_writer`` and
refuses (raises) exactly the datums :mod:`datum_walk` finds problems in; the differential
property test checks both.

Two forms of the same writer. The **checking** form takes a datum of unknown provenance (a
consumer's value, a generated class's dict) and checks each value's type and range as it
writes. The **converted** form takes only what the JSON check-and-convert returned for the
same schema node, whose every value is already proven: ints in range for every integer and
time, quantized ``Decimal`` for decimals, checked text for uuids, every record field present,
``(branch name, datum)`` in unions of several, so it writes without re-checking. A root record
may be written in the checking form with some of its fields in the converted one (the API's
record: an envelope it built, a payload the JSON check converted). The differential test
proves the converted form's bytes equal the checking form's and fastavro's for every value
the JSON check accepts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Context
from typing import Any

from eventflow.contracts import AvroNode
from eventflow.serde.avro import _binary as binary
from eventflow.serde.avro._datum_walk import DatumChecker
from eventflow.serde.avro._defaults import NO_DEFAULT, default_datum
from eventflow.serde.avro._limits import INT_RANGE, LONG_RANGE, PACK_DOUBLE, PACK_FLOAT

_PAD = "    "


def compile_writer(
    node: AvroNode,
    checker: DatumChecker | None = None,
    *,
    converted: bool = False,
    converted_fields: Collection[str] = (),
) -> binary.Writer:
    """``write(datum, out)``: append the encoding of ``datum`` to the bytearray ``out``.

    ``converted``: the datum is what the JSON check-and-convert of ``node`` returned (the
    converted form, no per-value checks); ``converted_fields``: only these fields of the
    root record hold such values, the rest is checked."""
    generator = _Generator(checker or DatumChecker(), converted)
    name = generator.function(node, frozenset(converted_fields))
    for source in (*generator.sources, *generator.tables):
        exec(compile(source, f"<avro writer {node.describe()}>", "exec"), generator.env)  # noqa: S102
    write: binary.Writer = generator.env[name]
    return write


class _Generator:
    def __init__(self, checker: DatumChecker, converted: bool) -> None:
        self._checker = checker
        self._converted = converted  # the form being emitted (see the module's doc)
        self._functions: dict[tuple[int, bool], str] = {}  # (node id, form) -> function name
        self._open: set[tuple[int, bool]] = set()  # records being inlined (a reference back)
        self._count = 0
        self.sources: list[str] = []
        self.tables: list[str] = []  # run after every function is defined
        self.env: dict[str, Any] = {
            "SMALL": binary.SMALL,
            "LIMIT": binary.SMALL_LIMIT,
            "VARINT": binary.varint_bytes,
            "PACK_FLOAT": PACK_FLOAT,
            "PACK_DOUBLE": PACK_DOUBLE,
            "write_long": binary.write_long,
        }

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _const(self, prefix: str, value: Any) -> str:
        name = self._name(prefix)
        self.env[name] = value
        return name

    def function(self, node: AvroNode, converted_fields: frozenset[str] = frozenset()) -> str:
        """The name of a generated ``(v, out)`` function writing ``node`` in the current form
        (made once per form; ``converted_fields`` only for the root)."""
        key = (id(node), self._converted)
        known = self._functions.get(key)
        if known is not None and not converted_fields:
            return known
        name = self._name("write_")
        if not converted_fields:
            self._functions[key] = name
        if node.type == "record":
            body = self._record(node, "v", 1, converted_fields)
        else:
            body = self.emit(node, "v", 1)
        body = body or [f"{_PAD}pass"]  # a record without fields writes nothing
        self.sources.append(f"def {name}(v, out):\n" + "\n".join(body) + "\n")
        return name

    def emit(self, node: AvroNode, x: str, depth: int) -> list[str]:
        """Lines writing the value held by the local ``x``, indented ``depth`` levels."""
        pad = _PAD * depth
        kind = node.type
        if node.logical_type is not None:
            return self._logical(node, x, pad)
        if kind == "record":
            key = (id(node), self._converted)
            if key in self._open or key in self._functions:
                return [f"{pad}{self.function(node)}({x}, out)"]
            return self._record(node, x, depth)
        if kind == "enum":
            table = {s: binary.varint_bytes(i << 1) for i, s in enumerate(node.symbols)}
            return [f"{pad}out += {self._const('e', table)}[{x}]"]
        if kind == "fixed":
            if self._converted:
                return [f"{pad}out += {x}"]
            return [
                f"{pad}if type({x}) is not bytes or len({x}) != {node.size}:",
                f"{pad}    raise TypeError('fixed of {node.size} bytes expected')",
                f"{pad}out += {x}",
            ]
        if kind == "array":
            assert node.child is not None
            return self._array(node.child, x, depth)
        if kind == "map":
            assert node.child is not None
            return self._map(node.child, x, depth)
        if kind == "union":
            return self._union(node, x, depth)
        return self._primitive(kind, x, pad)

    def _primitive(self, kind: str, x: str, pad: str) -> list[str]:
        """The checking form checks the type as it writes; the converted form, whose values
        the JSON check proved, writes them as they are."""
        if kind in ("int", "long"):
            return self._whole(kind, x, pad)
        if kind == "string":  # str.encode refuses what is not text in both forms
            data = self._name("b")
            return [f"{pad}{data} = {x}.encode()", *self._sized(data, pad)]
        checked = not self._converted
        if kind == "bytes":
            check = [
                f"{pad}if type({x}) is not bytes and type({x}) is not bytearray:",
                f"{pad}    raise TypeError('bytes expected')",
            ]
            return [*(check if checked else ()), *self._sized(x, pad)]
        if kind in ("float", "double"):
            check = [
                f"{pad}if type({x}) is not float and type({x}) is not int:",
                f"{pad}    raise TypeError('number expected')",
            ]
            pack = "PACK_FLOAT" if kind == "float" else "PACK_DOUBLE"
            return [*(check if checked else ()), f"{pad}out += {pack}({x})"]
        if kind == "boolean":
            if not checked:
                return [f"{pad}out.append(1 if {x} else 0)"]
            return [
                f"{pad}if {x} is True:",
                f"{pad}    out.append(1)",
                f"{pad}elif {x} is False:",
                f"{pad}    out.append(0)",
                f"{pad}else:",
                f"{pad}    raise TypeError('boolean expected')",
            ]
        if not checked:
            return []  # null writes nothing
        return [f"{pad}if {x} is not None:", f"{pad}    raise TypeError('null expected')"]

    def _sized(self, data: str, pad: str) -> list[str]:
        """Lines writing the bytes held by the local ``data`` after their length."""
        size = self._name("s")
        return [
            f"{pad}{size} = len({data}) << 1",
            f"{pad}out += SMALL[{size}] if {size} < LIMIT else VARINT({size})",
            f"{pad}out += {data}",
        ]

    def _whole(self, kind: str, x: str, pad: str) -> list[str]:
        low, high = INT_RANGE if kind == "int" else LONG_RANGE
        n = self._name("n")
        check = [
            f"{pad}if type({x}) is not int:",
            f"{pad}    raise TypeError('integer expected')",
            f"{pad}if not {low} <= {x} <= {high}:",
            f"{pad}    raise OverflowError('integer out of range')",
        ]
        return [
            # the converted form: an int in range, the JSON check says (times and dates too)
            *(() if self._converted else check),
            f"{pad}{n} = ({x} << 1) ^ ({x} >> 63)",
            f"{pad}out += SMALL[{n}] if {n} < LIMIT else VARINT({n})",
        ]

    def _logical(self, node: AvroNode, x: str, pad: str) -> list[str]:
        logical = node.logical_type or ""
        if self._converted:
            return self._proven_logical(node, x, pad)
        if logical == "decimal":
            writer = (
                binary.decimal_fixed_writer(node.precision, node.scale, node.size)
                if node.type == "fixed"
                else binary.decimal_bytes_writer(node.precision, node.scale)
            )
            return [f"{pad}{self._const('d', writer)}({x}, out)"]
        if logical == "uuid":
            text = self._name("u")
            convert = self._const("uuid", binary.uuid_text)
            return [f"{pad}{text} = {convert}({x})", *self._primitive("string", text, pad)]
        if logical == "date":
            convert = self._const("days", binary.days_of)
        elif logical.startswith("time-"):
            per_second = 1000 if logical == "time-millis" else 1_000_000
            convert = self._const("time", binary.time_units_of(per_second))
        else:
            per_second = 1000 if logical.endswith("millis") else 1_000_000
            local = logical.startswith("local-")
            convert = self._const("epoch", binary.epoch_units_of(per_second, local))
        whole = self._name("t")
        return [
            f"{pad}{whole} = {x} if type({x}) is int else {convert}({x})",
            *self._whole(node.type, whole, pad),
        ]

    def _proven_logical(self, node: AvroNode, x: str, pad: str) -> list[str]:
        """The converted form: times, dates and timestamps are ints in range, uuids checked
        text, decimals ``Decimal`` quantized to the scale within the precision."""
        if node.logical_type == "uuid":
            return self._primitive("string", x, pad)
        if node.logical_type != "decimal":
            return self._whole(node.type, x, pad)
        exact = self._const("exact", Context(prec=max(node.precision, 1)))  # no rounding
        unscaled = self._name("u")
        lines = [f"{pad}{unscaled} = int({x}.scaleb({node.scale}, {exact}))"]
        if node.type == "fixed":
            return [*lines, f"{pad}out += {unscaled}.to_bytes({node.size}, 'big', signed=True)"]
        data = self._name("b")
        return [
            *lines,  # fastavro sizes by the magnitude: (bits + 8) // 8 bytes
            f"{pad}{data} = {unscaled}.to_bytes((abs({unscaled}).bit_length() + 8) // 8,"
            " 'big', signed=True)",
            *self._sized(data, pad),
        ]

    def _record(
        self, node: AvroNode, x: str, depth: int, converted_fields: frozenset[str] = frozenset()
    ) -> list[str]:
        pad = _PAD * depth
        key = (id(node), self._converted)
        self._open.add(key)
        lines: list[str] = []
        if not node.fields and not self._converted:  # field reads check the others
            mapping = self._const("Mapping", Mapping)
            lines += [f"{pad}if not isinstance({x}, {mapping}):", f"{pad}    raise TypeError()"]
        for field in node.fields:
            value = self._name("f")
            default = default_datum(field)
            if default is NO_DEFAULT or self._converted:  # converted: every field is there
                lines.append(f"{pad}{value} = {x}[{field.name!r}]")
            else:
                fallback = self._const("default", default)
                lines.append(f"{pad}{value} = {x}.get({field.name!r}, {fallback})")
            form, self._converted = (
                self._converted,
                self._converted or field.name in converted_fields,
            )
            lines.extend(self.emit(field.schema, value, depth))
            self._converted = form
        self._open.discard(key)
        return lines

    def _union(self, node: AvroNode, x: str, depth: int) -> list[str]:
        pad = _PAD * depth
        branches = node.branches
        others = [i for i, b in enumerate(branches) if b.type != "null"]
        nulls = [i for i, b in enumerate(branches) if b.type == "null"]
        if len(others) > 1:
            if self._converted:
                return self._union_by_name(node, x, pad, nulls)
            return self._union_of_several(node, x, pad)
        if nulls:
            on_null = [f"{pad}    out += {self._const('t', binary.SMALL[nulls[0] << 1])}"]
        else:
            on_null = [f"{pad}    raise TypeError('null is not a branch of this union')"]
        if not others:
            check = [f"{pad}if {x} is not None:", f"{pad}    raise TypeError('null expected')"]
            return [*check, *(line[len(_PAD) :] for line in on_null)]
        tag = self._const("t", binary.SMALL[others[0] << 1])
        inner = self.emit(branches[others[0]], x, depth + 1) or [f"{pad}    pass"]
        return [f"{pad}if {x} is None:", *on_null, f"{pad}else:", f"{pad}    out += {tag}", *inner]

    def _union_of_several(self, node: AvroNode, x: str, pad: str) -> list[str]:
        select = self._const("select", self._checker.selector(node))
        tags = self._const("tags", tuple(binary.SMALL[i << 1] for i, _ in enumerate(node.branches)))
        writers = [self.function(branch) for branch in node.branches]
        table = self._name("branches")
        self.tables.append(f"{table} = ({', '.join(writers)},)\n")
        index, inner = self._name("i"), self._name("x")
        return [
            f"{pad}{index}, {inner} = {select}({x})",
            f"{pad}if {index} < 0:",
            f"{pad}    raise TypeError('no branch of the union fits')",
            f"{pad}out += {tags}[{index}]",
            f"{pad}{table}[{index}]({inner}, out)",
        ]

    def _union_by_name(self, node: AvroNode, x: str, pad: str, nulls: list[int]) -> list[str]:
        """The converted form of a union of several: ``None`` or ``(branch name, datum)``."""
        table = self._name("named")
        entries = ", ".join(
            f"{branch.union_key!r}: ({self._const('t', binary.SMALL[i << 1])}, "
            f"{self.function(branch)})"
            for i, branch in enumerate(node.branches)
            if branch.type != "null"
        )
        self.tables.append(f"{table} = {{{entries}}}\n")
        tag, write = self._name("t"), self._name("w")
        lines = [
            f"{pad}{tag}, {write} = {table}[{x}[0]]",
            f"{pad}out += {tag}",
            f"{pad}{write}({x}[1], out)",
        ]
        if not nulls:
            return lines
        null_tag = self._const("t", binary.SMALL[nulls[0] << 1])
        inner = [_PAD + line for line in lines]
        return [f"{pad}if {x} is None:", f"{pad}    out += {null_tag}", f"{pad}else:", *inner]

    def _array(self, items: AvroNode, x: str, depth: int) -> list[str]:
        pad = _PAD * depth
        item = self._name("i")
        check = [
            f"{pad}if type({x}) is not list and type({x}) is not tuple:",
            f"{pad}    raise TypeError('list expected')",
        ]
        return [
            *(() if self._converted else check),
            f"{pad}if {x}:",
            f"{pad}    write_long(len({x}), out)",
            f"{pad}    for {item} in {x}:",
            *(self.emit(items, item, depth + 2) or [f"{pad}        pass"]),
            f"{pad}out.append(0)",
        ]

    def _map(self, values: AvroNode, x: str, depth: int) -> list[str]:
        pad = _PAD * depth
        key, item = self._name("k"), self._name("i")
        check = [
            f"{pad}if not isinstance({x}, dict):",
            f"{pad}    raise TypeError('dict expected')",
        ]
        return [
            *(() if self._converted else check),
            f"{pad}if {x}:",
            f"{pad}    write_long(len({x}), out)",
            f"{pad}    for {key}, {item} in {x}.items():",
            *self._primitive("string", key, pad + _PAD * 2),
            *self.emit(values, item, depth + 2),
            f"{pad}out.append(0)",
        ]
