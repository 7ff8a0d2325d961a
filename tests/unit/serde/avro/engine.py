"""Helpers: the value engine of a schema written as JSON (references inlined by the caller)."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro

from eventflow.contracts import parse_schema
from eventflow.serde.avro import SchemaValues, compile_values


def values_of(schema: Any) -> SchemaValues:
    """The compiled engine of a self-contained schema (JSON form)."""
    root = parse_schema(json.dumps(schema), validate_defaults=False).root
    return compile_values(root, schema)


def fastavro_bytes(schema: Any, datum: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), datum)
    return out.getvalue()
