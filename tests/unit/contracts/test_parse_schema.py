"""parse_schema: Java Schema.Parser acceptance and rejections, located errors, canonical form."""

from __future__ import annotations

import json

import pytest

from eventflow.contracts import ParsedSchema, SchemaParseError, parse_schema
from eventflow.errors import ConfigError


def record(fields: list[object], name: str = "R", **extra: object) -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields, **extra})


def rejects(text: str, fragment: str) -> SchemaParseError:
    with pytest.raises(SchemaParseError) as info:
        parse_schema(text, source="s.avsc")
    assert fragment in str(info.value), str(info.value)
    return info.value


def test_parsed_schema_exposes_fullname_named_types_and_canonical_form() -> None:
    text = json.dumps(
        {
            "type": "record",
            "name": "OrderPlaced",
            "namespace": "com.acme",
            "doc": "dropped from canonical form",
            "fields": [
                {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
                {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
                {"name": "again", "type": "Kind"},
            ],
        }
    )
    parsed = parse_schema(text, source="order.avsc")
    assert isinstance(parsed, ParsedSchema)
    assert parsed.fullname == "com.acme.OrderPlaced"
    assert set(parsed.named_types) == {"com.acme.OrderPlaced", "com.acme.Kind"}
    assert parsed.canonical == (
        '{"name":"com.acme.OrderPlaced","type":"record","fields":['
        '{"name":"id","type":"string"},'
        '{"name":"kind","type":{"name":"com.acme.Kind","type":"enum","symbols":["A","B"]}},'
        '{"name":"again","type":"com.acme.Kind"}]}'
    )


def test_fingerprint_is_crc64_avro_like_java() -> None:
    # Reference values from the Avro specification's test vectors (SchemaNormalization).
    assert parse_schema('"int"').fingerprint == 8247732601305521295
    assert parse_schema('"null"').fingerprint == 7195948357588979594


def test_fingerprint_equal_for_equivalent_texts_and_distinct_otherwise() -> None:
    a = parse_schema('{"type": "array", "items": "long", "doc": "x"}')
    b = parse_schema('{"items":"long","type":"array"}')
    c = parse_schema('{"type": "array", "items": "int"}')
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


def test_locate_maps_json_pointers_to_lines_and_columns() -> None:
    text = (
        '{\n  "type": "record",\n  "name": "R",\n  "fields": [\n'
        '    {"name": "a", "type": "int"}\n  ]\n}'
    )
    parsed = parse_schema(text)
    assert parsed.locate("") == (1, 1)
    assert parsed.locate("/fields/0") == (5, 5)
    assert parsed.locate("/fields/0/type") == (5, 27)
    assert parsed.locate("/nope") is None


def test_recursive_record_and_forward_reference_resolve() -> None:
    text = record(
        [
            {"name": "next", "type": ["null", "R"], "default": None},
            {"name": "later", "type": "Later"},
            {"name": "def", "type": {"type": "fixed", "name": "Later", "size": 2}},
        ]
    )
    parsed = parse_schema(text)
    assert parsed.root.fields[0].schema.branches[1] is parsed.root
    assert parsed.root.fields[1].schema is parsed.root.fields[2].schema


def test_references_supply_named_types() -> None:
    env = parse_schema('{"type":"record","name":"c.Env","fields":[{"name":"id","type":"string"}]}')
    event = parse_schema(
        '{"type":"record","name":"c.Evt","fields":[{"name":"env","type":"Env"}]}',
        references=[env],
    )
    assert event.root.fields[0].schema is env.root
    assert '"name":"c.Env"' in event.canonical  # references are inlined
    assert set(event.named_types) == {"c.Evt"}


def test_schema_parse_error_is_a_config_error_with_position() -> None:
    err = rejects(
        '{"type": "record", "name": "R", "fields": [\n  {"name": "a", "type": "nope"}]}', "nope"
    )
    assert isinstance(err, ConfigError)
    assert (err.source, err.line, err.column) == ("s.avsc", 2, 25)
    assert str(err).startswith("s.avsc:2:25: unknown type 'nope'")


def test_invalid_json_names_line_and_column() -> None:
    err = rejects('{"type": "record",\n "name": }', "invalid JSON")
    assert (err.line, err.column) == (2, 10)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"type": "nope"}', "unknown type 'nope'"),
        ("42", "not a schema"),
        ('{"name": "x"}', 'without a string "type"'),
        ('{"type": "array"}', 'without "items"'),
        ('{"type": "map"}', 'without "values"'),
        ('{"type": "record", "name": "R"}', 'no "fields"'),
        ('{"type": "record", "fields": []}', 'without a "name"'),
        ('{"type": "enum", "name": "E"}', 'no "symbols"'),
        ('{"type": "enum", "name": "E", "symbols": ["A", "A"]}', "duplicate enum symbol 'A'"),
        ('{"type": "enum", "name": "E", "symbols": ["A", "1B"]}', "invalid enum symbol"),
        ('{"type": "enum", "name": "E", "symbols": ["A"], "default": "Z"}', "enum default 'Z'"),
        ('{"type": "fixed", "name": "F"}', 'integer "size"'),
        ('{"type": "fixed", "name": "F", "size": -1}', "invalid size"),
        ('{"type": "fixed", "name": "F", "size": 1.5}', 'integer "size"'),
        ('{"type": "record", "name": "1R", "fields": []}', "invalid type name"),
        ('{"type": "record", "name": "a-b", "fields": []}', "illegal character"),
        ('{"type": "record", "name": "R", "namespace": "a.1b", "fields": []}', "invalid namespace"),
        ('{"type": "record", "name": "int", "fields": []}', "may not be called 'int'"),
        (
            record([{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]),
            "duplicate field 'a'",
        ),
        (record([{"name": "a-b", "type": "int"}]), "invalid field name"),
        (record([{"type": "int"}]), 'field without a string "name"'),
        (record([{"name": "a"}]), 'has no "type"'),
        (record([{"name": "a", "type": "int", "order": "up"}]), '"order" must be'),
        (record([{"name": "a", "type": "int", "default": "x"}]), "invalid default for field 'a'"),
        (record([{"name": "a", "type": "int", "default": 2**31}]), "invalid default"),
        (record([{"name": "a", "type": "long", "default": 1.5}]), "invalid default"),
        (record([{"name": "a", "type": "boolean", "default": 0}]), "invalid default"),
        (record([{"name": "a", "type": "null", "default": 0}]), "invalid default"),
        (record([{"name": "a", "type": "double", "default": "abc"}]), "is not a number"),
        (
            record([{"name": "a", "type": {"type": "array", "items": "int"}, "default": [1, "x"]}]),
            "invalid default",
        ),
        (record([{"name": "a", "type": ["null", "int"], "default": "x"}]), "invalid default"),
        (record([{"name": "a", "type": "int", "aliases": "b"}]), "aliases"),
        ('["int", "int"]', "union contains 'int' twice"),
        ('["int", ["long"]]', "may not directly contain another union"),
        (
            '[{"type": "array", "items": "int"}, {"type": "array", "items": "long"}]',
            "'array' twice",
        ),
        (
            '[{"type":"fixed","name":"F","size":1},{"type":"fixed","name":"F","size":2}]',
            "defined twice",
        ),
    ],
)
def test_rejects_invalid_avro_like_java(text: str, fragment: str) -> None:
    rejects(text, fragment)


