"""``eventflow schema register``: sync every manifest subject into a schema registry.

Exit 0 all registered or unchanged; 1 a subject is incompatible (nothing registered for it);
2 invalid input (manifest, schema file, no registry URL); 3 the registry failed or refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import click
from rich.markup import escape

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.cli.schema._check import refusal_lines, registry_access
from eventflow.errors import EventFlowError
from eventflow.registry import RegistryClient, SubjectSync, sync_workspace
from eventflow.workspace import RegistryAccess, Workspace, check_against_registry, load_workspace

_CONFLUENT_FIELD = re.compile(r"(errorType|description):'((?:[^'\\]|\\.)*)'")


def registry_reason(message: str) -> str | None:
    """A registry's verbose message without the dumped schema: ``TYPE: description``.

    ``{oldSchema: '…'}``, ``{oldSchemaVersion: n}`` and ``{compatibility: …}`` lines give
    None (the subject's line already names the level)."""
    found = dict(_CONFLUENT_FIELD.findall(message))
    if found:
        kind, description = found.get("errorType", "?"), found.get("description")
        return f"{kind}: {description}" if description else kind
    if message.lstrip("{").startswith(("oldSchema", "compatibility")):
        return None
    return message if len(message) <= 300 else f"{message[:300]}..."


def explain_refusals(
    ws: Workspace, results: list[SubjectSync], url: str, access: RegistryAccess
) -> dict[str, list[str]]:
    """For each subject the registry refused: file:line, rule, hint and who must upgrade first,
    from the compatibility engine run against what the registry holds."""
    refused = {r.subject for r in results if r.action == "incompatible"}
    if not refused:
        return {}
    try:
        verdicts = check_against_registry(ws, url, access=access)
    except EventFlowError:
        return {}  # the registry's own reasons are shown instead
    explained = {}
    for verdict in verdicts:
        if verdict.entry.subject in refused and verdict.incompatibilities:
            explained[verdict.entry.subject] = refusal_lines(verdict)[1:]
    return explained


def format_sync(
    results: list[SubjectSync], *, dry_run: bool, explained: Mapping[str, list[str]] | None = None
) -> list[str]:
    lines: list[str] = []
    for r in results:
        where = f" v{r.version}" if r.version is not None else ""
        ident = f" (id {r.schema_id})" if r.schema_id is not None else ""
        label = {"incompatible": "INCOMPATIBLE", "blocked": "BLOCKED"}.get(r.action, r.action)
        lines.append(f"{label:<13} {r.subject}{where}{ident}")
        if r.level_change is not None:
            verb = "would set" if dry_run else "level set"
            lines.append(f"{verb:<13} {r.subject} {r.level_change[0]} -> {r.level_change[1]}")
        if explained and r.subject in explained:
            lines += explained[r.subject]
        else:
            reasons = (registry_reason(m) for m in r.messages)
            lines += [f"  {reason}" for reason in reasons if reason]
    counts = {
        a: sum(1 for r in results if r.action == a)
        for a in ("created", "would create", "unchanged", "incompatible", "blocked")
    }
    levels = sum(1 for r in results if r.level_change is not None)
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    lines.append(
        f"{len(results)} subject(s): {summary}; {levels} level change(s)"
        + (" (dry run: nothing changed)" if dry_run else "")
    )
    return lines


@click.command()
@click.option(
    "--registry",
    "registry_url",
    default=None,
    help="Registry URL (default EVENTFLOW_REGISTRY__URL).",
)
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option(
    "--dir",
    "schemas_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Contracts folder (default schemas/avro).",
)
@click.pass_obj
def register(
    obj: CliContext, /, registry_url: str | None, dry_run: bool, schemas_dir: Path | None
) -> None:
    """Register every manifest subject (shared types first, with references) and set levels."""
    settings = obj.settings
    url = registry_url or settings.registry_url()
    ws = run_guarded(lambda: load_workspace(schemas_dir or obj.settings.schemas_dir))
    client = RegistryClient.from_settings(url, obj.settings.registry)
    try:
        results = run_guarded(lambda: sync_workspace(ws, client, dry_run=dry_run))
    finally:
        client.close()
    explained = explain_refusals(ws, results, url, registry_access(settings.registry))
    for line in format_sync(results, dry_run=dry_run, explained=explained):
        style = "red" if line.startswith(("INCOMPATIBLE", "BLOCKED", "  ")) else "green"
        console.print(f"[{style}]{escape(line)}[/]", soft_wrap=True)
    if any(r.action in ("incompatible", "blocked") for r in results):
        raise SystemExit(EXIT_FINDINGS)
