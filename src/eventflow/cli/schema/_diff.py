"""``eventflow schema diff OLD NEW``: semantic changes between two schema versions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.cli.schema._rules_diff import is_rules_file, load_rule_set, print_rule_changes
from eventflow.contracts import (
    Change,
    CompatibilityLevel,
    ParsedSchema,
    SchemaDiff,
    SchemaParseError,
    diff_schemas,
    parse_schema,
)
from eventflow.errors import EventFlowError
from eventflow.workspace import WorkspaceError, load_workspace
from eventflow.workspace import _git as gitio


def read_schema_text(spec: str) -> tuple[str, str]:
    """(text, label) of ``spec``: a file path, or ``REF:path`` for a committed version."""
    path = Path(spec)
    if path.is_file():
        try:
            return path.read_text("utf-8"), spec
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"{spec}: cannot read the schema file ({exc})") from exc
    ref, sep, inner = spec.partition(":")
    if sep and ref and inner:
        repo = gitio.repo_root(Path.cwd())
        if repo is not None:
            commit = gitio.resolve_commit(repo, ref)
            relative = (Path.cwd() / inner).resolve().relative_to(repo.resolve()).as_posix()
            text = gitio.show_file(repo, commit, relative)
            if text is None:
                raise WorkspaceError(f"{spec}: no such file at {ref}")
            return text, spec
    raise WorkspaceError(f"{spec}: no such schema file (give a path, or REF:path for git)")


def parse_with_shared_types(text: str, label: str, root: Path) -> ParsedSchema:
    """Parse alone; if that fails and a workspace exists, retry with its shared types."""
    try:
        return parse_schema(text, source=label)
    except SchemaParseError:
        if not (root / "manifest.yaml").is_file():
            raise
        ws = load_workspace(root)
        shared = [
            ws.schema_for_subject(s.subject)
            for s in ws.registration_order()
            if s.strategy == "RecordNameStrategy"
        ]
        return parse_schema(text, source=label, references=shared)


def _where(change: Change, old: ParsedSchema, new: ParsedSchema) -> str:
    if change.new_pointer is not None and (spot := new.locate(change.new_pointer)):
        return f"{new.source}:{spot[0]}"
    if change.old_pointer is not None and (spot := old.locate(change.old_pointer)):
        return f"{old.source}:{spot[0]}"
    return new.source


def render_diff(result: SchemaDiff, old: ParsedSchema, new: ParsedSchema, fmt: str) -> list[str]:
    if fmt == "json":
        report = {
            "old": old.source,
            "new": new.source,
            "backward_compatible": result.backward_compatible,
            "forward_compatible": result.forward_compatible,
            "changes": [
                {
                    "kind": c.kind.value,
                    "path": c.path,
                    "description": c.description,
                    "impact": c.impact,
                    "backward_breaking": c.backward_breaking,
                    "forward_breaking": c.forward_breaking,
                    "old_pointer": c.old_pointer,
                    "new_pointer": c.new_pointer,
                    "where": _where(c, old, new),
                }
                for c in result.changes
            ],
            "unattributed": [
                {
                    "direction": d,
                    "type": i.type.value,
                    "location": i.location,
                    "message": i.message,
                }
                for d, i in result.unattributed
            ],
        }
        return [json.dumps(report, indent=2)]
    verdict = {
        (True, True): "fully compatible (FULL)",
        (True, False): "backward compatible only (consumers upgrade first)",
        (False, True): "forward compatible only (producers upgrade first)",
        (False, False): "breaking in both directions",
    }[(result.backward_compatible, result.forward_compatible)]
    lines = [f"{old.source} -> {new.source}: {len(result.changes)} change(s); {verdict}"]
    for c in result.changes:
        lines.append(f"  {c.kind.value:<21} {c.path}: {c.description}")
        lines.append(f"  {'':<21} -> {c.impact}  [{_where(c, old, new)}]")
    for direction, inc in result.unattributed:
        lines.append(f"  {direction} {inc.type.value} at {inc.location}: {inc.message}")
    return lines


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Contracts folder whose shared types resolve references (default: schemas/avro).",
)
@click.option(
    "--level",
    type=click.Choice([level.value for level in CompatibilityLevel], case_sensitive=False),
    default=None,
    help="Judge the change at this level (default: the manifest level of the subject whose "
    "file NEW or OLD is; FULL when neither is a manifest file).",
)
@click.option(
    "--fail-on-breaking",
    is_flag=True,
    help="Exit 1 when the change breaks the level (the subject's, or --level).",
)
@click.pass_obj
def diff(
    obj: CliContext,
    *,
    old: str,
    new: str,
    fmt: str,
    root: Path | None,
    level: str | None,
    fail_on_breaking: bool,
) -> None:
    """Semantic changes from OLD to NEW (.avsc paths, or REF:path for a committed version).

    Given two rule set files (``*.rules.yaml``), it lists the rules added, removed and changed.

    Each change is tagged with its impact: backward (NEW reads OLD data) and forward (OLD
    reads NEW data), from the compatibility engine; the last line judges the change at the
    subject's level and says who must upgrade first. Exit 1 with --fail-on-breaking when it
    breaks that level, 2 on invalid input.
    """
    folder = root or obj.settings.schemas_dir
    if is_rules_file(old) and is_rules_file(new):  # two rule sets (ADR 0010)
        before, after = run_guarded(
            lambda: tuple(load_rule_set(*read_schema_text(spec)) for spec in (old, new))
        )
        print_rule_changes(before, after, fmt)
        return

    def load() -> tuple[ParsedSchema, ParsedSchema]:
        old_text, old_label = read_schema_text(old)
        new_text, new_label = read_schema_text(new)
        return (
            parse_with_shared_types(old_text, old_label, folder),
            parse_with_shared_types(new_text, new_label, folder),
        )

    old_schema, new_schema = run_guarded(load)
    result = diff_schemas(old_schema, new_schema)
    if level is not None:
        judged, whose = CompatibilityLevel(level.upper()), "--level"
    else:
        judged, whose = manifest_level(folder, new, old) or (CompatibilityLevel.FULL, "default")
    breaking = breaks_level(result, judged)
    lines = render_diff(result, old_schema, new_schema, fmt)
    if fmt == "json":
        report = json.loads(lines[0])
        report["level"], report["level_from"] = judged.value, whose
        report["breaks_level"], report["who_must_upgrade_first"] = breaking, judged.upgrade_first
        lines = [json.dumps(report, indent=2)]
    else:
        verdict = "BREAKS it" if breaking else "allowed"
        lines.append(f"at {judged.value} ({whose}): {verdict}; {judged.upgrade_first}")
    for line in lines:
        console.print(line, markup=False, soft_wrap=True, highlight=False)
    if fail_on_breaking and breaking:
        raise SystemExit(EXIT_FINDINGS)


def breaks_level(result: SchemaDiff, level: CompatibilityLevel) -> bool:
    """Whether the OLD -> NEW change is one ``level`` refuses."""
    return (level.checks_backward and not result.backward_compatible) or (
        level.checks_forward and not result.forward_compatible
    )


def manifest_level(folder: Path, *specs: str) -> tuple[CompatibilityLevel, str] | None:
    """(level, subject) of the first of ``specs`` that is a manifest subject's file."""
    if not (folder / "manifest.yaml").is_file():
        return None
    try:
        ws = load_workspace(folder)
    except EventFlowError:  # a broken workspace only loses the default level
        return None
    for spec in specs:
        path = spec if Path(spec).is_file() else spec.partition(":")[2]
        if not path:
            continue
        target = Path(path).resolve()
        for entry in ws.manifest.subjects:
            if ws.path_of(entry.file).resolve() == target:
                return entry.compatibility, f"subject {entry.subject}"
    return None
