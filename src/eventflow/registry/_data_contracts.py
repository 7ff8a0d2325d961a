"""The registry's view of data contracts: ``eventflow.contracts._data_contract`` with
Confluent's error codes (42210 invalid rule set, 42201 invalid metadata)."""

from __future__ import annotations

from eventflow.contracts import (
    CONFLUENT_VERSION,
    Json,
    merge_metadata,
    merge_rule_sets,
    property_of,
    with_confluent_version,
)
from eventflow.contracts import _data_contract as dc
from eventflow.registry._errors import Code, RegistryError

__all__ = [
    "CONFLUENT_VERSION",
    "Json",
    "merge_metadata",
    "merge_rule_sets",
    "property_of",
    "requested_metadata",
    "requested_rule_set",
    "with_confluent_version",
]


def _registry_error(exc: dc.DataContractError) -> RegistryError:
    code = Code.INVALID_RULESET if exc.part == "ruleSet" else Code.INVALID_SCHEMA
    return RegistryError(code, str(exc))


def requested_metadata(raw: object, where: str = "metadata") -> Json | None:
    try:
        return dc.canonical_metadata(raw, where)
    except dc.DataContractError as exc:
        raise _registry_error(exc) from None


def requested_rule_set(raw: object) -> Json | None:
    try:
        return dc.canonical_rule_set(raw)
    except dc.DataContractError as exc:
        raise _registry_error(exc) from None
