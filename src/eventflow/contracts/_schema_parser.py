"""Build the :class:`AvroNode` graph from decoded JSON, validating like Java's Schema.Parser.

Mirrors Apache Avro Java 1.12 (``Schema.parse`` + ``ParseContext``): the same accepted
inputs and the same rejections, each reported as :class:`InvalidSchema` with the JSON
pointer of the offending value (the caller turns it into ``file:line:col``).

Java behaviours kept on purpose: names are checked with Java's Unicode rules
(``Character.isLetter``/``isLetterOrDigit``/``_``) on the last name part, namespace parts are
checked when a named type is registered; a union default may match *any* branch; a textual
default of a float/double field is parsed as a number; logical types never fail a parse;
names used before their definition resolve at the end (unknown names fail then); a field
typed by a not-yet-defined name validates its default as an empty record would (an object).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eventflow.contracts._avro_model import PRIMITIVE_TYPES, UNRESOLVED, AvroField, AvroNode
from eventflow.contracts._default_values import valid_default
from eventflow.contracts._logical_types import set_logical_type
from eventflow.contracts._naming import full_name
from eventflow.contracts._schema_resolution import (
    InvalidSchema,
    check_union,
    child_pointer,
    resolve_placeholders,
    short_json,
)

__all__ = ["InvalidSchema", "SchemaGraphBuilder", "valid_name_error"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_MAX_FIXED_SIZE = _INT_MAX - 8  # Java's array VM limit
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD_ORDERS = frozenset({"ASCENDING", "DESCENDING", "IGNORE"})
# What java.lang.Double.parseDouble accepts (decimal and hex forms, optional f/d suffix).
_JAVA_DOUBLE = re.compile(
    r"[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
    r"|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+)[fFdD]?)"
)


def valid_name_error(name: object) -> str | None:
    """Why ``name`` is not a valid Avro name for Java 1.12 (UTF validator), else None."""
    if not isinstance(name, str):
        return "null name"
    if _ASCII_NAME.fullmatch(name):
        return None
    if name == "":
        return "empty name"
    first = name[0]
    if not (_java_letter(first) or first == "_"):
        return f"illegal initial character in {name!r} (must be a letter or _)"
    for char in name[1:]:
        if not (_java_letter(char) or char.isdecimal() or char == "_"):
            return f"illegal character {char!r} in {name!r} (letters, digits and _ only)"
    return None


def _java_letter(char: str) -> bool:
    # Java tests UTF-16 units: a supplementary character is two surrogates, never a letter.
    return char.isalpha() and ord(char) <= 0xFFFF


def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


class SchemaGraphBuilder:
    """Parses one schema text's JSON into nodes; ``known`` holds referenced named types."""

    def __init__(
        self,
        source: str,
        known: Mapping[str, AvroNode],
        known_json: Mapping[str, Any] | None = None,
        *,
        validate_defaults: bool = True,
    ) -> None:
        self.source = source
        self.known_old: dict[str, AvroNode] = dict(known)
        self.known_json: Mapping[str, Any] = known_json or {}
        self.validate_defaults = validate_defaults
        self.defined: dict[str, AvroNode] = {}  # named types defined by this text
        self.defined_json: dict[str, Any] = {}
        self._placeholders: list[AvroNode] = []
        self.field_aliases = False  # whether some field of this text declares aliases

    # -- entry point -------------------------------------------------------------------------

    def build(self, doc: Any) -> AvroNode:
        root = self.parse(doc, "", None)
        if not self._placeholders:
            return root
        return resolve_placeholders(
            root, self.defined.values(), self._lookup, validate_defaults=self.validate_defaults
        )

    # -- names -------------------------------------------------------------------------------

    def _lookup(self, fullname: str) -> AvroNode | None:
        return self.known_old.get(fullname) or self.defined.get(fullname)

    def find(self, name: str, namespace: str | None, pointer: str) -> AvroNode:
        if name in PRIMITIVE_TYPES:
            return AvroNode(type=name, source=self.source, pointer=pointer, shape=name)
        fullname = full_name(name, namespace)
        node = self._lookup(fullname) or self._lookup(name)
        if node is not None:
            return node
        placeholder = AvroNode(
            type=UNRESOLVED, source=self.source, pointer=pointer, fullname=fullname
        )
        self._placeholders.append(placeholder)
        return placeholder

    def _name(
        self, obj: dict[str, Any], namespace: str | None, pointer: str
    ) -> tuple[str, str | None]:
        name = _text(obj, "name")
        if name is None:
            raise InvalidSchema(pointer, f'named type without a "name": {short_json(obj)}')
        space = _text(obj, "namespace")
        if space is None:
            space = namespace
        if "." in name:
            space, name = name.rsplit(".", 1)
        problem = valid_name_error(name)
        if problem:
            raise InvalidSchema(child_pointer(pointer, "name"), f"invalid type name: {problem}")
        space = space or None
        fullname = f"{space}.{name}" if space else name
        if fullname in PRIMITIVE_TYPES:
            raise InvalidSchema(
                child_pointer(pointer, "name"), f"a named type may not be called {fullname!r}"
            )
        return name, space

    def _aliases(self, obj: dict[str, Any], pointer: str) -> list[str] | None:
        raw = obj.get("aliases")
        if raw is None:
            return None
        if not isinstance(raw, list):
            raise InvalidSchema(
                child_pointer(pointer, "aliases"), '"aliases" must be an array of strings'
            )
        result: list[str] = []
        for index, alias in enumerate(raw):
            if not isinstance(alias, str):
                raise InvalidSchema(
                    child_pointer(pointer, "aliases", index), "alias must be a string"
                )
            if alias not in result:
                result.append(alias)
        return result

    def _named_aliases(
        self, obj: dict[str, Any], space: str | None, pointer: str
    ) -> frozenset[str]:
        result: set[str] = set()
        for index, alias in enumerate(self._aliases(obj, pointer) or ()):
            alias_space: str | None = space
            alias_name = alias
            if "." in alias:
                alias_space, alias_name = alias.rsplit(".", 1)
            problem = valid_name_error(alias_name)
            if problem:
                raise InvalidSchema(
                    child_pointer(pointer, "aliases", index), f"invalid alias: {problem}"
                )
            alias_space = alias_space or None
            if alias_space is None and space is not None:
                result.add("." + alias_name)
            else:
                result.add(f"{alias_space}.{alias_name}" if alias_space else alias_name)
        return frozenset(result)

    def _register(self, node: AvroNode, obj: dict[str, Any], pointer: str) -> None:
        fullname = node.fullname
        assert fullname is not None
        parts = fullname.split(".")
        for part in parts[:-1]:
            problem = valid_name_error(part)
            if problem:
                raise InvalidSchema(
                    child_pointer(pointer, "namespace"), f"invalid namespace: {problem}"
                )
        existing_json = self.defined_json.get(fullname)
        if fullname in self.known_old:
            existing_json = self.known_json.get(fullname)
        if fullname in self.known_old or existing_json is not None:
            if existing_json is not None and _same_definition(existing_json, obj):
                return
            raise InvalidSchema(
                child_pointer(pointer, "name"),
                f"Can't redefine: {fullname} (type {fullname!r} is defined twice, differently)",
            )
        self.defined[fullname] = node
        self.defined_json[fullname] = obj

    # -- schemas -----------------------------------------------------------------------------

    def parse(self, doc: Any, pointer: str, namespace: str | None) -> AvroNode:
        if isinstance(doc, str):
            return self.find(doc, namespace, pointer)
        if isinstance(doc, list):
            return self._union(doc, pointer, namespace)
        if not isinstance(doc, dict):
            raise InvalidSchema(
                pointer,
                f"not a schema: {short_json(doc)} (expected a type name, an object or an array)",
            )
        type_name = _text(doc, "type")
        if type_name is None:
            raise InvalidSchema(
                pointer, f'schema object without a string "type": {short_json(doc)}'
            )
        if type_name in PRIMITIVE_TYPES:
            node = AvroNode(type=type_name, source=self.source, pointer=pointer, shape=type_name)
            set_logical_type(node, doc)
            return node
        if type_name in ("record", "error"):
            return self._record(doc, pointer, namespace, is_error=type_name == "error")
        if type_name == "enum":
            return self._enum(doc, pointer, namespace)
        if type_name in ("array", "map"):
            key = "items" if type_name == "array" else "values"
            if key not in doc:
                raise InvalidSchema(pointer, f'{type_name} without "{key}"')
            child = self.parse(doc[key], f"{pointer}/{key}", namespace)
            shape = f"{type_name}<{child.shape}>" if child.shape is not None else None
            return AvroNode(
                type=type_name, source=self.source, pointer=pointer, child=child, shape=shape
            )
        if type_name == "fixed":
            return self._fixed(doc, pointer, namespace)
        return self.find(type_name, namespace, f"{pointer}/type")

    def _union(self, doc: list[Any], pointer: str, namespace: str | None) -> AvroNode:
        branches = [self.parse(item, f"{pointer}/{i}", namespace) for i, item in enumerate(doc)]
        shapes = [b.shape for b in branches]
        shape = None if None in shapes else "[" + ",".join(shapes) + "]"  # type: ignore[arg-type]
        node = AvroNode(
            type="union", source=self.source, pointer=pointer, branches=branches, shape=shape
        )
        check_union(node)
        return node

    def _record(
        self, doc: dict[str, Any], pointer: str, namespace: str | None, *, is_error: bool
    ) -> AvroNode:
        name, space = self._name(doc, namespace, pointer)
        fields_doc = doc.get("fields")
        if not isinstance(fields_doc, list):
            raise InvalidSchema(pointer, f'record {name!r} has no "fields" array')
        node = AvroNode(
            type="record",
            source=self.source,
            pointer=pointer,
            name=name,
            namespace=space,
            fullname=f"{space}.{name}" if space else name,
            is_error=is_error,
            fields=[],
            field_map={},
        )
        for position, field_doc in enumerate(fields_doc):
            field = self._field(field_doc, f"{pointer}/fields/{position}", space, position)
            if field.name in node.field_map:
                raise InvalidSchema(
                    child_pointer(pointer, "fields", position, "name"),
                    f"duplicate field {field.name!r} in record {node.fullname!r}",
                )
            node.fields.append(field)
            node.field_map[field.name] = field
        node.aliases = self._named_aliases(doc, space, pointer)
        self._register(node, doc, pointer)
        return node

    def _field(self, doc: Any, pointer: str, namespace: str | None, position: int) -> AvroField:
        name = _text(doc, "name") if isinstance(doc, dict) else None
        if name is None or not isinstance(doc, dict):
            raise InvalidSchema(pointer, f'field without a string "name": {short_json(doc)}')
        if "type" not in doc:
            raise InvalidSchema(pointer, f'field {name!r} has no "type"')
        schema = self.parse(doc["type"], f"{pointer}/type", namespace)
        order = doc.get("order")
        if order is not None and (not isinstance(order, str) or order.upper() not in _FIELD_ORDERS):
            raise InvalidSchema(
                child_pointer(pointer, "order"),
                f'field {name!r}: "order" must be ascending, descending or ignore',
            )
        problem = valid_name_error(name)
        if problem:
            raise InvalidSchema(child_pointer(pointer, "name"), f"invalid field name: {problem}")
        has_default = "default" in doc
        default = doc.get("default")
        if has_default:
            if schema.type in ("float", "double") and isinstance(default, str):
                if _JAVA_DOUBLE.fullmatch(default.strip()) is None:
                    raise InvalidSchema(
                        child_pointer(pointer, "default"),
                        f"invalid default for field {name!r}: {default!r} is not a number",
                    )
                default = _java_double(default)
            if self.validate_defaults and not valid_default(schema, default):
                raise InvalidSchema(
                    child_pointer(pointer, "default"),
                    f"invalid default for field {name!r}: {short_json(default)} "
                    f"is not a valid {schema.describe()}",
                )
        aliases = tuple(self._aliases(doc, pointer) or ())
        self.field_aliases = self.field_aliases or bool(aliases)
        return AvroField(name, position, schema, has_default, default, aliases, pointer)

    def _enum(self, doc: dict[str, Any], pointer: str, namespace: str | None) -> AvroNode:
        name, space = self._name(doc, namespace, pointer)
        symbols_doc = doc.get("symbols")
        if not isinstance(symbols_doc, list):
            raise InvalidSchema(pointer, f'enum {name!r} has no "symbols" array')
        seen: set[str] = set()
        for index, symbol in enumerate(symbols_doc):
            problem = valid_name_error(symbol)
            if problem:
                raise InvalidSchema(
                    child_pointer(pointer, "symbols", index), f"invalid enum symbol: {problem}"
                )
            if symbol in seen:
                raise InvalidSchema(
                    child_pointer(pointer, "symbols", index), f"duplicate enum symbol {symbol!r}"
                )
            seen.add(symbol)
        default = _text(doc, "default")
        if default is not None and default not in seen:
            raise InvalidSchema(
                child_pointer(pointer, "default"),
                f"enum default {default!r} is not one of the symbols",
            )
        node = AvroNode(
            type="enum",
            source=self.source,
            pointer=pointer,
            name=name,
            namespace=space,
            fullname=f"{space}.{name}" if space else name,
            symbols=tuple(symbols_doc),
            symbol_set=frozenset(seen),
            enum_default=default,
        )
        node.aliases = self._named_aliases(doc, space, pointer)
        self._register(node, doc, pointer)
        return node

    def _fixed(self, doc: dict[str, Any], pointer: str, namespace: str | None) -> AvroNode:
        name, space = self._name(doc, namespace, pointer)
        size = doc.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or not _INT_MIN <= size <= _INT_MAX:
            raise InvalidSchema(pointer, f'fixed {name!r} needs an integer "size"')
        if size < 0 or size > _MAX_FIXED_SIZE:
            raise InvalidSchema(
                child_pointer(pointer, "size"), f"fixed {name!r}: invalid size {size}"
            )
        node = AvroNode(
            type="fixed",
            source=self.source,
            pointer=pointer,
            name=name,
            namespace=space,
            fullname=f"{space}.{name}" if space else name,
            size=size,
        )
        set_logical_type(node, doc)
        node.aliases = self._named_aliases(doc, space, pointer)
        self._register(node, doc, pointer)
        return node

    # -- resolution of names used before their definition -----------------------------------


def _java_double(text: str) -> float:
    body = text.strip()
    if body[-1] in "fFdD" and not body.endswith("Infinity"):
        body = body[:-1]
    if "x" in body.lower():
        return float.fromhex(body)
    return float(body.replace("Infinity", "inf"))


def _same_definition(first: Any, second: Any) -> bool:
    strip = ("doc",)
    if isinstance(first, dict) and isinstance(second, dict):
        return {k: v for k, v in first.items() if k not in strip} == {
            k: v for k, v in second.items() if k not in strip
        }
    return bool(first == second)
