"""The contract between serde and the classes ``eventflow codegen`` generates."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, Self


class AvroRecord(Protocol):
    """A generated event class (see ``eventflow.events``).

    ``AVRO_SCHEMA`` is the Parsing Canonical Form of the source schema and
    ``AVRO_FINGERPRINT`` its CRC-64-AVRO; ``AVRO_SCHEMA_JSON`` is the self-contained schema
    (references inlined, logical types, defaults and docs kept) that fastavro encodes with.
    """

    AVRO_NAME: ClassVar[str]
    AVRO_SCHEMA: ClassVar[str]
    AVRO_FINGERPRINT: ClassVar[int]
    AVRO_SCHEMA_JSON: ClassVar[str]

    def to_avro_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_avro_dict(cls, data: Mapping[str, Any]) -> Self: ...


class AvroEvent(AvroRecord, Protocol):
    """A generated event class: a record named by the manifest's ``event_types``."""

    EVENT_TYPE: ClassVar[str]  # e.g. "order.placed"
    PARTITION_KEY: ClassVar[str]  # dotted path of the Kafka key, e.g. "payload.order_id"


def is_avro_record_class(obj: object) -> bool:
    """True for a generated class (not an instance)."""
    return (
        isinstance(obj, type)
        and hasattr(obj, "AVRO_SCHEMA_JSON")
        and hasattr(obj, "from_avro_dict")
    )


def plain_value(value: Any) -> Any:
    """A generated instance (or anything holding them) as plain dicts, lists and symbols.

    The slow path used to name the failing field when ``to_avro_dict`` or fastavro fails.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain_value(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_value(item) for key, item in value.items()}
    return value


def union_to_avro(value: Any) -> Any:
    """A union value as fastavro writes it: ``(full name, value)`` picks a named branch."""
    to_dict = getattr(value, "to_avro_dict", None)
    if to_dict is not None:
        return (type(value).AVRO_NAME, to_dict())
    name = getattr(type(value), "AVRO_NAME", None)
    if isinstance(value, enum.Enum) and name is not None:
        return (name, value.value)
    return value


def union_from_avro(
    value: Any,
    records: Mapping[str, Any],
    enums: tuple[type[enum.StrEnum], ...],
    *,
    strings: bool = False,
) -> Any:
    """A union value read by fastavro, turned into the generated class of its branch.

    fastavro returns ``(full name, value)`` for unions of several named types; a bare string
    becomes an enum member only when the union has no ``string`` branch (``strings``).
    """
    if isinstance(value, tuple):  # (full name, value): a union of several named types
        name, data = value
        if name in records:
            return records[name].from_avro_dict(data)
        for enum_cls in enums:
            if getattr(enum_cls, "AVRO_NAME", None) == name:
                return enum_cls(data)
        return data
    if isinstance(value, Mapping) and records:
        for cls in records.values():
            wanted = {f.name for f in dataclasses.fields(cls)}
            if len(records) == 1 or set(value) == wanted:
                return cls.from_avro_dict(value)
        return value
    if isinstance(value, str) and not strings:
        for enum_cls in enums:
            if value in enum_cls.__members__:
                return enum_cls(value)
    return value
