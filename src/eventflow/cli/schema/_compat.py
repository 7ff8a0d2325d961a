"""``eventflow schema compat``: is NEW.avsc compatible with its previous versions?

Exit codes: 0 compatible, 1 incompatible, 2 invalid input or usage (unknown level, missing
file, invalid JSON or Avro; the message names ``file:line:col``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from eventflow.cli._context import EXIT_FINDINGS, run_guarded
from eventflow.cli._render import console
from eventflow.contracts import (
    CompatibilityLevel,
    CompatibilityResult,
    Incompatibility,
    ParsedSchema,
    SchemaParseError,
    parse_schema,
)
from eventflow.contracts import check_compatibility as run_check
from eventflow.errors import ConfigError, ErrorCode

__all__ = ["compat", "format_json", "format_text", "load_schemas"]

_LEVELS = [level.value for level in CompatibilityLevel]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found", code=ErrorCode.SCHEMA_FILE_INVALID) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: is a directory, not a schema file", code=ErrorCode.SCHEMA_FILE_INVALID
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})",
            code=ErrorCode.SCHEMA_FILE_INVALID,
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror})", code=ErrorCode.SCHEMA_FILE_INVALID
        ) from None


def load_schemas(
    new: Path,
    previous: Sequence[Path],
    references: Sequence[Path] = (),
    *,
    validate_defaults: bool = True,
) -> tuple[ParsedSchema, list[ParsedSchema]]:
    """Read and parse every file; references may use each other, in any order.

    ``validate_defaults`` judges the defaults of NEW (and of the references, which are current
    files); earlier versions never are, as in Confluent's registry."""
    refs: list[ParsedSchema] = []
    pending = [(path, _read(path)) for path in references]
    while pending:
        failed: list[tuple[Path, str]] = []
        error: SchemaParseError | None = None
        for path, text in pending:
            try:
                refs.append(
                    parse_schema(
                        text, source=str(path), references=refs, validate_defaults=validate_defaults
                    )
                )
            except SchemaParseError as exc:
                failed.append((path, text))
                error = error or exc
        if len(failed) == len(pending):
            assert error is not None
            raise error  # no reference could be parsed with the others: report the first
        pending = failed
    parsed_new = parse_schema(
        _read(new), source=str(new), references=refs, validate_defaults=validate_defaults
    )
    parsed_previous = [
        parse_schema(_read(p), source=str(p), references=refs, validate_defaults=False)
        for p in previous
    ]
    return parsed_new, parsed_previous


def _where(item: Incompatibility) -> str:
    where = item.source or "<schema>"
    if item.line is not None:
        where += f":{item.line}"
        if item.column is not None:
            where += f":{item.column}"
    return where


def format_text(result: CompatibilityResult, level: CompatibilityLevel, versions: int) -> list[str]:
    """One line per incompatibility, then a verdict line."""
    lines = [
        f"{_where(i)}: {i.type.value} at {i.location or '/'}: {i.message} (hint: {i.hint})"
        for i in result.incompatibilities
    ]
    checked = f"{level.value} against {versions} previous version{'s' if versions != 1 else ''}"
    if result.compatible:
        lines.append(f"compatible ({checked})")
    else:
        count = len(result.incompatibilities)
        lines.append(f"incompatible: {count} problem{'s' if count != 1 else ''} ({checked})")
    return lines


def format_json(result: CompatibilityResult, level: CompatibilityLevel) -> dict[str, Any]:
    return {
        "compatible": result.compatible,
        "level": level.value,
        "incompatibilities": [
            {
                "type": i.type.value,
                "location": i.location,
                "message": i.message,
                "hint": i.hint,
                "file": i.source,
                "line": i.line,
                "column": i.column,
                "version": i.version,
            }
            for i in result.incompatibilities
        ],
    }


validate_defaults_option = click.option(
    "--validate-defaults/--no-validate-defaults",
    default=True,
    show_default=True,
    help="Require the field defaults of the new schema to match their types (Confluent's "
    "avro.validate.defaults). Earlier versions are never judged on their defaults.",
)


def _level(_ctx: click.Context, _param: click.Parameter, value: str) -> CompatibilityLevel:
    try:
        return CompatibilityLevel(value.upper())
    except ValueError:
        raise click.BadParameter(
            f"unknown compatibility level {value!r}; use one of {', '.join(_LEVELS)}"
        ) from None


@click.command("compat")
@click.option(
    "--level",
    default=CompatibilityLevel.BACKWARD.value,
    show_default=True,
    callback=_level,
    help=f"Confluent compatibility level: {', '.join(_LEVELS)}.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--ref",
    "references",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A schema whose named types the others use by name (repeatable, any order).",
)
@validate_defaults_option
@click.argument("new", type=click.Path(path_type=Path))
@click.argument("previous", nargs=-1, type=click.Path(path_type=Path))
def compat(
    *,
    level: CompatibilityLevel,
    output_format: str,
    references: tuple[Path, ...],
    validate_defaults: bool,
    new: Path,
    previous: tuple[Path, ...],
) -> None:
    """Check NEW.avsc against PREVIOUS.avsc versions (oldest first) at --level.

    BACKWARD: NEW reads data written with the latest; FORWARD: the latest reads NEW's data;
    FULL: both; *_TRANSITIVE: against every previous version; NONE: no check.
    """
    chosen = level
    parsed_new, parsed_previous = run_guarded(
        lambda: load_schemas(new, previous, references, validate_defaults=validate_defaults)
    )
    result = run_check(parsed_new, parsed_previous, chosen)
    if output_format == "json":
        click.echo(json.dumps(format_json(result, chosen), indent=2))
    else:
        for line in format_text(result, chosen, len(parsed_previous)):
            console.print(line, markup=False, soft_wrap=True)
    if not result.compatible:
        raise SystemExit(EXIT_FINDINGS)
