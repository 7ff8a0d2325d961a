"""Pure rendering of `schema register` and the files `schema pull` writes."""

from __future__ import annotations

import json

from eventflow.cli.schema._pull import pulled_files
from eventflow.cli.schema._register import format_sync
from eventflow.registry._client import RegisteredSchema, SchemaReference
from eventflow.registry._sync import SubjectSync


def test_register_output_names_every_change_and_sums_up():
    lines = format_sync(
        [
            SubjectSync("a", "created", 1, 1, ("BACKWARD", "FULL_TRANSITIVE")),
            SubjectSync("b", "unchanged", 2, 3),
            SubjectSync(
                "c",
                "incompatible",
                messages=(
                    "{errorType:'X', description:'field \\'f\\' has no default', additionalInfo:'f'}",
                    "{oldSchemaVersion: 1}",
                    '{oldSchema: \'{"type":"record"}\'}',
                    "{compatibility: 'BACKWARD'}",
                ),
            ),
            SubjectSync(
                "d", "blocked", messages=("a referenced shared type is not registered yet",)
            ),
        ],
        dry_run=False,
    )
    assert lines[0].split() == ["created", "a", "v1", "(id", "1)"]
    assert lines[1].split() == ["level", "set", "a", "BACKWARD", "->", "FULL_TRANSITIVE"]
    assert lines[2].split() == ["unchanged", "b", "v3", "(id", "2)"]
    assert lines[3].split() == ["INCOMPATIBLE", "c"]
    assert lines[4] == "  X: field \\'f\\' has no default"  # no raw dict, no dumped schema
    assert lines[5].split() == ["BLOCKED", "d"]
    assert lines[-1] == (
        "4 subject(s): 1 created, 1 unchanged, 1 incompatible, 1 blocked; 1 level change(s)"
    )


def test_dry_run_output_says_would():
    lines = format_sync(
        [SubjectSync("a", "would create", level_change=("BACKWARD", "FULL"))], dry_run=True
    )
    assert lines[0].split() == ["would", "create", "a"]
    assert lines[1].split() == ["would", "set", "a", "BACKWARD", "->", "FULL"]
    assert lines[-1].endswith("(dry run: nothing changed)")


def test_pulled_files_are_pretty_schemas_references_and_an_index():
    ref = SchemaReference("c.Env", "c.Env", 2)
    files = pulled_files(
        "s",
        [
            RegisteredSchema(7, "s", 1, '{"type":"string"}'),
            RegisteredSchema(9, "s", 2, '{"type":"record","name":"R","fields":[]}', (ref,)),
        ],
    )
    assert sorted(files) == ["v1.avsc", "v2.avsc", "v2.references.json", "versions.json"]
    assert json.loads(files["v2.avsc"])["name"] == "R" and files["v2.avsc"].count("\n") > 1
    assert json.loads(files["v2.references.json"]) == [
        {"name": "c.Env", "subject": "c.Env", "version": 2}
    ]
    assert json.loads(files["versions.json"]) == {
        "subject": "s",
        "versions": [{"version": 1, "id": 7}, {"version": 2, "id": 9}],
    }
