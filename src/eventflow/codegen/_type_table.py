"""Every named type of the contracts, where its class goes, and the checks that it can (pure)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eventflow.codegen._errors import CodegenError
from eventflow.contracts import ParsedSchema, namespace_of
from eventflow.serde import collect_named_types

# Names the generated code itself uses; a schema name equal to one of them would shadow it.
RESERVED_NAMES = frozenset({"_abc", "_dc", "_dt", "_decimal", "_enum", "_t", "_uuid", "_rt", "cls"})
RESERVED_MEMBERS = frozenset(
    {
        "AVRO_NAME",
        "AVRO_SCHEMA",
        "AVRO_FINGERPRINT",
        "AVRO_SCHEMA_JSON",
        "EVENT_TYPE",
        "PARTITION_KEY",
        "to_avro_dict",
        "from_avro_dict",
        "data",
        "self",
        "bool",
        "bytes",
        "dict",
        "float",
        "int",
        "list",
        "str",
    }
)
RESERVED_MODULES = frozenset({"by_event_type"})


@dataclass(frozen=True)
class SchemaFile:
    """One contract file: its path relative to the schemas folder and its parsed schema."""

    path: str
    schema: ParsedSchema


@dataclass(frozen=True)
class EventInfo:
    """Manifest facts about an event record."""

    event_type: str
    partition_key: str


@dataclass(frozen=True)
class NamedType:
    """One named Avro type and the Python class (or alias) generated for it."""

    fullname: str
    kind: str  # "record" | "enum" | "fixed"
    json: Mapping[str, Any]
    file: str
    module: str
    class_name: str
    top_level: bool  # the file's top-level type

    @property
    def namespace(self) -> str | None:
        return namespace_of(self.fullname)


def module_name(path: str) -> str:
    """``events/OrderPlaced.avsc`` -> ``order_placed``."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", stem)
    return re.sub(r"[^0-9a-zA-Z_]", "_", snake).lower()


def check_identifier(name: str, what: str, path: str) -> None:
    """Raise unless ``name`` can be a Python name in generated code."""
    if not name.isidentifier() or not name.isascii():
        raise CodegenError(f"{path}: {what} {name!r} is not a valid Python identifier")
    if keyword.iskeyword(name):
        raise CodegenError(f"{path}: {what} {name!r} is a Python keyword")
    if name in RESERVED_NAMES or (name.startswith("__") and name.endswith("__")):
        raise CodegenError(f"{path}: {what} {name!r} is reserved by the generated code")


def build_type_table(files: Sequence[SchemaFile]) -> dict[str, NamedType]:
    """Every named type, checked: identifiers, and no two types clashing in name or module."""
    table: dict[str, NamedType] = {}
    modules: dict[str, str] = {}
    simple: dict[str, NamedType] = {}
    for file in files:
        module = module_name(file.path)
        check_identifier(module, "module name (from the file name)", file.path)
        if module in RESERVED_MODULES or module in modules:
            other = modules.get(module, "the generated package")
            raise CodegenError(
                f"{file.path}: its module name {module!r} clashes with {other}; rename the file"
            )
        modules[module] = file.path
        for index, (fullname, definition) in enumerate(
            collect_named_types(file.schema.json).items()
        ):
            named = NamedType(
                fullname=fullname,
                kind="record" if definition["type"] == "error" else str(definition["type"]),
                json=definition,
                file=file.path,
                module=module,
                class_name=fullname.rpartition(".")[2],
                top_level=index == 0,
            )
            _check_type(named, table, simple)
            table[fullname] = named
            simple[named.class_name] = named
    _check_fields_do_not_shadow_classes(table)
    return table


def _check_fields_do_not_shadow_classes(table: Mapping[str, NamedType]) -> None:
    """A field named like a generated class would shadow it in annotations (mypy rejects it)."""
    classes = {named.class_name: named for named in table.values()}
    for named in table.values():
        for field in named.json.get("fields", ()) if named.kind == "record" else ():
            clash = classes.get(str(field["name"]))
            if clash is not None:
                raise CodegenError(
                    f"{named.file}: field {named.class_name}.{field['name']} has the name of the "
                    f"class of {clash.fullname}; rename the field"
                )


def _check_type(
    named: NamedType, table: Mapping[str, NamedType], simple: Mapping[str, NamedType]
) -> None:
    path = named.file
    if named.fullname in table:
        raise CodegenError(
            f"{path}: type {named.fullname} is also defined in {table[named.fullname].file}; "
            "define it once and refer to it by name"
        )
    check_identifier(named.class_name, f"type name of {named.fullname}", path)
    if named.class_name in RESERVED_MEMBERS:
        raise CodegenError(
            f"{path}: type name {named.class_name!r} is reserved by the generated code"
        )
    clash = simple.get(named.class_name)
    if clash is not None:
        raise CodegenError(
            f"{path}: type {named.fullname} clashes with {clash.fullname} ({clash.file}): "
            f"both would be the class eventflow.events.{named.class_name}; rename one"
        )
    if named.kind == "record":
        seen: set[str] = set()
        for field in named.json.get("fields", ()):
            name = str(field["name"])
            check_identifier(name, f"field {named.class_name}.{name}", path)
            if name in RESERVED_MEMBERS:
                raise CodegenError(
                    f"{path}: field {named.class_name}.{name} is reserved by the generated code"
                )
            seen.add(name)
    elif named.kind == "enum":
        for symbol in named.json.get("symbols", ()):
            check_identifier(str(symbol), f"symbol {named.class_name}.{symbol}", path)
            if symbol in RESERVED_MEMBERS or (symbol.startswith("_") and symbol.endswith("_")):
                raise CodegenError(
                    f"{path}: symbol {named.class_name}.{symbol} is reserved by the generated code"
                )
