"""Avro contracts, pure core: parsing like Java's Schema.Parser and Confluent-exact compatibility.

No I/O here: callers read files and pass text in.
"""

from eventflow.contracts._avro_model import AvroField, AvroNode
from eventflow.contracts._compatibility import (
    check_compatibility,
    check_reader_writer,
    confluent_messages,
)
from eventflow.contracts._compatibility_types import (
    CompatibilityLevel,
    CompatibilityResult,
    Incompatibility,
    IncompatibilityType,
)
from eventflow.contracts._data_contract import (
    CONFLUENT_VERSION,
    MAJOR_VERSION,
    CodeRule,
    DataContract,
    DataContractError,
    Json,
    canonical_rule_set,
    contract_changes,
    declared_contract,
    merge_metadata,
    merge_rule_sets,
    property_of,
    with_confluent_version,
)
from eventflow.contracts._diff import Change, SchemaDiff, diff_schemas
from eventflow.contracts._lint import LintFinding, lint_schema
from eventflow.contracts._manifest import (
    EventTypeEntry,
    Manifest,
    ManifestError,
    SubjectEntry,
    parse_manifest,
)
from eventflow.contracts._migration_rules import migration_rules, migration_summary
from eventflow.contracts._naming import (
    NAMED_KINDS,
    PRIMITIVES,
    definition_name,
    full_name,
    namespace_of,
)
from eventflow.contracts._parsed_schema import ParsedSchema, parse_schema
from eventflow.contracts._rules_file import CODE_RULES_KEY, RulesFile, parse_rules_file
from eventflow.contracts._schema_errors import SchemaParseError

__all__ = [
    "CODE_RULES_KEY",
    "CONFLUENT_VERSION",
    "MAJOR_VERSION",
    "NAMED_KINDS",
    "PRIMITIVES",
    "AvroField",
    "AvroNode",
    "Change",
    "CodeRule",
    "CompatibilityLevel",
    "CompatibilityResult",
    "DataContract",
    "DataContractError",
    "EventTypeEntry",
    "Incompatibility",
    "IncompatibilityType",
    "Json",
    "LintFinding",
    "Manifest",
    "ManifestError",
    "ParsedSchema",
    "RulesFile",
    "SchemaDiff",
    "SchemaParseError",
    "SubjectEntry",
    "canonical_rule_set",
    "check_compatibility",
    "check_reader_writer",
    "confluent_messages",
    "contract_changes",
    "declared_contract",
    "definition_name",
    "diff_schemas",
    "full_name",
    "lint_schema",
    "merge_metadata",
    "merge_rule_sets",
    "migration_rules",
    "migration_summary",
    "namespace_of",
    "parse_manifest",
    "parse_rules_file",
    "parse_schema",
    "property_of",
    "with_confluent_version",
]
