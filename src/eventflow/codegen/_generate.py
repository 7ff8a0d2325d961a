"""``eventflow codegen``: contracts folder in, generated package out (or a drift report)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventflow.codegen._render import PACKAGE, render_package
from eventflow.codegen._type_table import EventInfo, SchemaFile
from eventflow.codegen._writer import format_sources, stale_files, write_package
from eventflow.workspace import load_workspace


@dataclass(frozen=True)
class CodegenResult:
    target: Path
    files: tuple[str, ...]  # every generated file name
    stale: tuple[str, ...]  # files that were (or, with check, would be) rewritten or removed


def default_target() -> Path:
    """The folder of the ``eventflow.events`` package (the source tree in a dev install)."""
    import eventflow

    return Path(eventflow.__file__).resolve().parent / "events"


def ruff_config() -> Path | None:
    """The project's pyproject.toml (its ruff settings format the output), if there is one."""
    import eventflow

    here = Path.cwd().resolve()
    package = Path(eventflow.__file__).resolve().parent
    for folder in (here, *here.parents, *package.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.ruff" in candidate.read_text(encoding="utf-8"):
            return candidate
    return None


def render_sources(
    schemas_dir: Path, *, package: str = PACKAGE, config: Path | None
) -> dict[str, str]:
    """Load the contracts (manifest + schemas) and render the formatted package sources."""
    workspace = load_workspace(schemas_dir)
    files = [SchemaFile(path, schema) for path, schema in workspace.by_file.items()]
    events = {
        entry.record_name: EventInfo(entry.event_type, entry.partition_key)
        for entry in workspace.manifest.event_types
    }
    sources = render_package(files, events, package=package)
    return format_sources(sources, config=config)


def run_codegen(
    schemas_dir: Path, target: Path, *, check: bool, package: str = PACKAGE
) -> CodegenResult:
    """Generate into ``target`` (atomically), or with ``check`` only report stale files."""
    sources = render_sources(schemas_dir, package=package, config=ruff_config())
    stale = stale_files(target, sources)
    if stale and not check:
        write_package(target, sources)
    return CodegenResult(target, tuple(sorted(sources)), tuple(stale))