@pytest.mark.parametrize(
    "text",
    [
        # union default may match any branch in Java 1.12 (not only the first)
        record([{"name": "a", "type": ["null", "int"], "default": 3}]),
        # textual float/double defaults are parsed as numbers
        record([{"name": "a", "type": "double", "default": "NaN"}]),
        record([{"name": "a", "type": "float", "default": "1.5"}]),
        # invalid logical types are ignored, not errors
        '{"type": "bytes", "logicalType": "decimal", "precision": -3}',
        # the error type is a record
        '{"type": "error", "name": "Oops", "fields": [{"name": "m", "type": "string"}]}',
        # Unicode letters are valid names (Character.isLetter)
        record([{"name": "größe", "type": "int"}], name="Maß"),
        # a field alias equal to a type name, enum default of a symbol
        '{"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "B"}',
        # a null default counts as a default and is valid for null
        record([{"name": "a", "type": "null", "default": None}]),
        # record default: missing keys take the inner field default
        record(
            [
                {
                    "name": "inner",
                    "type": {
                        "type": "record",
                        "name": "In",
                        "fields": [{"name": "x", "type": "int", "default": 1}],
                    },
                    "default": {},
                }
            ]
        ),
    ],
)
def test_accepts_what_java_accepts(text: str) -> None:
    parsed = parse_schema(text)
    assert parsed.json == json.loads(text)
    assert parsed.canonical  # a Parsing Canonical Form exists for every accepted schema


def test_identical_redefinition_is_accepted_like_java_but_a_different_one_is_not() -> None:
    fixed = {"type": "fixed", "name": "F", "size": 2}
    parse_schema(json.dumps([fixed, {"type": "array", "items": fixed}]))
    ref = parse_schema(json.dumps(fixed))
    parse_schema(json.dumps({"type": "array", "items": fixed}), references=[ref])
    with pytest.raises(SchemaParseError, match="defined twice, differently"):
        parse_schema(json.dumps({**fixed, "size": 3}), references=[ref])


def test_defaults_can_go_unchecked_like_the_registry_does_for_stored_versions() -> None:
    text = record([{"name": "a", "type": "int", "default": "x"}])
    with pytest.raises(SchemaParseError, match="invalid default"):
        parse_schema(text)
    parsed = parse_schema(text, validate_defaults=False)
    assert parsed.root.fields[0].has_default


def test_nan_and_infinity_literals_are_invalid_json_with_position() -> None:
    err = rejects(
        record([{"name": "a", "type": "double"}]).replace('"double"}', '"double", "default": NaN}'),
        "NaN",
    )
    assert (err.line, err.column) == (1, 87)
    err = rejects('[\n  "null",\n  -Infinity]', "Infinity")
    assert (err.line, err.column) == (3, 3)
