"""Helpers: the value engine of a schema written as JSON (references inlined by the caller)."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro

from eventflow.contracts import AvroNode, parse_schema
from eventflow.serde.avro import SchemaValues, compile_values


def values_of(schema: Any) -> SchemaValues:
    """The compiled engine of a self-contained schema (JSON form)."""
    root = parse_schema(json.dumps(schema), validate_defaults=False).root
    return compile_values(root, schema)


def fastavro_bytes(schema: Any, datum: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), datum)
    return out.getvalue()


def with_branch_names(node: AvroNode, datum: Any) -> Any:
    """``datum`` (complete, as the JSON check converts it) with every non-null union value
    given as ``(branch name, value)``: fastavro picks a branch of a union for an untagged
    value by validating it, and its validation does not know that notation inside it, so
    a record in a union that holds a tagged value is refused although fastavro writes it."""
    if node.type == "union":
        if datum is None:
            return None
        if type(datum) is tuple:
            key, inner = datum
            branch = next(b for b in node.branches if b.union_key == key)
        else:
            (branch,) = [b for b in node.branches if b.type != "null"]
            key, inner = branch.union_key, datum
        return key, with_branch_names(branch, inner)
    if node.type == "record":
        return {f.name: with_branch_names(f.schema, datum[f.name]) for f in node.fields}
    if node.type == "array" and node.child is not None:
        return [with_branch_names(node.child, item) for item in datum]
    if node.type == "map" and node.child is not None:
        return {key: with_branch_names(node.child, item) for key, item in datum.items()}
    return datum
