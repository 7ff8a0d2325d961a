from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.workspace.git_helpers import copy_schemas


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    """A private copy of schemas/avro (tests edit it freely)."""
    return copy_schemas(tmp_path)
