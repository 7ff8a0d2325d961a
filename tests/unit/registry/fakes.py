"""A toy schema engine for unit tests of the registry's flow (the real one is in contracts).

Rule: a schema is compatible when it keeps every field name of the schemas it is checked
against; anything that is not a JSON object with a ``name`` is invalid.
"""

from __future__ import annotations

import json

from eventflow.registry._engine import EngineSchema
from eventflow.registry._errors import invalid_schema


class ToyEngine:
    def __init__(self) -> None:
        self.checks: list[tuple[str, int, str]] = []

    def parse(self, text, references, *, normalize, source, new=False):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise invalid_schema(f"{source}: not JSON: {exc}") from exc
        if not isinstance(doc, dict) or "name" not in doc:
            raise invalid_schema(f"{source}: a record needs a name")
        known = {r.parsed["name"] for r in references}
        for f in doc.get("fields", []):
            if isinstance(f["type"], str) and f["type"][0].isupper() and f["type"] not in known:
                raise invalid_schema(f"{source}: unknown type {f['type']}")
        stored = json.dumps(doc, separators=(",", ":"), sort_keys=normalize)
        return EngineSchema(stored, doc)

    def check(self, new, previous_oldest_first, level, *, versions=()):
        self.checks.append((new.parsed["name"], len(previous_oldest_first), level))
        names = {f["name"] for f in new.parsed.get("fields", [])}
        missing = [
            f["name"]
            for old in previous_oldest_first
            for f in old.parsed.get("fields", [])
            if f["name"] not in names
        ]
        if missing:
            return False, [f"READER_FIELD_MISSING: {m}" for m in missing]
        return True, []


def record(name: str, *fields: str) -> str:
    return json.dumps(
        {"type": "record", "name": name, "fields": [{"name": f, "type": "int"} for f in fields]}
    )
