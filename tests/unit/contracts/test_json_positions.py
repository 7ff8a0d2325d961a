"""The position-tracking JSON scanner behind ParsedSchema.locate and located errors."""

from __future__ import annotations

import json

from eventflow.contracts._json_positions import escape_pointer_token, scan_positions


def test_every_value_of_a_nested_document_is_located() -> None:
    text = '{\n  "a": [1, {"b": null}],\n\t"c": "x"\n}'
    positions = scan_positions(text)
    assert positions == {
        "": (1, 1),
        "/a": (2, 8),
        "/a/0": (2, 9),
        "/a/1": (2, 12),
        "/a/1/b": (2, 18),
        "/c": (3, 7),
    }


def test_keys_with_escapes_and_pointer_special_characters() -> None:
    text = '{"a\\"b": 1, "x/y": 2, "t~n": 3, "\\u00e9": 4, "\\ud83d\\ude00": 5}'
    positions = scan_positions(text)
    assert set(positions) == {"", '/a"b', "/x~1y", "/t~0n", "/é", "/\U0001f600"}
    assert positions["/x~1y"] == (1, 20)


def test_strings_containing_brackets_do_not_confuse_the_scanner() -> None:
    text = '["[{,", {"k": "}]\\\\"}, 3]'
    assert scan_positions(text) == {
        "": (1, 1),
        "/0": (1, 2),
        "/1": (1, 9),
        "/1/k": (1, 15),
        "/2": (1, 24),
    }


def test_empty_containers_and_literals() -> None:
    text = '{"a": {}, "b": [], "c": true, "d": -1.5e3}'
    positions = scan_positions(text)
    assert positions["/a"] == (1, 7)
    assert positions["/d"] == (1, 36)
    assert "/a/0" not in positions


def test_malformed_text_keeps_what_was_found() -> None:
    positions = scan_positions('{"a": 1, "b": ')
    assert positions["/a"] == (1, 7)
    assert "/b" not in positions


def test_positions_agree_with_json_module_on_a_real_schema() -> None:
    doc = {
        "type": "record",
        "name": "R",
        "fields": [{"name": f"f{i}", "type": "int"} for i in range(5)],
    }
    text = json.dumps(doc, indent=3)
    lines = text.splitlines()
    for index in range(5):
        line, column = scan_positions(text)[f"/fields/{index}/name"]
        assert lines[line - 1][column - 1 :].startswith(f'"f{index}"')


def test_escape_pointer_token() -> None:
    assert escape_pointer_token("a/b~c") == "a~1b~0c"
