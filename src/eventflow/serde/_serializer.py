"""Generated instance or dict -> Confluent wire bytes.

The schema id of a (subject, schema) is looked up in the registry ONCE and cached, among ALL
registered versions of the subject (not only the latest); the serializer never registers a
schema unless built with ``auto_register=True``.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any, cast

from eventflow.contracts import ParsedSchema
from eventflow.errors import EventFlowError
from eventflow.serde._errors import InvalidValue, SchemaMismatch
from eventflow.serde._lookup import SchemaLookup, SchemaRegistrar, is_not_found
from eventflow.serde._schemas import RegistrySchemas, SchemaCodec, codec_for_json_text
from eventflow.serde._wire import header
from eventflow.serde.avro import ValueRejected
from eventflow.serde.model import is_avro_record_class, plain_value

_ENCODE_ERRORS = (
    TypeError,
    ValueError,
    OverflowError,
    KeyError,
    AttributeError,
    decimal.InvalidOperation,
)


class AvroSerializer:
    """Serialize generated event instances or plain dicts in Confluent wire format.

    Values are written by the value engine (:mod:`eventflow.serde.avro`), whose writer checks
    as it writes: it refuses what fastavro would silently coerce (``1.5`` for a ``long``, any
    text for a ``uuid``) and every refusal is an :class:`InvalidValue` naming the field path
    (e.g. ``OrderPlaced.payload.line_items[0].quantity``).
    """

    def __init__(self, lookup: SchemaLookup, *, auto_register: bool = False) -> None:
        if auto_register and not callable(getattr(lookup, "register", None)):
            raise TypeError("auto_register=True needs a lookup that can register schemas")
        self._lookup = lookup
        self._auto_register = auto_register
        self._registry = RegistrySchemas(lookup)
        self._ids: dict[tuple[str, int], int] = {}
        self._latest: dict[str, int] = {}
        self._local: dict[int, SchemaCodec] = {}
        self._headers: dict[int, bytes] = {}
        self._by_class: dict[tuple[type, str], tuple[int, SchemaCodec]] = {}

    def serialize(
        self, value: Any, *, subject: str, schema: ParsedSchema | type | None = None
    ) -> bytes:
        """Encode ``value`` (a generated instance or a dict) for ``subject``.

        The writer schema is ``schema`` if given, else the class of a generated instance,
        else the subject's latest registered version.
        """
        if schema is None:  # fast path: a generated instance seen before for this subject
            known = self._by_class.get((type(value), subject))
            if known is not None:
                try:
                    record = value.to_avro_dict()
                except _ENCODE_ERRORS:
                    record = plain_value(value)
                return self._encode(known[0], known[1], record)
        to_dict = getattr(value, "to_avro_dict", None)
        source: ParsedSchema | type | None = schema
        if source is None and to_dict is not None:
            source = type(value)
        if source is None:
            schema_id = self._latest_id(subject)
            codec = self._registry.by_id(schema_id).codec
        elif isinstance(source, type):
            codec = self._class_codec(source)
            schema_id = self._id_for(subject, source, codec.fingerprint)
            if schema is None:
                self._by_class[(source, subject)] = (schema_id, codec)
        else:
            schema_id = self._id_for(subject, source, source.fingerprint)
            codec = self._registry.by_id(schema_id).codec
        if to_dict is not None:
            try:
                record = to_dict()
            except _ENCODE_ERRORS:
                record = plain_value(value)
        else:
            record = value
        return self._encode(schema_id, codec, record)

    def schema_id_for(self, subject: str, schema: ParsedSchema | type) -> int:
        """The id ``schema`` is registered under in ``subject`` (any version; cached).

        Raises :class:`SchemaMismatch` when no version of the subject equals it.
        """
        return self._id_for(subject, schema, _fingerprint(schema))

    def serialize_with_id(self, schema_id: int, value: Mapping[str, Any]) -> bytes:
        """Encode a dict with the registered schema ``schema_id`` (fetched once, cached)."""
        codec = self._registry.by_id(schema_id).codec
        return self._encode(schema_id, codec, value)

    def _encode(self, schema_id: int, codec: SchemaCodec, record: Any) -> bytes:
        prefix = self._headers.get(schema_id)
        if prefix is None:
            prefix = self._headers[schema_id] = header(schema_id)
        try:
            return codec.values.encode(record, prefix, root=codec.root)
        except ValueRejected as exc:
            raise invalid_value(exc, schema_id) from exc

    def _class_codec(self, cls: type) -> SchemaCodec:
        fingerprint = _fingerprint(cls)
        codec = self._local.get(fingerprint)
        if codec is None:
            codec = codec_for_json_text(cast(Any, cls).AVRO_SCHEMA_JSON, fingerprint)
            self._local[fingerprint] = codec
        return codec

    def _id_for(self, subject: str, source: ParsedSchema | type, fingerprint: int) -> int:
        key = (subject, fingerprint)
        schema_id = self._ids.get(key)
        if schema_id is None:
            schema_id = self._find_id(subject, source, fingerprint)
            self._ids[key] = schema_id
        return schema_id

    def _find_id(self, subject: str, source: ParsedSchema | type, fingerprint: int) -> int:
        text = _lookup_text(source)
        if text is not None:
            try:
                return self._lookup.lookup(subject, text).schema_id
            except EventFlowError as exc:
                if not is_not_found(exc):
                    raise
        # A registry may hold the schema with references rather than inlined: compare the
        # canonical fingerprint of every registered version, newest first (Confluent's
        # serializer finds its schema among all versions; the latest is never required, so
        # producers built from an older version keep working after a newer one is registered).
        found = self._version_with_fingerprint(subject, fingerprint)
        if found is not None:
            return found
        if self._auto_register and text is not None:
            return cast(SchemaRegistrar, self._lookup).register(subject, text)
        raise SchemaMismatch(
            f"subject {subject!r} has no registered version equal to schema {_name(source)} "
            f"(fingerprint {fingerprint:#018x}); register it first "
            "(eventflow schema register), the serializer never registers on its own"
        )

    def _version_with_fingerprint(self, subject: str, fingerprint: int) -> int | None:
        """The schema id of the newest version of ``subject`` whose fingerprint matches."""
        try:
            numbers = self._lookup.list_versions(subject)
        except EventFlowError as exc:
            if is_not_found(exc):
                return None
            raise
        for number in sorted(numbers, reverse=True):
            try:
                version = self._lookup.get_version(subject, number)
            except EventFlowError as exc:
                if is_not_found(exc):  # deleted between the listing and this read
                    continue
                raise
            if self._registry.by_id(version.schema_id).parsed.fingerprint == fingerprint:
                return version.schema_id
        return None

    def _latest_id(self, subject: str) -> int:
        schema_id = self._latest.get(subject)
        if schema_id is None:
            try:
                schema_id = self._lookup.get_version(subject, "latest").schema_id
            except EventFlowError as exc:
                if is_not_found(exc):
                    raise SchemaMismatch(
                        f"subject {subject!r} is not registered; register its schema first "
                        "(eventflow schema register)"
                    ) from exc
                raise
            self._latest[subject] = schema_id
        return schema_id


def invalid_value(rejected: ValueRejected, schema_id: int | None = None) -> InvalidValue:
    """The serde error for a value the engine refused: its first problem, path and wording."""
    first = rejected.first
    return InvalidValue(str(first), field_path=first.path, schema_id=schema_id)


def _fingerprint(source: ParsedSchema | type) -> int:
    if isinstance(source, type):
        if not is_avro_record_class(source):
            raise TypeError(f"{source.__name__} is not a generated Avro event class")
        return int(cast(Any, source).AVRO_FINGERPRINT)
    return source.fingerprint


def _lookup_text(source: ParsedSchema | type) -> str | None:
    """The text to look a schema up by: self-contained JSON, or None if it uses references."""
    if isinstance(source, type):
        return str(cast(Any, source).AVRO_SCHEMA_JSON)
    return source.text if set(source.types) == set(source.named_types) else None


def _name(source: ParsedSchema | type) -> str:
    return cast(Any, source).AVRO_NAME if isinstance(source, type) else str(source.fullname)
