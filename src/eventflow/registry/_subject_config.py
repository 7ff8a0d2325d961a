"""Global and subject config as Confluent keeps it (pure): level, group, contract defaults.

A CONFIG record holds a whole config: ``compatibilityLevel``, ``compatibilityGroup`` and the
data-contract defaults and overrides (``defaultMetadata``, ``overrideMetadata``,
``defaultRuleSet``, ``overrideRuleSet``). A PUT changes only the keys it names (an explicit
``null`` clears one), as Confluent's ``ConfigValue.update`` does. The config *in scope* for a
subject is its own config over the global one: level and group fall back to the global
values, contract defaults and overrides come from the subject config when it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from eventflow.registry._data_contracts import Json, requested_metadata, requested_rule_set
from eventflow.registry._engine import LEVELS
from eventflow.registry._errors import Code, RegistryError

DEFAULT_COMPATIBILITY = "BACKWARD"
# attribute name → JSON key (records and GET answers; PUT takes and answers "compatibility")
_KEYS = {
    "compatibility_level": "compatibilityLevel",
    "compatibility_group": "compatibilityGroup",
    "default_metadata": "defaultMetadata",
    "override_metadata": "overrideMetadata",
    "default_rule_set": "defaultRuleSet",
    "override_rule_set": "overrideRuleSet",
}


@dataclass(frozen=True)
class SubjectConfig:
    compatibility_level: str | None = None
    compatibility_group: str | None = None
    default_metadata: Json | None = None
    override_metadata: Json | None = None
    default_rule_set: Json | None = None
    override_rule_set: Json | None = None

    def to_json(self) -> Json:
        """The stored record and the GET answer: only the keys that are set."""
        return {
            _KEYS[f.name]: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not None
        }

    def update_answer(self) -> Json:
        """The PUT answer (Confluent's ConfigUpdateRequest names the level ``compatibility``)."""
        out = self.to_json()
        level = out.pop("compatibilityLevel", None)
        return {"compatibility": level, **out} if level is not None else out

    @classmethod
    def from_record(cls, value: object) -> SubjectConfig | None:
        """A CONFIG record's value; records written before contracts hold only the level."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(**_parse(value))
        except RegistryError:
            return None

    def updated(self, changes: dict[str, Any]) -> SubjectConfig:
        return replace(self, **changes)


def config_changes(body: Any) -> dict[str, Any]:
    """The attributes a PUT /config body sets (validated); Confluent's codes on bad values."""
    if not isinstance(body, dict):
        raise _invalid_level()
    body = dict(body)
    if "compatibility" in body:  # the request's name; the Python client also sends the other
        body["compatibilityLevel"] = body.pop("compatibility")
    changes = _parse(body)
    if not changes:
        raise _invalid_level()
    return changes


def in_scope(global_config: SubjectConfig | None, own: SubjectConfig | None) -> SubjectConfig:
    """Confluent's ``Config.mergeConfigs`` (level falls back to global, then BACKWARD)."""
    base = global_config or SubjectConfig()
    if own is None:
        merged = base
    else:
        merged = replace(
            own,
            compatibility_level=own.compatibility_level or base.compatibility_level,
            compatibility_group=own.compatibility_group or base.compatibility_group,
        )
    if merged.compatibility_level is None:
        merged = replace(merged, compatibility_level=DEFAULT_COMPATIBILITY)
    return merged


def _parse(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "compatibilityLevel" in body:
        level = body["compatibilityLevel"]
        if not isinstance(level, str) or level.upper() not in LEVELS:
            raise _invalid_level()
        changes["compatibility_level"] = level.upper()
    if "compatibilityGroup" in body:
        group = body["compatibilityGroup"]
        if group is not None and (not isinstance(group, str) or not group):
            raise RegistryError(
                Code.INVALID_SCHEMA, "Invalid compatibilityGroup: expected a property name"
            )
        changes["compatibility_group"] = group
    for attr in ("default_metadata", "override_metadata"):
        if _KEYS[attr] in body:
            changes[attr] = requested_metadata(body[_KEYS[attr]], _KEYS[attr])
    for attr in ("default_rule_set", "override_rule_set"):
        if _KEYS[attr] in body:
            changes[attr] = requested_rule_set(body[_KEYS[attr]])
    return changes


def _invalid_level() -> RegistryError:
    return RegistryError(
        Code.INVALID_COMPATIBILITY_LEVEL,
        "Invalid compatibility level. Valid values are none, backward, forward, full, "
        "backward_transitive, forward_transitive, and full_transitive",
    )
