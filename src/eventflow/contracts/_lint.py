"""Style rules for our Avro contracts (pure): names, namespaces, docs, optional fields.

Each finding carries a stable rule id, the JSON pointer of the offending node and, through
:meth:`ParsedSchema.locate`, the line and column in the ``.avsc`` file.

Rules
-----
``NAMESPACE_MISSING``    a named type has no namespace
``NAMESPACE_CASE``       a namespace is not lower-case dotted words (``com.eventflow.events``)
``TYPE_NAME_CASE``       a record, enum or fixed name is not UpperCamelCase
``FIELD_NAME_CASE``      a field name is not lower_snake_case
``DOC_MISSING``          a named type or a field has no ``doc``
``OPTIONAL_NULL_FIRST``  a union with ``null`` does not list ``null`` first
``OPTIONAL_DEFAULT``     a field whose type is a union with ``null`` has no ``default: null``
``ENUM_SYMBOL_CASE``     an enum symbol is not UPPER_SNAKE_CASE
``FILE_NAME``            the file is not named after its top-level type (``OrderPlaced.avsc``)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from eventflow.contracts._naming import NAMED_KINDS
from eventflow.contracts._parsed_schema import ParsedSchema

_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")

RULES = (
    "NAMESPACE_MISSING",
    "NAMESPACE_CASE",
    "TYPE_NAME_CASE",
    "FIELD_NAME_CASE",
    "DOC_MISSING",
    "OPTIONAL_NULL_FIRST",
    "OPTIONAL_DEFAULT",
    "ENUM_SYMBOL_CASE",
    "FILE_NAME",
)


@dataclass(frozen=True)
class LintFinding:
    rule: str
    source: str
    pointer: str  # JSON pointer into the file ("" = the whole document)
    line: int | None
    column: int | None
    message: str

    def describe(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.rule}: {self.message}"


def lint_schema(schema: ParsedSchema, *, file_name: str | None = None) -> list[LintFinding]:
    """Every style finding in ``schema``, in document order.

    ``file_name``: the file's name, to check it is named after the top-level type.
    """
    walker = _Linter(schema)
    walker.type_(schema.json, "", None)
    if file_name is not None and schema.fullname:
        stem = PurePosixPath(file_name).stem
        short = schema.fullname.rpartition(".")[2]
        if stem != short:
            walker.add("FILE_NAME", "", f"file {file_name!r} should be named {short}.avsc")
    return walker.findings


class _Linter:
    def __init__(self, schema: ParsedSchema) -> None:
        self.schema = schema
        self.findings: list[LintFinding] = []

    def add(self, rule: str, pointer: str, message: str) -> None:
        position = self.schema.locate(pointer)
        line, column = position if position is not None else (None, None)
        self.findings.append(LintFinding(rule, self.schema.source, pointer, line, column, message))

    def type_(self, node: Any, pointer: str, namespace: str | None) -> None:
        if isinstance(node, list):
            self.union(node, pointer, namespace)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in NAMED_KINDS:
                self.named(node, pointer, namespace)
            elif kind == "array":
                self.type_(node.get("items"), f"{pointer}/items", namespace)
            elif kind == "map":
                self.type_(node.get("values"), f"{pointer}/values", namespace)
            elif isinstance(kind, (dict, list)):
                self.type_(kind, f"{pointer}/type", namespace)

    def union(self, branches: list[Any], pointer: str, namespace: str | None) -> None:
        if "null" in branches and branches[0] != "null":
            self.add(
                "OPTIONAL_NULL_FIRST",
                pointer,
                f'put "null" first in the union {_short(branches)} so the field can default '
                "to null",
            )
        for index, branch in enumerate(branches):
            self.type_(branch, f"{pointer}/{index}", namespace)

    def named(self, node: dict[str, Any], pointer: str, namespace: str | None) -> None:
        name = node.get("name")
        if not isinstance(name, str):
            return
        raw_space = node.get("namespace")
        if "." in name:
            own_space: str | None = name.rpartition(".")[0]
            short = name.rpartition(".")[2]
        else:
            own_space = raw_space if isinstance(raw_space, str) and raw_space else namespace
            short = name
        name_ptr = f"{pointer}/name"
        if not own_space:
            self.add(
                "NAMESPACE_MISSING",
                name_ptr,
                f'type {name!r} has no namespace; add e.g. "namespace": "com.eventflow.events"',
            )
        elif not _NAMESPACE.match(own_space):
            message = f"namespace {own_space!r} of {short!r} should be lower-case dotted words"
            self.add("NAMESPACE_CASE", name_ptr, message)
        if not _TYPE_NAME.match(short):
            self.add("TYPE_NAME_CASE", name_ptr, f"type name {short!r} should be UpperCamelCase")
        if not _has_doc(node):
            self.add("DOC_MISSING", name_ptr, f"type {short!r} has no doc")
        kind = node.get("type")
        if kind == "enum":
            for index, symbol in enumerate(node.get("symbols") or []):
                if isinstance(symbol, str) and not _SYMBOL.match(symbol):
                    message = f"enum {short!r} symbol {symbol!r} should be UPPER_SNAKE_CASE"
                    self.add("ENUM_SYMBOL_CASE", f"{pointer}/symbols/{index}", message)
        elif kind in {"record", "error"}:
            for index, field in enumerate(node.get("fields") or []):
                if isinstance(field, dict):
                    self.field(field, f"{pointer}/fields/{index}", short, own_space)

    def field(self, field: dict[str, Any], pointer: str, record: str, space: str | None) -> None:
        name = field.get("name")
        if not isinstance(name, str):
            return
        if not _FIELD_NAME.match(name):
            self.add(
                "FIELD_NAME_CASE",
                f"{pointer}/name",
                f"field {record}.{name} should be lower_snake_case",
            )
        if not _has_doc(field):
            self.add("DOC_MISSING", f"{pointer}/name", f"field {record}.{name} has no doc")
        kind = field.get("type")
        if isinstance(kind, list) and "null" in kind:
            if "default" not in field:
                self.add(
                    "OPTIONAL_DEFAULT",
                    f"{pointer}/name",
                    f'optional field {record}.{name} needs "default": null',
                )
            elif field["default"] is not None:
                self.add(
                    "OPTIONAL_DEFAULT",
                    f"{pointer}/default",
                    f"optional field {record}.{name} should default to null, not "
                    f"{_short(field['default'])}",
                )
        self.type_(kind, f"{pointer}/type", space)


def _has_doc(node: dict[str, Any]) -> bool:
    doc = node.get("doc")
    return isinstance(doc, str) and bool(doc.strip())


def _short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
