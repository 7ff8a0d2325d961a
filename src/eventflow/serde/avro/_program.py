"""Everything the project does with the values of one Avro schema, compiled once (pure).

:func:`compile_values` builds a :class:`SchemaValues` from the contracts' typed schema graph
(:class:`~eventflow.contracts._avro_model.AvroNode`): JSON check-and-convert (fast, and
precise naming every problem), the datum checker, the generated writer and fastavro's reader.
The HTTP API, the Confluent serializer and deserializer, the consumers' splice and the dead
letters all go through it (docs/adr/0005, 0007).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, cast

import fastavro
from fastavro import schemaless_reader

from eventflow.contracts import AvroNode
from eventflow.serde.avro import _binary as binary
from eventflow.serde.avro._datum_walk import DatumChecker
from eventflow.serde.avro._json_walk import JsonCompiler
from eventflow.serde.avro._problems import Refused, ValueProblem
from eventflow.serde.avro._writer import compile_writer


class ValueRejected(ValueError):
    """A value does not fit its schema; ``problems`` names each place (at least one)."""

    def __init__(self, problems: list[ValueProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    @property
    def first(self) -> ValueProblem:
        return self.problems[0]


class SchemaValues:
    """The value engine of one schema. ``avro`` is its self-contained JSON (for fastavro)."""

    def __init__(self, node: AvroNode, avro: Any) -> None:
        self.node = node
        self.avro = avro
        self._json = JsonCompiler()
        self._fast: Callable[[Any], Any] | None = None
        self._checker = DatumChecker()
        self.write: binary.Writer = compile_writer(node, self._checker)
        self._converted: dict[tuple[str, ...] | None, binary.Writer] = {}  # by fields
        self._parsed: Any = None

    # ---------------------------------------------------------------- JSON (HTTP)
    def convert(self, value: Any, root: str) -> Any:
        """The datum of a plain-JSON ``value``; raises :class:`ValueRejected` with its first
        problem (the fast form: no paths are built for values that fit)."""
        fast = self._fast
        if fast is None:
            fast = self._fast = self._json.fast(self.node)
        try:
            return fast(value)
        except Refused as exc:
            raise ValueRejected([exc.problem(root)]) from None

    def from_json(self, value: Any, root: str) -> tuple[Any, list[ValueProblem]]:
        """``(datum, [])`` when ``value`` fits, else ``(None, every problem)``."""
        fast = self._fast
        if fast is None:
            fast = self._fast = self._json.fast(self.node)
        try:
            return fast(value), []
        except Refused:
            return None, self.json_problems(value, root)

    def json_problems(self, value: Any, root: str) -> list[ValueProblem]:
        """Every problem of a plain-JSON ``value`` (empty when it fits)."""
        found: list[ValueProblem] = []
        self._json.precise(self.node)(value, root, found)
        return found

    # ---------------------------------------------------------------- datums
    def datum_problems(self, datum: Any, root: str) -> list[ValueProblem]:
        """Every problem of a datum the writer would refuse (empty when it writes)."""
        return self._checker.problems(self.node, datum, root)

    def encode(
        self,
        datum: Any,
        prefix: bytes = b"",
        *,
        root: str = "value",
        converted_fields: tuple[str, ...] = (),
    ) -> bytes:
        """``prefix`` followed by the Avro binary of ``datum``; raises :class:`ValueRejected`
        naming every problem when the datum does not fit.

        Every value is type-checked as it is written, except in ``converted_fields``: fields
        of this record schema whose values are exactly what :meth:`convert` or
        :meth:`from_json` of that field's schema returned (the API's payload), which are
        proven already and written without the checks."""
        write = self.write
        if converted_fields:
            write = self._converted.get(converted_fields) or self._converted_writer(
                converted_fields
            )
        return self._written(write, datum, prefix, root)

    def encode_converted(self, datum: Any, prefix: bytes = b"", *, root: str = "value") -> bytes:
        """:meth:`encode` of a datum that :meth:`convert` or :meth:`from_json` of this schema
        returned (every value proven: written without the per-value checks)."""
        write = self._converted.get(None) or self._converted_writer(None)
        return self._written(write, datum, prefix, root)

    def _written(self, write: binary.Writer, datum: Any, prefix: bytes, root: str) -> bytes:
        out = bytearray(prefix)
        try:
            write(datum, out)
        except Exception as exc:  # any refusal of the writer: the checker says where and why
            raise self.rejection(datum, root, exc) from exc
        return bytes(out)

    def _converted_writer(self, fields: tuple[str, ...] | None) -> binary.Writer:
        """The writer of a datum converted whole (``None``) or in these root ``fields``."""
        unknown = sorted(set(fields or ()) - set(self.node.field_map))
        if unknown or (fields is not None and self.node.type != "record"):
            raise ValueError(f"{self.node.describe()} has no fields {unknown}")
        write = self._converted[fields] = compile_writer(
            self.node, self._checker, converted=fields is None, converted_fields=fields or ()
        )
        return write

    def rejection(self, datum: Any, root: str, exc: BaseException) -> ValueRejected:
        """The :class:`ValueRejected` for a datum the writer refused with ``exc``."""
        problems = self._checker.problems(self.node, datum, root)
        if not problems:  # the writer and the checker disagree: a defect, said plainly
            problems = [ValueProblem(root, f"the writer refused a value it should take: {exc!r}")]
        return ValueRejected(problems)

    # ---------------------------------------------------------------- reading
    @property
    def fastavro_schema(self) -> Any:
        """fastavro's parsed form of the schema (made on first use)."""
        if self._parsed is None:
            self._parsed = fastavro.parse_schema(self.avro)
        return self._parsed

    def read(
        self,
        data: bytes | memoryview,
        offset: int = 0,
        reader: Any = None,
        *,
        union_names: bool = False,
        named_types: bool = False,
    ) -> Any:
        """Decode the Avro binary at ``data[offset:]`` with fastavro (faster at reading than
        generated Python), resolved to ``reader`` (a fastavro schema) when given;
        ``union_names`` gives ``(name, value)`` for records in unions of named types,
        ``named_types`` for every named branch (enums and fixed too)."""
        stream = io.BytesIO(data)  # shares the buffer, no copy
        stream.seek(offset)
        return cast(
            Any,
            schemaless_reader(
                stream,
                self.fastavro_schema,
                reader,
                union_names,
                union_names,
                return_named_type=named_types,
                return_named_type_override=named_types,
            ),
        )


def compile_values(node: AvroNode, avro: Any) -> SchemaValues:
    """The value engine of the schema ``node`` (whose self-contained JSON is ``avro``)."""
    return SchemaValues(node, avro)
