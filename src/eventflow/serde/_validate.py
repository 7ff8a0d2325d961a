"""Check a generated instance against its class's schema now, not when it is serialized.

The rules are the value engine's (:mod:`eventflow.serde.avro`): the same the serializer's
writer applies, with the same field paths and wording.
"""

from __future__ import annotations

from typing import Any

from eventflow.serde._errors import InvalidValue
from eventflow.serde._schemas import SchemaCodec, codec_for_json_text
from eventflow.serde.model import plain_value

_CLASS_CODECS: dict[type, SchemaCodec] = {}


def validate_record(value: Any) -> None:
    """Raise :class:`InvalidValue` naming the first field of ``value`` (a generated instance)
    that does not fit its schema, e.g. ``OrderPlaced.payload.total``."""
    cls = type(value)
    codec = _CLASS_CODECS.get(cls)
    if codec is None:
        text = getattr(cls, "AVRO_SCHEMA_JSON", None)
        if not isinstance(text, str):
            raise TypeError(f"{cls.__name__} is not a generated Avro event class")
        fingerprint = int(getattr(cls, "AVRO_FINGERPRINT", 0))
        codec = _CLASS_CODECS[cls] = codec_for_json_text(text, fingerprint)
    try:
        record = value.to_avro_dict()
    except (TypeError, ValueError, KeyError, AttributeError):
        record = plain_value(value)
    problems = codec.values.datum_problems(record, cls.__name__)
    if problems:
        first = problems[0]
        raise InvalidValue(str(first), field_path=first.path)
