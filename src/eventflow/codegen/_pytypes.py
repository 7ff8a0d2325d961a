"""Avro schema -> Python annotation, conversion expressions and default values (pure).

fastavro already turns logical types into ``Decimal``, ``UUID``, ``date``, ``time`` and
``datetime`` both ways, so those convert as identity; records convert through the generated
``to_avro_dict``/``from_avro_dict``; enums are ``StrEnum`` members, which fastavro accepts
as their symbol.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from eventflow.codegen._errors import CodegenError
from eventflow.codegen._literals import py_str
from eventflow.codegen._type_table import NamedType
from eventflow.contracts import NAMED_KINDS, PRIMITIVES, definition_name, full_name

_PRIMITIVE_PY = {
    "null": "None",
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "bytes": "bytes",
    "string": "str",
}
_LOGICAL_PY = {
    ("bytes", "decimal"): "_decimal.Decimal",
    ("string", "uuid"): "_uuid.UUID",
    ("int", "date"): "_dt.date",
    ("int", "time-millis"): "_dt.time",
    ("long", "time-micros"): "_dt.time",
    ("long", "timestamp-millis"): "_dt.datetime",
    ("long", "timestamp-micros"): "_dt.datetime",
    ("long", "local-timestamp-millis"): "_dt.datetime",
    ("long", "local-timestamp-micros"): "_dt.datetime",
}
_MODULE_OF_ALIAS = {
    "_decimal": "decimal",
    "_uuid": "uuid",
    "_dt": "datetime",
    "_enum": "enum",
    "_dc": "dataclasses",
    "_t": "typing",
    "_abc": "collections.abc",
}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class TypeMapper:
    """Maps schemas for one generated module, recording the imports it needs."""

    def __init__(self, table: Mapping[str, NamedType], module: str, path: str) -> None:
        self.table = table
        self.module = module
        self.path = path
        self.aliases: set[str] = set()  # stdlib module aliases used, e.g. "_dt"
        self.classes: set[tuple[str, str]] = set()  # (module, class) from other modules
        self.uses_runtime = False

    # ---------------------------------------------------------------- resolution
    def named(self, schema: Any, ns: str | None) -> NamedType | None:
        """The named type a schema is or refers to, else ``None``."""
        if isinstance(schema, str) and schema not in PRIMITIVES:
            name = full_name(schema, ns)
        elif isinstance(schema, Mapping):
            kind = schema.get("type")
            if kind in NAMED_KINDS:
                name = definition_name(schema, ns)
            elif isinstance(kind, str) and kind not in PRIMITIVES and kind not in ("array", "map"):
                name = full_name(kind, ns)
            elif isinstance(kind, Mapping):
                return self.named(kind, ns)
            else:
                return None
        else:
            return None
        if name not in self.table:
            raise CodegenError(f"{self.path}: unknown type {name!r}")
        return self.table[name]

    def ref(self, named: NamedType) -> str:
        if named.module != self.module:
            self.classes.add((named.module, named.class_name))
        return named.class_name

    def _alias(self, expr: str) -> str:
        self.aliases.add(expr.split(".", 1)[0])
        return expr

    # ---------------------------------------------------------------- annotation
    def annotation(self, schema: Any, ns: str | None) -> str:
        if isinstance(schema, list):
            parts = [self.annotation(b, ns) for b in schema if b != "null"]
            return " | ".join(parts + (["None"] if "null" in schema else []))
        named = self.named(schema, ns)
        if named is not None:
            return (
                "bytes"
                if named.kind == "fixed" and not _is_decimal(named.json)
                else (self._alias("_decimal.Decimal") if named.kind == "fixed" else self.ref(named))
            )
        if isinstance(schema, str):
            return _PRIMITIVE_PY[schema]
        kind = schema["type"]
        if kind == "array":
            return f"list[{self.annotation(schema['items'], ns)}]"
        if kind == "map":
            return f"dict[str, {self.annotation(schema['values'], ns)}]"
        if isinstance(kind, list | Mapping):
            return self.annotation(kind, ns)
        logical = _LOGICAL_PY.get((kind, schema.get("logicalType", "")))
        return self._alias(logical) if logical else _PRIMITIVE_PY[kind]

    # ---------------------------------------------------------------- conversions
    def to_avro(self, schema: Any, ns: str | None, expr: str, depth: int = 0) -> str | None:
        """Expression turning ``expr`` into what fastavro writes; ``None`` means unchanged."""
        return self._convert(schema, ns, expr, depth, outgoing=True)

    def from_avro(self, schema: Any, ns: str | None, expr: str, depth: int = 0) -> str | None:
        """Expression turning what fastavro read (``expr``) into the field value."""
        return self._convert(schema, ns, expr, depth, outgoing=False)

    def _convert(
        self, schema: Any, ns: str | None, expr: str, depth: int, *, outgoing: bool
    ) -> str | None:
        if isinstance(schema, list):
            return self._union(schema, ns, expr, depth, outgoing=outgoing)
        named = self.named(schema, ns)
        if named is not None:
            if named.kind == "record":
                cls = self.ref(named)
                return f"{expr}.to_avro_dict()" if outgoing else f"{cls}.from_avro_dict({expr})"
            if named.kind == "enum":
                return None if outgoing else f"{self.ref(named)}({expr})"
            return None
        if isinstance(schema, str):
            return None
        kind = schema["type"]
        var = f"v{depth}"
        if kind == "array":
            inner = self._convert(schema["items"], ns, var, depth + 1, outgoing=outgoing)
            return None if inner is None else f"[{inner} for {var} in {expr}]"
        if kind == "map":
            inner = self._convert(schema["values"], ns, var, depth + 1, outgoing=outgoing)
            key = f"k{depth}"
            return (
                None if inner is None else f"{{{key}: {inner} for {key}, {var} in {expr}.items()}}"
            )
        if isinstance(kind, list):
            return self._union(kind, ns, expr, depth, outgoing=outgoing)
        if isinstance(kind, Mapping):
            return self._convert(kind, ns, expr, depth, outgoing=outgoing)
        return None

    def _union(
        self, branches: list[Any], ns: str | None, expr: str, depth: int, *, outgoing: bool
    ) -> str | None:
        others = [b for b in branches if b != "null"]
        if len(others) == 1:
            inner = self._convert(others[0], ns, expr, depth, outgoing=outgoing)
            if inner is None or len(branches) == 1:
                return inner
            return f"None if {expr} is None else {inner}"
        records: list[NamedType] = []
        enums: list[NamedType] = []
        for branch in others:
            named = self.named(branch, ns)
            if named is not None and named.kind == "record":
                records.append(named)
            elif named is not None and named.kind == "enum":
                enums.append(named)
            elif self._convert(branch, ns, "x", depth, outgoing=outgoing) is not None:
                raise CodegenError(
                    f"{self.path}: a union of several branches containing an array or map of "
                    "records or enums is not supported by codegen; wrap it in a record"
                )
        if not records and not enums:
            return None
        self.uses_runtime = True
        if outgoing:
            return f"_rt.union_to_avro({expr})"
        record_map = ", ".join(f"{py_str(r.fullname)}: {self.ref(r)}" for r in records)
        # a union with a string branch: only (name, symbol) tuples become enum members
        refs = [self.ref(e) for e in enums]
        enum_tuple = f"{refs[0]}," if len(refs) == 1 else ", ".join(refs)
        strings = any(
            b == "string" or (isinstance(b, Mapping) and b.get("type") == "string") for b in others
        )
        flag = ", strings=True" if strings else ""
        return f"_rt.union_from_avro({expr}, {{{record_map}}}, ({enum_tuple}){flag})"

    # ---------------------------------------------------------------- defaults
    def default(self, schema: Any, ns: str | None, value: Any) -> str:
        """A Python expression for an Avro JSON default value of ``schema``."""
        if isinstance(schema, list):
            return self.default(schema[0], ns, value)
        named = self.named(schema, ns)
        if named is not None:
            return self._named_default(named, value)
        if isinstance(schema, str):
            return _primitive_default(schema, value)
        kind = schema["type"]
        if kind == "array":
            return "[" + ", ".join(self.default(schema["items"], ns, v) for v in value) + "]"
        if kind == "map":
            items = ", ".join(
                f"{py_str(k)}: {self.default(schema['values'], ns, v)}" for k, v in value.items()
            )
            return "{" + items + "}"
        if isinstance(kind, list | Mapping):
            return self.default(kind, ns, value)
        logical = schema.get("logicalType")
        if (kind, logical) in _LOGICAL_PY:
            return self._logical_default(logical, schema, value)
        return _primitive_default(kind, value)

    def _named_default(self, named: NamedType, value: Any) -> str:
        if named.kind == "enum":
            return f"{self.ref(named)}.{value}"
        if named.kind == "fixed":
            if _is_decimal(named.json):
                return self._decimal_default(named.json, value)
            return py_bytes(value.encode("latin-1"))
        args = []
        inner_ns = named.namespace
        for field in named.json.get("fields", ()):
            if field["name"] in value:
                field_value = value[field["name"]]
            elif "default" in field:
                field_value = field["default"]
            else:
                raise CodegenError(
                    f"{self.path}: default of {named.fullname} lacks field {field['name']!r}"
                )
            args.append(f"{field['name']}={self.default(field['type'], inner_ns, field_value)}")
        return f"{self.ref(named)}({', '.join(args)})"

    def _logical_default(self, logical: str, schema: Mapping[str, Any], value: Any) -> str:
        if logical == "decimal":
            return self._decimal_default(schema, value)
        if logical == "uuid":
            return f"{self._alias('_uuid.UUID')}({py_str(value)})"
        self.aliases.add("_dt")
        if logical == "date":
            return f"_dt.date(1970, 1, 1) + _dt.timedelta(days={int(value)})"
        unit = "milliseconds" if logical.endswith("millis") else "microseconds"
        if logical in ("time-millis", "time-micros"):
            moment = (EPOCH + dt.timedelta(**{unit: int(value)})).time()
            return (
                f"_dt.time({moment.hour}, {moment.minute}, {moment.second}, {moment.microsecond})"
            )
        zone = "tzinfo=_dt.UTC" if logical.startswith("timestamp") else ""
        return f"_dt.datetime(1970, 1, 1, {zone}) + _dt.timedelta({unit}={int(value)})".replace(
            ", )", ")"
        )

    def _decimal_default(self, schema: Mapping[str, Any], value: Any) -> str:
        unscaled = int.from_bytes(str(value).encode("latin-1"), "big", signed=True)
        number = decimal.Decimal(unscaled).scaleb(-int(schema.get("scale", 0)))
        return f"{self._alias('_decimal.Decimal')}({py_str(str(number))})"

    def imports_of_alias(self) -> list[str]:
        return sorted(f"import {_MODULE_OF_ALIAS[a]} as {a}" for a in self.aliases)


def _is_decimal(schema: Mapping[str, Any]) -> bool:
    return schema.get("logicalType") == "decimal"


def _primitive_default(kind: str, value: Any) -> str:
    if kind == "null":
        return "None"
    if kind == "boolean":
        return "True" if value else "False"
    if kind in ("int", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        return repr(float(value))
    if kind == "bytes":
        return py_bytes(str(value).encode("latin-1"))
    return py_str(str(value))


def py_bytes(data: bytes) -> str:
    """A bytes literal as ruff formats it."""
    text = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '\\"' else f"\\x{b:02x}" for b in data)
    return f'b"{text}"'
