"""Build small contract folders (manifest + .avsc files) for codegen tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_contracts(
    root: Path, event: tuple[str, str, dict[str, Any]], shared: dict[str, dict[str, Any]]
) -> Path:
    """``event`` is (file, partition key, schema); ``shared`` maps file -> schema."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["pipeline_topics: [t.raw.v1]", "shared_types:"]
    for file, schema in shared.items():
        _write(root / file, schema)
        lines += [
            f"  - record: {_name(schema)}",
            f"    file: {file}",
            "    compatibility: FULL_TRANSITIVE",
            "    owner: team",
        ]
    if not shared:
        lines[-1] = "shared_types: []"
    file, key, schema = event
    _write(root / file, schema)
    lines += [
        "event_types:",
        "  - event_type: t.happened",
        f"    record: {_name(schema)}",
        f"    file: {file}",
        f"    partition_key: {key}",
        "    compatibility: BACKWARD",
        "    owner: team",
        "dead_letter:",
        "  topic: t.dlq.v1",
        f"  record: {_name(schema)}",
        f"  file: {file}",
        "  compatibility: BACKWARD",
        "  owner: team",
    ]
    (root / "manifest.yaml").write_text("\n".join(lines) + "\n")
    return root


def record(name: str, *fields: dict[str, Any], namespace: str = "t") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": namespace, "fields": list(fields)}


def _write(path: Path, schema: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=2))


def _name(schema: dict[str, Any]) -> str:
    return f"{schema['namespace']}.{schema['name']}"
