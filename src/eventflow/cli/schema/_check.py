"""``eventflow schema check``: the compatibility gate over every manifest subject.

Exit 0 every subject is compatible with its history (new subjects pass), 1 at least one is
not, 2 invalid input (bad git ref, unparsable schema, bad manifest), 3 registry unreachable.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._render import console
from eventflow.cli.schema._compat import validate_defaults_option
from eventflow.cli.schema._lint import github_annotation
from eventflow.config import RegistrySettings
from eventflow.contracts import Incompatibility
from eventflow.registry import tls_context
from eventflow.workspace import (
    RegistryAccess,
    SubjectVerdict,
    check_against_git,
    check_against_git_and_registry,
    check_against_registry,
    contract_changes_since,
    display_path,
    load_workspace,
)


def _location(verdict: SubjectVerdict, inc: Incompatibility) -> tuple[str, int | None, int | None]:
    index = verdict.incompatibilities.index(inc)
    source, line, column = verdict.positions[index] if verdict.positions else (None, None, None)
    if not source or not Path(source).is_file():
        source, line, column = verdict.file, None, None
    return display_path(source), line, column


def _detail(verdict: SubjectVerdict, inc: Incompatibility) -> str:
    against = verdict.label_of(inc)
    where = f" (against {against})" if against else ""
    return f"{inc.type.value} at {inc.location or '/'}{where}: {inc.message} (hint: {inc.hint})"


def refusal_lines(v: SubjectVerdict) -> list[str]:
    """An incompatible subject: each finding at file:line with its rule and hint, then who
    must upgrade first at the subject's level and what this change allows."""
    lines = [f"FAIL      {v.entry.subject} ({v.level.value}, owner {v.entry.owner})"]
    for inc in v.incompatibilities:
        file, line, col = _location(v, inc)
        spot = file + (f":{line}" if line else "") + (f":{col}" if line and col else "")
        lines.append(f"  {spot}: {_detail(v, inc)}")
    if v.rollout:
        lines.append(f"  who must upgrade first: {v.rollout}")
    return lines


def render_text(verdicts: list[SubjectVerdict], against: str) -> list[str]:
    lines: list[str] = []
    for v in verdicts:
        subject = v.entry.subject
        if v.status == "new":
            lines.append(f"new       {subject}: no earlier version {against}; passes")
        elif v.status == "ok":
            lines.append(
                f"ok        {subject} ({v.level.value}, checked {v.checked} of "
                f"{v.versions} earlier version(s))"
            )
        else:
            lines += refusal_lines(v)
        lines += [f"  note: {note}" for note in v.notes]
    failed = sum(1 for v in verdicts if v.status == "incompatible")
    lines.append(
        f"{len(verdicts)} subject(s) checked {against}: "
        + (f"{failed} incompatible" if failed else "all compatible")
    )
    return lines


def render_json(verdicts: list[SubjectVerdict], against: str) -> str:
    subjects = []
    for v in verdicts:
        rows = []
        for inc in v.incompatibilities:
            file, line, col = _location(v, inc)
            rows.append(
                {
                    "type": inc.type.value,
                    "location": inc.location,
                    "message": inc.message,
                    "hint": inc.hint,
                    "file": file,
                    "line": line,
                    "column": col,
                    "version": inc.version,
                    "against": v.label_of(inc),
                }
            )
        subjects.append(
            {
                "subject": v.entry.subject,
                "file": display_path(v.file),
                "level": v.level.value,
                "owner": v.entry.owner,
                "status": v.status,
                "versions": v.versions,
                "checked": v.checked,
                "incompatibilities": rows,
                "notes": list(v.notes),
                "who_must_upgrade_first": v.rollout or None,
            }
        )
    compatible = all(v.status != "incompatible" for v in verdicts)
    report = {"compatible": compatible, "against": against, "subjects": subjects}
    return json.dumps(report, indent=2)


def render_github(verdicts: list[SubjectVerdict]) -> list[str]:
    """One ``::error`` per distinct problem (an event's three topic subjects share one)."""
    seen: dict[tuple[str, int | None, int | None, str], list[str]] = {}
    for v in verdicts:
        for inc in v.incompatibilities:
            file, line, col = _location(v, inc)
            detail = _detail(v, inc) + (
                f"; who must upgrade first: {v.rollout}" if v.rollout else ""
            )
            seen.setdefault((file, line, col, detail), []).append(v.entry.subject)
    return [
        github_annotation("error", file, line or 1, col, f"{', '.join(subjects)}: {detail}")
        for (file, line, col, detail), subjects in seen.items()
    ]


@click.command("check")
@click.option(
    "--against",
    "ref",
    default=None,
    metavar="GIT_REF",
    help="Check against the versions GIT_REF published: its first-parent commits, identical "
    "versions once, refused ones left out (default: HEAD).",
)
@click.option(
    "--registry",
    "registry_url",
    default=None,
    metavar="URL",
    help="Check against the versions registered in this schema registry (with --against: "
    "against both).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Contracts folder (default: schemas/avro, or EVENTFLOW_SCHEMAS_DIR).",
)
@validate_defaults_option
@click.pass_obj
def check(
    obj: CliContext,
    *,
    ref: str | None,
    registry_url: str | None,
    fmt: str,
    root: Path | None,
    validate_defaults: bool,
) -> None:
    """Check every manifest subject against its published history, at the subject's level.

    From git: the versions GIT_REF published, i.e. what a registry would hold had every commit
    of GIT_REF's first-parent line been registered in order (commits of merged branches are not
    versions, a version identical to an earlier one adds none, one the level refuses is not a
    version); a subject with no history passes. From a registry: the versions registered under
    the subject. Both given: the subject must pass both.
    """
    folder = root or obj.settings.schemas_dir
    ws = run_guarded(lambda: load_workspace(folder, validate_defaults=validate_defaults))
    contract_lines: list[str] = []
    auth = registry_access(obj.settings.registry) if registry_url is not None else None
    if registry_url is not None and ref is not None:
        url, target = registry_url, ref
        verdicts = run_guarded(lambda: check_against_git_and_registry(ws, target, url, access=auth))
        against = f"published on git {ref} and in registry {registry_url}"
    elif registry_url is not None:
        url = registry_url
        verdicts = run_guarded(lambda: check_against_registry(ws, url, access=auth))
        against = f"in registry {registry_url}"
    else:
        target = ref or "HEAD"
        verdicts = run_guarded(lambda: check_against_git(ws, target))
        against = f"up to git {target}"
        contract_lines = [
            f"contract {event_type}: {line}"
            for event_type, lines in run_guarded(lambda: contract_changes_since(ws, target)).items()
            for line in lines
        ]
    if fmt == "json":
        console.print(render_json(verdicts, against), markup=False, soft_wrap=True)
    else:
        lines = render_github(verdicts) if fmt == "github" else render_text(verdicts, against)
        for line in [*lines, *contract_lines]:
            console.print(line, markup=False, soft_wrap=True)
    if any(v.status == "incompatible" for v in verdicts):
        raise SystemExit(EXIT_FINDINGS)


def registry_access(settings: RegistrySettings) -> RegistryAccess:
    """The registry's credentials and TLS (EVENTFLOW_REGISTRY__*) for the gate's reads: the
    same basic auth, bearer token, CA bundle and client certificate the registry client uses."""
    basic = settings.basic_auth_user_info
    bearer = settings.bearer_token
    return RegistryAccess(
        basic_auth=basic.get_secret_value() if basic is not None else None,
        bearer_token=bearer.get_secret_value() if bearer is not None else None,
        tls=tls_context(settings),
    )
