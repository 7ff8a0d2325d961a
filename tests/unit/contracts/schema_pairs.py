"""Seeded random Avro schemas and evolutions of them, plus hand-written edge cases.

Used by the differential test against Avro Java: every pair is checked both ways by both
engines. The generator favours what resolution is sensitive to: defaults, aliases (short,
full, empty namespace, ambiguous), namespaces, enum symbols and defaults, fixed sizes,
promotions, unions, reused and recursive named types.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

__all__ = ["HAND_PAIRS", "PARSE_CASES", "SchemaGenerator", "random_pairs"]

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
PROMOTABLE = {
    "int": ["long", "float", "double"],
    "long": ["float", "double"],
    "float": ["double"],
    "string": ["bytes"],
    "bytes": ["string"],
}
DEFAULTS: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "int": 1,
    "long": 2,
    "float": 1.5,
    "double": 2.5,
    "bytes": "\u0000",
    "string": "s",
}
NAMESPACES = [None, "a", "b", "a.b"]


class SchemaGenerator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0
        self.defined: list[str] = []  # full names usable by name later in the same schema

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def type_(self, depth: int, namespace: str | None) -> Any:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45 or depth <= 0:
            return rng.choice(PRIMITIVES[1:])
        if roll < 0.52 and self.defined:
            return rng.choice(self.defined)
        if roll < 0.60:
            symbols = rng.sample(["A", "B", "C", "D", "E"], rng.randint(1, 4))
            enum: dict[str, Any] = {"type": "enum", "name": self.fresh("E"), "symbols": symbols}
            if rng.random() < 0.3:
                enum["default"] = rng.choice(symbols)
            self._define(enum, namespace)
            return enum
        if roll < 0.66:
            fixed = {"type": "fixed", "name": self.fresh("F"), "size": rng.choice([2, 4, 8])}
            self._define(fixed, namespace)
            return fixed
        if roll < 0.72:
            return {"type": "array", "items": self.type_(depth - 1, namespace)}
        if roll < 0.77:
            return {"type": "map", "values": self.type_(depth - 1, namespace)}
        if roll < 0.90:
            return self.union(depth, namespace)
        return self.record(depth - 1, namespace)

    def union(self, depth: int, namespace: str | None) -> list[Any]:
        branches: list[Any] = []
        if self.rng.random() < 0.7:
            branches.append("null")
        for prim in self.rng.sample(PRIMITIVES[1:], self.rng.randint(1, 3)):
            branches.append(prim)
        if self.rng.random() < 0.3 and depth > 0:
            branches.append(self.record(depth - 1, namespace))
        if self.rng.random() < 0.15:
            symbols = self.rng.sample(["A", "B", "C"], 2)
            enum = {"type": "enum", "name": self.fresh("UE"), "symbols": symbols}
            self._define(enum, namespace)
            branches.append(enum)
        if self.rng.random() < 0.1:
            branches.append({"type": "array", "items": self.rng.choice(["int", "long", "string"])})
        self.rng.shuffle(branches)
        return branches

    def _define(self, named: dict[str, Any], namespace: str | None) -> None:
        if self.rng.random() < 0.2:
            named["namespace"] = self.rng.choice(["a", "b", "c.d"])
        space = named.get("namespace", namespace)
        self.defined.append(f"{space}.{named['name']}" if space else named["name"])

    def record(
        self, depth: int, namespace: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        kind = "error" if name is None and self.rng.random() < 0.05 else "record"
        record: dict[str, Any] = {"type": kind, "name": name or self.fresh("R"), "fields": []}
        if namespace is None and self.rng.random() < 0.5:
            record["namespace"] = self.rng.choice(NAMESPACES[1:])
        space = record.get("namespace", namespace)
        for index in range(self.rng.randint(1, 5)):
            record["fields"].append(self.field(f"f{index}", depth, space))
        self.defined.append(f"{space}.{record['name']}" if space else record["name"])
        return record

    def field(self, name: str, depth: int, namespace: str | None) -> dict[str, Any]:
        type_ = self.type_(depth, namespace)
        field: dict[str, Any] = {"name": name, "type": type_}
        default = default_for(type_)
        if default is not _NO_DEFAULT and self.rng.random() < 0.5:
            field["default"] = default
        return field


_NO_DEFAULT = object()


def default_for(type_: Any) -> Any:
    if isinstance(type_, str):
        return DEFAULTS.get(type_, _NO_DEFAULT)
    if isinstance(type_, list):
        return default_for(type_[0]) if type_ else _NO_DEFAULT
    kind = type_.get("type")
    if kind in DEFAULTS:
        return DEFAULTS[kind]
    if kind == "enum":
        return type_["symbols"][0]
    if kind == "fixed":
        return "\u0000" * type_["size"]
    if kind == "array":
        return []
    if kind == "map":
        return {}
    return _NO_DEFAULT


def _named_nodes(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        for item in node:
            _named_nodes(item, out)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "error", "enum", "fixed"):
            out.append(node)
        for key in ("fields", "items", "values", "type"):
            if key in node and not isinstance(node[key], str):
                _named_nodes(node[key], out)


def mutate(schema: dict[str, Any], rng: random.Random, gen: SchemaGenerator) -> dict[str, Any]:
    """One to three random evolution steps applied to a copy of ``schema``."""
    new = copy.deepcopy(schema)
    nodes: list[dict[str, Any]] = []
    _named_nodes(new, nodes)
    records = [n for n in nodes if n["type"] in ("record", "error")]
    for _ in range(rng.randint(1, 3)):
        target = rng.choice(nodes)
        kind = target["type"]
        if kind == "error":
            target["type"] = "record"  # error and record are the same type to Java
        elif kind == "enum":
            _mutate_enum(target, rng)
        elif kind == "fixed":
            if rng.random() < 0.5:
                target["size"] = target["size"] * 2
            else:
                _rename(target, rng)
        else:
            _mutate_record(rng.choice(records), rng, gen)
    return new


def _mutate_enum(enum: dict[str, Any], rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.3:
        enum["symbols"].append(rng.choice(["X", "Y", "Z"]) + str(len(enum["symbols"])))
    elif roll < 0.6 and len(enum["symbols"]) > 1:
        removed = enum["symbols"].pop()
        if enum.get("default") == removed:
            del enum["default"]
    elif roll < 0.8:
        if "default" in enum:
            del enum["default"]
        else:
            enum["default"] = enum["symbols"][0]
    else:
        _rename(enum, rng)


def _rename(named: dict[str, Any], rng: random.Random) -> None:
    old = named["name"]
    roll = rng.random()
    if roll < 0.25:
        named["namespace"] = rng.choice(["x", "a", "b"])  # same short name, other namespace
        return
    named["name"] = old + "N"
    if roll < 0.5:
        named["aliases"] = [old]  # short alias, resolved against the namespace
    elif roll < 0.7:
        space = named.get("namespace")
        named["aliases"] = [f"{space}.{old}" if space else old]
    elif roll < 0.8:
        named["aliases"] = ["." + old]  # empty namespace alias


def _mutate_record(record: dict[str, Any], rng: random.Random, gen: SchemaGenerator) -> None:
    fields = record["fields"]
    roll = rng.random()
    space = record.get("namespace")
    if roll < 0.2 or not fields:
        fields.append(gen.field(gen.fresh("n"), 1, space))
    elif roll < 0.32:
        fields.pop(rng.randrange(len(fields)))
    elif roll < 0.55:
        field = rng.choice(fields)
        current = field["type"]
        if isinstance(current, str) and current in PROMOTABLE and rng.random() < 0.7:
            field["type"] = rng.choice(PROMOTABLE[current])
        elif isinstance(current, list) and len(current) > 1 and rng.random() < 0.5:
            current.pop(rng.randrange(len(current)))
        elif isinstance(current, list) and rng.random() < 0.3:
            rng.shuffle(current)
        elif isinstance(current, list) and rng.random() < 0.5:
            extra = [p for p in PRIMITIVES if p not in current]
            if extra:
                current.append(rng.choice(extra))
        elif isinstance(current, str) and rng.random() < 0.5:
            field["type"] = ["null", current] if current != "null" else ["null", "int"]
        else:
            field["type"] = gen.type_(1, space)
        if "default" in field:
            field["default"] = default_for(field["type"])
            if field["default"] is _NO_DEFAULT:
                del field["default"]
    elif roll < 0.7:
        field = rng.choice(fields)
        old = field["name"]
        field["name"] = old + "r"
        if rng.random() < 0.6:
            field["aliases"] = [old]
    elif roll < 0.78 and len(fields) > 1:
        first, second = rng.sample(fields, 2)
        first["aliases"] = [second["name"]]  # may match two writer fields
    elif roll < 0.9:
        field = rng.choice(fields)
        if "default" in field:
            del field["default"]
        else:
            default = default_for(field["type"])
            if default is not _NO_DEFAULT:
                field["default"] = default
    else:
        _rename(record, rng)


def random_pairs(seed: int, count: int) -> list[tuple[str, str]]:
    """``count`` (old, new) schema text pairs from a seeded generator."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        gen = SchemaGenerator(rng)
        base = gen.record(depth=2, name="Root")
        evolved = mutate(base, rng, gen)
        pairs.append((json.dumps(base), json.dumps(evolved)))
    return pairs


