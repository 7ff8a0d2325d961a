"""Each package's public API is exactly what its ``__all__`` lists (as httpx checks its own).

Every package under ``src/eventflow`` has an ``__all__``; each listed name exists and is
defined by EventFlow (not a third-party object passed through); every public name of the
package's namespace is listed (submodules and imported modules aside). And no two modules
define the same public name for different things.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import inspect
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "eventflow"
PACKAGES = sorted(
    ".".join(path.parent.relative_to(PACKAGE.parent).parts) for path in PACKAGE.rglob("__init__.py")
)


def _public_names(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType | __future__._Feature)
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_exactly_the_public_names(package: str) -> None:
    module = importlib.import_module(package)
    listed = getattr(module, "__all__", None)
    assert listed is not None, f"{package} has no __all__"
    assert len(listed) == len(set(listed)), f"{package}.__all__ lists a name twice"
    missing = [name for name in listed if not hasattr(module, name)]
    assert missing == [], f"{package}.__all__ lists names it does not have"
    assert _public_names(module) == {name for name in listed if not name.startswith("_")}


@pytest.mark.parametrize("package", PACKAGES)
def test_listed_names_are_defined_by_eventflow(package: str) -> None:
    module = importlib.import_module(package)
    foreign = [
        name
        for name in module.__all__
        if (inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name)))
        and not getattr(module, name).__module__.startswith("eventflow")
    ]
    assert foreign == []


# Names still defined twice, each with the change that removes the twin. A test below fails
# as soon as an entry is no longer a duplicate, so the list only shrinks.
PENDING: dict[str, str] = {}
# Defined in many places on purpose: type variables, module loggers, entry points' ``main``.
CONVENTIONAL = {"T", "LOG", "log", "main"}


def _top_level_definitions() -> dict[str, list[str]]:
    defined: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE))
        if relative.startswith("events/"):  # generated: one module per contract
            continue
        for node in ast.parse(path.read_text("utf-8")).body:
            names: list[str] = []
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            for name in names:
                if not name.startswith("_"):
                    defined[name].append(relative)
    return defined


def test_no_two_modules_define_the_same_public_name() -> None:
    twice = {
        name: where
        for name, where in _top_level_definitions().items()
        if len(where) > 1 and name not in CONVENTIONAL and name not in PENDING
    }
    assert twice == {}


def test_every_pending_duplicate_is_still_one() -> None:
    definitions = _top_level_definitions()
    resolved = [name for name in PENDING if len(definitions.get(name, [])) < 2]
    assert resolved == [], "remove these from PENDING: they are defined once now"
