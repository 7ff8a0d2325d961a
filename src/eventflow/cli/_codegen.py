"""``eventflow codegen [--check]``: typed event classes from the contracts."""

from __future__ import annotations

from pathlib import Path

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.codegen import CodegenResult, default_target, run_codegen


def format_result(result: CodegenResult, *, check: bool) -> list[str]:
    """One line per stale file, then a summary."""
    if not result.stale:
        return [f"up to date  {_shown(result.target)} ({len(result.files)} files)"]
    verb = "STALE" if check else "wrote"
    lines = [f"{verb:<11} {_shown(result.target / name)}" for name in result.stale]
    if check:
        lines.append("generated classes are stale: run `eventflow codegen` and commit the result")
    return lines


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing stale files.")
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Contracts folder with manifest.yaml (default: schemas/avro, or EVENTFLOW_SCHEMAS_DIR).",
)
@click.option(
    "--out",
    "target",
    type=click.Path(path_type=Path),
    default=None,
    help="Package folder to write (default: the installed eventflow/events).",
)
@click.pass_obj
def codegen(obj: CliContext, check: bool, schemas_dir: Path | None, target: Path | None) -> None:
    """Generate typed classes for every contract into eventflow.events (or check for drift)."""
    folder = schemas_dir or obj.settings.schemas_dir
    out = target or default_target()
    result = run_guarded(lambda: run_codegen(folder, out, check=check))
    for line in format_result(result, check=check):
        style = "yellow" if line.startswith(("STALE", "generated")) else "green"
        console.print(f"[{style}]{line}[/]", soft_wrap=True)
    if check and result.stale:
        raise SystemExit(EXIT_FINDINGS)