def _rec(name: str, fields: list[Any], **extra: Any) -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields, **extra})


_ENUM_D = {"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "A"}
_IN_INT = {"type": "record", "name": "In", "fields": [{"name": "x", "type": "int"}]}
_IN_STR = {"type": "record", "name": "In", "fields": [{"name": "x", "type": "string"}]}
_LIST = {
    "type": "record",
    "name": "L",
    "fields": [
        {"name": "v", "type": "int"},
        {"name": "next", "type": ["null", "L"], "default": None},
    ],
}

# (reader, writer) texts covering each resolution rule and each known Java quirk
HAND_PAIRS: list[tuple[str, str]] = [
    ('"long"', '"int"'),
    ('"int"', '"long"'),
    ('"double"', '"float"'),
    ('"float"', '"double"'),
    ('"bytes"', '"string"'),
    ('"string"', '"bytes"'),
    ('"null"', '"boolean"'),
    ('["null","long"]', '"int"'),
    ('["null","string"]', '"int"'),
    ('"int"', '["null","int"]'),
    ('["int","string"]', '["int","string","null"]'),
    ('["string","int"]', '["int","string"]'),
    ('{"type":"array","items":"long"}', '{"type":"array","items":"int"}'),
    ('{"type":"map","values":"int"}', '{"type":"map","values":"long"}'),
    ('{"type":"map","values":"int"}', '{"type":"array","items":"int"}'),
    (_rec("a.R", []), _rec("b.R", [])),
    (_rec("a.New", [], aliases=["Old"]), _rec("a.Old", [])),
    (_rec("a.New", [], aliases=["Old"]), _rec("b.Old", [])),
    (_rec("a.New", [], aliases=[".Old"]), _rec("Old", [])),
    (_rec("New", [], aliases=["b.Old"]), _rec("b.Old", [])),
    (
        _rec("R", [{"name": "n", "type": "int", "aliases": ["o"]}]),
        _rec("R", [{"name": "o", "type": "int"}]),
    ),
    (
        _rec("R", [{"name": "a", "type": "int", "aliases": ["b"]}]),
        _rec("R", [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]),
    ),
    (
        _rec("R", [{"name": "a", "type": "int", "aliases": ["a"]}]),
        _rec("R", [{"name": "a", "type": "int"}]),
    ),
    (_rec("R", [{"name": "e", "type": _ENUM_D}]), _rec("R", [])),
    (_rec("R", [{"name": "e", "type": _ENUM_D, "default": "B"}]), _rec("R", [])),
    (json.dumps(_ENUM_D), json.dumps({"type": "enum", "name": "E", "symbols": ["A", "B", "C"]})),
    (
        '{"type":"enum","name":"E","symbols":["A"]}',
        '{"type":"enum","name":"E","symbols":["Z","A","B"]}',
    ),
    ('{"type":"fixed","name":"F","size":4}', '{"type":"fixed","name":"F","size":8}'),
    ('{"type":"fixed","name":"G","size":4}', '{"type":"fixed","name":"F","size":8}'),
    (
        _rec("Oops", [{"name": "m", "type": "string"}], type="error"),
        _rec("Oops", [{"name": "m", "type": "string"}]),
    ),
    (
        _rec("R", [{"name": "a", "type": _IN_INT}, {"name": "b", "type": "In"}]),
        _rec("R", [{"name": "a", "type": _IN_STR}, {"name": "b", "type": "In"}]),
    ),
    (json.dumps(_LIST), json.dumps(_LIST)),
    (
        json.dumps(_LIST),
        _rec(
            "L",
            [
                {"name": "v", "type": "long"},
                {"name": "next", "type": ["null", "L"], "default": None},
            ],
        ),
    ),
    (
        _rec(
            "L",
            [
                {"name": "v", "type": "long"},
                {"name": "next", "type": ["null", "L"], "default": None},
            ],
        ),
        json.dumps(_LIST),
    ),
    (
        '["null",' + _rec("A", [{"name": "x", "type": "int"}]) + "]",
        '["null",' + _rec("B", [{"name": "x", "type": "int"}]) + "]",
    ),
]

# texts whose acceptance by Schema.Parser is compared
PARSE_CASES: list[str] = [
    '{"type":"nope"}',
    "42",
    '{"type":"record","name":"R"}',
    '{"type":"record","fields":[]}',
    '{"type":"enum","name":"E","symbols":["A","A"]}',
    '{"type":"enum","name":"E","symbols":["1A"]}',
    '{"type":"enum","name":"E","symbols":["A"],"default":"B"}',
    '{"type":"fixed","name":"F","size":-1}',
    '{"type":"fixed","name":"F","size":1.0}',
    '{"type":"record","name":"1R","fields":[]}',
    '{"type":"record","name":"R","namespace":"a.1b","fields":[]}',
    '{"type":"record","name":"int","fields":[]}',
    '{"type":"record","name":"R","namespace":"a..b","fields":[]}',
    _rec("R", [{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]),
    _rec("R", [{"name": "a-b", "type": "int"}]),
    _rec("R", [{"name": "a", "type": "int", "order": "up"}]),
    _rec("R", [{"name": "a", "type": "int", "default": "x"}]),
    _rec("R", [{"name": "a", "type": "int", "default": 2**31}]),
    _rec("R", [{"name": "a", "type": "long", "default": 1.5}]),
    _rec("R", [{"name": "a", "type": "double", "default": "NaN"}]),
    _rec("R", [{"name": "a", "type": "double", "default": "abc"}]),
    _rec("R", [{"name": "a", "type": ["null", "int"], "default": 3}]),
    _rec("R", [{"name": "a", "type": ["null", "int"], "default": "x"}]),
    _rec("Maß", [{"name": "größe", "type": "int"}]),
    '["int","int"]',
    '["int",["long"]]',
    '[{"type":"array","items":"int"},{"type":"array","items":"long"}]',
    '{"type":"bytes","logicalType":"decimal","precision":-3}',
    '{"type":{"type":"int"}}',
    _rec(
        "R",
        [
            {"name": "a", "type": "Later"},
            {"name": "b", "type": {"type": "fixed", "name": "Later", "size": 1}},
        ],
    ),
    _rec(
        "R",
        [
            {"name": "e", "type": "E", "default": "A"},
            {"name": "d", "type": json.loads(json.dumps(_ENUM_D))},
        ],
    ),
    _rec("R", [{"name": "a", "type": "int", "aliases": ["1bad"]}]),
    _rec("R", [], aliases=["1bad"]),
    '{"type":"record","name":"R","fields":[{"name":"self","type":["null","R"],"default":null}]}',
    '{"type":"enum","name":"E","symbols":[1]}',
    '{"type":"map"}',
    '{"type":"array"}',
    '[{"type":"fixed","name":"F","size":2},{"type":"array","items":{"type":"fixed","name":"F","size":2}}]',
    '[{"type":"fixed","name":"F","size":2},{"type":"array","items":{"type":"fixed","name":"F","size":3}}]',
    '{"type":"record","name":"R","fields":[],"doc":1,"namespace":2}',
    '{"type":"int","logicalType":"date"}',
    '"a.b"',
    '{"type":"record","name":"a.R","fields":[{"name":"x","type":"R"}]}',
    '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"enum","name":"b.E","symbols":["A"]}},{"name":"y","type":"E"}]}',
    '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"enum","name":"E","namespace":"","symbols":["A"]}},{"name":"y","type":"E"}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":"float","default":"1e3"}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":"float","default":"inf"}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":{"type":"array","items":"R"},"default":[{}]}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":{"type":"array","items":"R"},"default":[]}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":"L","default":{}},{"name":"y","type":{"type":"record","name":"L","fields":[{"name":"q","type":"int"}]}}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":"L","default":{"q":1}},{"name":"y","type":{"type":"record","name":"L","fields":[{"name":"q","type":"int"}]}}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":["R","null"],"default":{}}]}',
    '{"type":"record","name":"R","fields":[{"name":"x","type":["null","R"],"default":null}]}',
    '{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"],"default":null}]},"default":{"a":null}}]}',
    '{"type":"record","name":"R","fields":[{"name":"e","type":"E","default":"A"},{"name":"d","type":{"type":"enum","name":"E","symbols":["A"]}}]}',
    # a named type defined twice: identical is accepted by Java 1.12.1, different is "Can't redefine"
    '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"In","fields":[{"name":"v","type":"int"}]}},{"name":"b","type":{"type":"record","name":"In","fields":[{"name":"v","type":"int"}]}}]}',
    '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"In","fields":[{"name":"v","type":"int"}]}},{"name":"b","type":{"type":"record","name":"In","fields":[{"name":"v","type":"long"}]}}]}',
    '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}},{"name":"b","type":{"type":"enum","name":"E","symbols":["A"]}}]}',
    '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]}',
]
