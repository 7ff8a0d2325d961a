"""``eventflow schema pull SUBJECT``: download every version of a subject as .avsc files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from eventflow.cli._context import CliContext, InputFailure, run_guarded
from eventflow.cli._render import console
from eventflow.registry import RegisteredSchema, RegistryClient


def pulled_files(subject: str, versions: list[RegisteredSchema]) -> dict[str, str]:
    """File name → content: ``v<N>.avsc`` (pretty JSON) and ``v<N>.references.json``."""
    out: dict[str, str] = {}
    for v in versions:
        out[f"v{v.version}.avsc"] = json.dumps(json.loads(v.schema), indent=2) + "\n"
        if v.references:
            refs = [
                {"name": r.name, "subject": r.subject, "version": r.version} for r in v.references
            ]
            out[f"v{v.version}.references.json"] = json.dumps(refs, indent=2) + "\n"
    meta = [{"version": v.version, "id": v.schema_id} for v in versions]
    out["versions.json"] = json.dumps({"subject": subject, "versions": meta}, indent=2) + "\n"
    return out


def _safe_dir_name(subject: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in subject)


@click.command()
@click.argument("subject")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("."),
    help="Folder to write into (a sub-folder per subject).",
)
@click.option(
    "--registry",
    "registry_url",
    default=None,
    help="Registry URL (default EVENTFLOW_REGISTRY__URL).",
)
@click.pass_obj
def pull(obj: CliContext, /, subject: str, out_dir: Path, registry_url: str | None) -> None:
    """Download every version of SUBJECT into OUT/SUBJECT/v<N>.avsc."""
    settings = obj.settings
    url = registry_url or settings.registry_url()
    with RegistryClient.from_settings(url, obj.settings.registry) as client:
        versions = run_guarded(
            lambda: [client.get_version(subject, n) for n in client.list_versions(subject)]
        )
    target = out_dir / _safe_dir_name(subject)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, content in pulled_files(subject, versions).items():
            (target / name).write_text(content, "utf-8")
    except OSError as exc:
        raise InputFailure(f"{target}: cannot write ({exc.strerror})") from exc
    console.print(f"pulled {len(versions)} version(s) of {subject} into {target}")
