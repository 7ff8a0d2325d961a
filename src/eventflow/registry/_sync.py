"""Sync the contracts workspace into any Confluent-compatible registry (public API only).

For every manifest subject, in registration order (shared types first): look it up; if the
registry lacks it, check compatibility against the subject's versions (the registry's level
decides which), register it with Confluent references to the shared types, then make the
subject's level the manifest's. ``dry_run`` changes nothing and reports what it would do.

An event subject carries its data contract (metadata ``owner`` and ``major_version``, the
domain rules): it is part of the lookup and of the registration, and the subject's config gets
``compatibilityGroup: major_version`` first, so a new major version starts a new group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eventflow.contracts import MAJOR_VERSION, DataContract
from eventflow.registry._client import RegistryClient, SchemaReference
from eventflow.registry._errors import Code, RegistryError
from eventflow.workspace import Workspace

Action = Literal["created", "unchanged", "incompatible", "would create", "blocked"]


@dataclass(frozen=True)
class SubjectSync:
    subject: str
    action: Action
    schema_id: int | None = None
    version: int | None = None
    level_change: tuple[str, str] | None = None  # (before, after) when the level was/would be set
    messages: tuple[str, ...] = ()


def sync_workspace(ws: Workspace, client: RegistryClient, *, dry_run: bool) -> list[SubjectSync]:
    versions: dict[str, int | None] = {}  # subject -> version registered (None: pending)
    results: list[SubjectSync] = []
    for entry in ws.registration_order():
        text = ws.schema_for_subject(entry.subject).text
        refs: list[SchemaReference] = []
        pending = False
        for ref_subject in entry.references:
            ref_version = versions.get(ref_subject)
            if ref_version is None:
                pending = True
                continue
            refs.append(
                SchemaReference(
                    ws.manifest.subject(ref_subject).record_name, ref_subject, ref_version
                )
            )
        level = entry.compatibility.value
        if pending:
            versions[entry.subject] = None
            action: Action = "would create" if dry_run else "blocked"
            results.append(
                SubjectSync(
                    entry.subject,
                    action,
                    messages=("a referenced shared type is not registered yet",),
                )
            )
            continue
        contract = ws.contract_for_subject(entry.subject)
        result = _sync_one(
            client, entry.subject, text, refs, level, dry_run=dry_run, contract=contract
        )
        versions[entry.subject] = result.version
        results.append(result)
    return results


def _sync_one(
    client: RegistryClient,
    subject: str,
    text: str,
    refs: list[SchemaReference],
    level: str,
    *,
    dry_run: bool,
    contract: DataContract | None = None,
) -> SubjectSync:
    existing = _lookup(client, subject, text, refs, contract)
    if existing is not None:
        change = _level(client, subject, level, dry_run=dry_run, exists=True)
        return SubjectSync(subject, "unchanged", existing[0], existing[1], change)
    subject_exists = bool(_versions(client, subject))
    if contract is not None and not dry_run:
        _group(client, subject, exists=subject_exists)
    if subject_exists:
        # a subject registered before it had a contract: its first contract version is checked
        # against those versions (no group yet), not waved through as a new group
        checked_as = contract
        if contract is not None and client.get_version(subject).metadata is None:
            checked_as = None
        ok, messages = client.test_compatibility_all(subject, text, refs, contract=checked_as)
        if not ok:
            return SubjectSync(subject, "incompatible", messages=tuple(messages))
    if dry_run:
        change = _level(client, subject, level, dry_run=True, exists=subject_exists)
        return SubjectSync(subject, "would create", level_change=change)
    schema_id = client.register(subject, text, refs, contract=contract)
    found = _lookup(client, subject, text, refs, contract)
    version = found[1] if found else None
    change = _level(client, subject, level, dry_run=False, exists=True)
    return SubjectSync(subject, "created", schema_id, version, change)


def _lookup(
    client: RegistryClient,
    subject: str,
    text: str,
    refs: list[SchemaReference],
    contract: DataContract | None = None,
) -> tuple[int, int | None] | None:
    try:
        found = client.lookup(subject, text, refs, contract=contract)
    except RegistryError as exc:
        if exc.error_code in (Code.SUBJECT_NOT_FOUND, Code.SCHEMA_NOT_FOUND):
            return None
        raise
    return found.schema_id, found.version


def _versions(client: RegistryClient, subject: str) -> list[int]:
    try:
        return client.list_versions(subject)
    except RegistryError as exc:
        if exc.error_code == Code.SUBJECT_NOT_FOUND:
            return []
        raise


def _group(client: RegistryClient, subject: str, *, exists: bool) -> None:
    """Compatibility only within a major version (Confluent's ``compatibilityGroup``)."""
    current = client.get_config(subject) if exists else {}
    if current.get("compatibilityGroup") != MAJOR_VERSION:
        client.set_config({"compatibilityGroup": MAJOR_VERSION}, subject)


def _level(
    client: RegistryClient, subject: str, level: str, *, dry_run: bool, exists: bool
) -> tuple[str, str] | None:
    current = client.get_compatibility(subject) if exists else client.get_compatibility()
    if current == level:
        return None
    if not dry_run:
        client.set_compatibility(level, subject)
    return current, level
