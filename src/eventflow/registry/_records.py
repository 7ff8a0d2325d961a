"""The log records the registry stores (pure: encode/decode only).

Every change is one record in a single ordered log (the compacted ``_schemas`` topic or a
local file). Keys are JSON objects; a ``None`` value is a tombstone. Registrations are
*claims*: a SCHEMA key carries a random ``claim`` so that two instances racing for the same
subject version write different keys, and the log order decides who won (see ADR 0004).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

SCHEMA = "SCHEMA"
CONFIG = "CONFIG"
MODE = "MODE"


@dataclass(frozen=True)
class Ref:
    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass(frozen=True)
class SchemaClaim:
    """Value of a SCHEMA record: ``subject`` version ``version`` is schema ``schema_id``."""

    subject: str
    version: int
    schema_id: int
    schema: str
    schema_type: str
    references: tuple[Ref, ...]
    deleted: bool = False
    imported: bool = False
    metadata: dict[str, Any] | None = None  # canonical (registry.data_contracts)
    rule_set: dict[str, Any] | None = None

    @cached_property
    def identity(self) -> str:
        """What makes two registrations 'the same schema' (and thus the same id).

        As in Confluent, the data contract is part of it: the same text with other metadata
        or rules is another schema, with its own id.
        """
        refs = ",".join(f"{r.name}|{r.subject}|{r.version}" for r in self.references)
        contract = (
            b""
            if self.metadata is None and self.rule_set is None
            else orjson.dumps([self.metadata, self.rule_set], option=orjson.OPT_SORT_KEYS)
        )
        return f"{self.schema_type}\x00{self.schema}\x00{refs}\x00{contract.decode()}"


@dataclass(frozen=True)
class LogRecord:
    """One decoded record; ``value`` None is a tombstone."""

    keytype: str
    subject: str | None
    key: bytes
    value: dict[str, Any] | None
    version: int | None = None  # SCHEMA records only


def schema_key(subject: str, version: int, claim: str | None = None) -> bytes:
    return orjson.dumps(
        {
            "keytype": SCHEMA,
            "subject": subject,
            "version": version,
            "claim": claim or uuid.uuid4().hex,
        }
    )


def config_key(subject: str | None) -> bytes:
    return orjson.dumps({"keytype": CONFIG, "subject": subject})


def mode_key(subject: str | None) -> bytes:
    return orjson.dumps({"keytype": MODE, "subject": subject})


def encode_claim(claim: SchemaClaim) -> bytes:
    return orjson.dumps(
        {
            "subject": claim.subject,
            "version": claim.version,
            "id": claim.schema_id,
            "schema": claim.schema,
            "schemaType": claim.schema_type,
            "references": [r.to_json() for r in claim.references],
            "deleted": claim.deleted,
            "imported": claim.imported,
            **({} if claim.metadata is None else {"metadata": claim.metadata}),
            **({} if claim.rule_set is None else {"ruleSet": claim.rule_set}),
        }
    )


def decode_claim(value: dict[str, Any]) -> SchemaClaim:
    return SchemaClaim(
        subject=str(value["subject"]),
        version=int(value["version"]),
        schema_id=int(value["id"]),
        schema=str(value["schema"]),
        schema_type=str(value.get("schemaType", "AVRO")),
        references=tuple(
            Ref(str(r["name"]), str(r["subject"]), int(r["version"]))
            for r in value.get("references", ())
        ),
        deleted=bool(value.get("deleted", False)),
        imported=bool(value.get("imported", False)),
        metadata=_object_or_none(value.get("metadata")),
        rule_set=_object_or_none(value.get("ruleSet")),
    )


def _object_or_none(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def decode(key: bytes, value: bytes | None) -> LogRecord | None:
    """Decode a raw record; records that are not ours (or damaged) decode to None."""
    try:
        parsed_key = orjson.loads(key)
        parsed_value = None if value is None else orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed_key, dict) or parsed_key.get("keytype") not in (SCHEMA, CONFIG, MODE):
        return None
    if parsed_value is not None and not isinstance(parsed_value, dict):
        return None
    subject = parsed_key.get("subject")
    version = parsed_key.get("version")
    if parsed_key["keytype"] == SCHEMA and (
        not isinstance(subject, str) or not isinstance(version, int)
    ):
        return None
    return LogRecord(
        str(parsed_key["keytype"]),
        None if subject is None else str(subject),
        key,
        parsed_value,
        version if isinstance(version, int) else None,
    )
