"""Avro contracts, pure core: parsing like Java's Schema.Parser and Confluent-exact compatibility.

No I/O here: callers read files and pass text in.
"""

from eventflow.contracts.compatibility import (
    check_compatibility,
    check_reader_writer,
    confluent_messages,
)
from eventflow.contracts.compatibility_types import (
    CompatibilityLevel,
    CompatibilityResult,
    Incompatibility,
    IncompatibilityType,
)
from eventflow.contracts.parsed_schema import ParsedSchema, parse_schema
from eventflow.contracts.schema_errors import SchemaParseError

__all__ = [
    "CompatibilityLevel",
    "CompatibilityResult",
    "Incompatibility",
    "IncompatibilityType",
    "ParsedSchema",
    "SchemaParseError",
    "check_compatibility",
    "check_reader_writer",
    "confluent_messages",
    "parse_schema",
]
