"""Reader/writer compatibility with exactly Avro Java 1.12 ``SchemaCompatibility`` verdicts.

The walk mirrors Java's ``ReaderWriterCompatibilityChecker`` step by step, including what
is easy to get wrong in a re-implementation:

* names compare by *short* name, or the writer's full name among the reader's aliases
  (resolved against the reader's namespace; an alias that leaves the namespace empty never
  matches);
* a reader field is looked up by its name and each of its aliases; more than one match
  makes Java throw (Confluent then reports the exception text as the reason);
* a reader field missing from the writer needs a default, except that an enum field whose
  enum has a default is then checked as *enum vs the writer record* (a type mismatch);
* a missing enum symbol is fine when the reader enum has a default;
* results are memoised per (reader node, writer node) identity, a pair under evaluation
  counts as compatible (recursion), and memoised results keep their first location;
* unions: every writer branch must be readable; a reader union needs one branch that
  reads the writer; a writer union is checked branch by branch.

Pure: no I/O, no global state except a bounded cache of verdicts keyed by resolution form.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventflow.contracts._avro_model import AvroField, AvroNode
from eventflow.contracts._compatibility_types import IncompatibilityType
from eventflow.contracts._json_positions import escape_pointer_token
from eventflow.contracts._naming import PRIMITIVES

__all__ = ["AmbiguousFieldError", "RawIncompatibility", "compare"]

_PROMOTIONS: dict[str, frozenset[str]] = {
    "long": frozenset({"int"}),
    "float": frozenset({"int", "long"}),
    "double": frozenset({"int", "long", "float"}),
    "bytes": frozenset({"string"}),
    "string": frozenset({"bytes"}),
}
_SIMPLE = PRIMITIVES


@dataclass(frozen=True, slots=True)
class RawIncompatibility:
    """One finding as Java builds it: ``path`` includes Java's root token."""

    type: IncompatibilityType
    path: tuple[str, ...]
    message: str  # Java's message (also Confluent's ``additionalInfo``)
    reader: AvroNode
    writer: AvroNode
    field: AvroField | None = None  # the reader field, for a missing default

    @property
    def location(self) -> str:
        """Java ``Incompatibility.getLocation()``: a JSON pointer without the root token."""
        return "/" + "/".join(escape_pointer_token(token) for token in self.path[1:])


class AmbiguousFieldError(Exception):
    """Java's ``lookupWriterField`` found several writer fields for one reader field."""

    def __init__(self, reader_field: AvroField, writer: AvroNode, matches: list[str]) -> None:
        super().__init__(
            f"Reader record field {reader_field.name} matches multiple fields in writer "
            f"record schema {writer.fullname} ({', '.join(matches)})"
        )
        self.reader_field = reader_field
        self.writer = writer
        self.matches = matches


_Result = tuple[RawIncompatibility, ...]
_COMPATIBLE: _Result = ()


def compare(reader: AvroNode, writer: AvroNode) -> _Result:
    """All incompatibilities of ``reader`` reading ``writer`` (empty: compatible).

    Raises :class:`AmbiguousFieldError` where Java throws.
    """
    return _Checker().check("", reader, writer, [])


