"""``eventflow schema lint``: style rules on every contract (exit 1 on findings, 2 on bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.contracts import LintFinding, ParsedSchema, lint_schema, parse_schema
from eventflow.workspace import Workspace, WorkspaceError, load_workspace

FORMATS = ("text", "json", "github")


def github_annotation(level: str, file: str, line: int | None, col: int | None, text: str) -> str:
    """One GitHub Actions workflow command (``::error file=…,line=…,col=…::message``)."""

    def prop(value: str) -> str:
        return (
            value.replace("%", "%25")
            .replace("\r", "%0D")
            .replace("\n", "%0A")
            .replace(":", "%3A")
            .replace(",", "%2C")
        )

    parts = [f"file={prop(file)}"]
    if line is not None:
        parts.append(f"line={line}")
        if col is not None:
            parts.append(f"col={col}")
    body = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {','.join(parts)}::{body}"


def lint_workspace(ws: Workspace, files: list[Path] | None = None) -> tuple[list[LintFinding], int]:
    """Findings for ``files`` (default: every .avsc under the workspace root) and the count."""
    if files is None:
        declared = set(ws.by_file)
        findings: list[LintFinding] = []
        for file, schema in ws.by_file.items():
            findings += lint_schema(schema, file_name=file)
        extra = sorted(
            p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*.avsc") if p.is_file()
        )
        for file in extra:
            if file not in declared:
                findings.append(
                    LintFinding(
                        "NOT_IN_MANIFEST",
                        str(ws.root / file),
                        "",
                        1,
                        1,
                        f"{file} is not named by {ws.manifest.source}; declare it or delete it",
                    )
                )
        return findings, len(ws.by_file)
    findings = []
    for path in files:
        findings += lint_schema(_schema_for(ws, path), file_name=path.name)
    return findings, len(files)


def _schema_for(ws: Workspace, path: Path) -> ParsedSchema:
    try:
        relative = path.resolve().relative_to(ws.root.resolve()).as_posix()
    except ValueError:
        relative = None
    if relative is not None and relative in ws.by_file:
        return ws.by_file[relative]
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: cannot read the schema file ({exc})") from exc
    shared = [ws.schema_for_subject(s.subject) for s in ws.manifest.shared_types()]
    return parse_schema(text, source=str(path), references=shared)


def render_findings(findings: list[LintFinding], files: int, fmt: str) -> list[str]:
    if fmt == "json":
        rows = [
            {
                "rule": f.rule,
                "file": f.source,
                "line": f.line,
                "column": f.column,
                "pointer": f.pointer,
                "message": f.message,
            }
            for f in findings
        ]
        return [json.dumps({"files": files, "findings": rows}, indent=2)]
    if fmt == "github":
        return [
            github_annotation("error", f.source, f.line, f.column, f"{f.rule}: {f.message}")
            for f in findings
        ]
    lines = [f.describe() for f in findings]
    noun = "file" if files == 1 else "files"
    lines.append(f"{files} {noun} linted, {len(findings)} finding(s)")
    return lines


@click.command("lint")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Contracts folder (default: schemas/avro, or EVENTFLOW_SCHEMAS_DIR).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.pass_obj
def lint(obj: CliContext, files: tuple[Path, ...], root: Path | None, fmt: str) -> None:
    """Lint the contracts: names, namespaces, docs, optional fields (default: all of them).

    Exit 0 clean, 1 findings, 2 unparsable input (the message names file and line).
    """
    folder = root or obj.settings.schemas_dir
    ws = run_guarded(lambda: load_workspace(folder))
    findings, count = run_guarded(lambda: lint_workspace(ws, list(files) or None))
    for line in render_findings(findings, count, fmt):
        console.print(line, markup=False, soft_wrap=True)
    if findings:
        raise SystemExit(EXIT_FINDINGS)