class _Checker:
    __slots__ = ("memo",)

    def __init__(self) -> None:
        # (id(reader), id(writer)) -> result; None while the pair is being evaluated
        self.memo: dict[tuple[int, int], _Result | None] = {}

    def check(self, token: str, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        shape = reader.shape
        if shape is not None and shape == writer.shape:
            return _COMPATIBLE  # same structure of primitives: nothing can differ
        rtype = reader.type
        wtype = writer.type
        if rtype in _SIMPLE and wtype in _SIMPLE:
            # primitive nodes are unique per occurrence, so memoising them changes nothing
            if rtype == wtype or wtype in _PROMOTIONS.get(rtype, ()):
                return _COMPATIBLE
            return (_type_mismatch(reader, writer, (*location, token)),)
        location.append(token)
        key = (id(reader), id(writer))
        memo = self.memo
        if key in memo:
            found = memo[key]
            result = _COMPATIBLE if found is None else found
        else:
            memo[key] = None
            result = self._calculate(reader, writer, location)
            memo[key] = result
        location.pop()
        return result

    def _calculate(self, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        rtype = reader.type
        wtype = writer.type
        if rtype == wtype:
            if rtype in _SIMPLE:
                return _COMPATIBLE
            if rtype == "array":
                assert reader.child is not None and writer.child is not None
                return self.check("items", reader.child, writer.child, location)
            if rtype == "map":
                assert reader.child is not None and writer.child is not None
                return self.check("values", reader.child, writer.child, location)
            if rtype == "record":
                return self._names(reader, writer, location) + self._fields(
                    reader, writer, location
                )
            if rtype == "enum":
                return self._names(reader, writer, location) + self._symbols(
                    reader, writer, location
                )
            if rtype == "fixed":
                return self._names(reader, writer, location) + self._size(reader, writer, location)
            return self._union_reads_union(reader, writer, location)
        if wtype == "union":
            result: _Result = _COMPATIBLE
            for index, branch in enumerate(writer.branches):
                result += self.check(str(index), reader, branch, location)
            return result
        if rtype == "union":
            if wtype in _SIMPLE:
                if _simple_branch_reads(reader, wtype):
                    return _COMPATIBLE
            else:
                for branch in reader.branches:
                    if not self.check("", branch, writer, []):
                        return _COMPATIBLE
            return (
                RawIncompatibility(
                    IncompatibilityType.MISSING_UNION_BRANCH,
                    tuple(location),
                    f"reader union lacking writer type: {wtype.upper()}",
                    reader,
                    writer,
                ),
            )
        if wtype in _PROMOTIONS.get(rtype, ()):
            return _COMPATIBLE
        return (_type_mismatch(reader, writer, tuple(location)),)

    def _union_reads_union(
        self, reader: AvroNode, writer: AvroNode, location: list[str]
    ) -> _Result:
        result: _Result = _COMPATIBLE
        for index, branch in enumerate(writer.branches):
            if branch.type in _SIMPLE:
                if _simple_branch_reads(reader, branch.type):
                    continue
            elif not self.check("", reader, branch, []):
                continue
            result += (
                RawIncompatibility(
                    IncompatibilityType.MISSING_UNION_BRANCH,
                    (*location, str(index)),
                    f"reader union lacking writer type: {branch.type.upper()}",
                    reader,
                    writer,
                ),
            )
        return result

    def _names(self, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        if reader.name == writer.name or writer.fullname in reader.aliases:
            return _COMPATIBLE
        return (
            RawIncompatibility(
                IncompatibilityType.NAME_MISMATCH,
                (*location, "name"),
                f"expected: {writer.fullname}",
                reader,
                writer,
            ),
        )

    def _fields(self, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        result: _Result = _COMPATIBLE
        location.append("fields")
        writer_fields = writer.field_map
        for field in reader.fields:
            if field.aliases:
                found = _lookup_writer_field(field, writer, writer_fields)
            else:
                found = writer_fields.get(field.name)
            if found is not None:
                shape = field.schema.shape
                if shape is not None and shape == found.schema.shape:
                    continue  # same primitive structure: nothing to report, nothing to push
                location.append(str(field.position))
                result += self.check("type", field.schema, found.schema, location)
                location.pop()
                continue
            location.append(str(field.position))
            if not field.has_default:
                schema = field.schema
                if schema.type == "enum" and schema.enum_default is not None:
                    result += self.check("type", schema, writer, location)
                else:
                    result += (
                        RawIncompatibility(
                            IncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE,
                            tuple(location),
                            field.name,
                            reader,
                            writer,
                            field,
                        ),
                    )
            location.pop()
        location.pop()
        return result

    def _symbols(self, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        missing = [s for s in writer.symbols if s not in reader.symbol_set]
        if not missing or reader.enum_default is not None:
            return _COMPATIBLE
        return (
            RawIncompatibility(
                IncompatibilityType.MISSING_ENUM_SYMBOLS,
                (*location, "symbols"),
                "[" + ", ".join(sorted(set(missing), key=_java_string_order)) + "]",
                reader,
                writer,
            ),
        )

    def _size(self, reader: AvroNode, writer: AvroNode, location: list[str]) -> _Result:
        if reader.size == writer.size:
            return _COMPATIBLE
        return (
            RawIncompatibility(
                IncompatibilityType.FIXED_SIZE_MISMATCH,
                (*location, "size"),
                f"expected: {writer.size}, found: {reader.size}",
                reader,
                writer,
            ),
        )


def _simple_branch_reads(union: AvroNode, writer_type: str) -> bool:
    """Does some branch of the reader ``union`` read the primitive ``writer_type``?"""
    for branch in union.branches:
        rtype = branch.type
        if rtype == writer_type or writer_type in _PROMOTIONS.get(rtype, ()):
            return True
    return False


def _type_mismatch(reader: AvroNode, writer: AvroNode, path: tuple[str, ...]) -> RawIncompatibility:
    return RawIncompatibility(
        IncompatibilityType.TYPE_MISMATCH,
        path,
        f"reader type: {reader.type.upper()} not compatible with writer type: "
        f"{writer.type.upper()}",
        reader,
        writer,
    )


def _lookup_writer_field(
    field: AvroField, writer: AvroNode, writer_fields: dict[str, AvroField]
) -> AvroField | None:
    """Java ``lookupWriterField``: by name and by every alias; several matches throw."""
    direct = writer_fields.get(field.name)
    matches = [direct] if direct is not None else []
    matches.extend(writer_fields[a] for a in field.aliases if a in writer_fields)
    if len(matches) > 1:
        raise AmbiguousFieldError(field, writer, [m.name for m in matches])
    return matches[0] if matches else None


def _java_string_order(text: str) -> list[int]:
    """Sort key matching Java ``String.compareTo`` (UTF-16 code units)."""
    encoded = text.encode("utf-16-be")
    return [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]
