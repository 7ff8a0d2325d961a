"""The embedded file log: durable appends, torn last line ignored and cut, one process."""

from __future__ import annotations

import pytest

from eventflow.errors import EnvironmentProblem
from eventflow.registry._filelog import FileSchemaLog
from eventflow.registry._records import config_key
from eventflow.registry._store import RegistryStore


def test_appends_are_read_back_in_order(tmp_path):
    log = FileSchemaLog(tmp_path / "log")
    assert [log.append(b'{"k":1}', b'{"v":1}'), log.append(b'{"k":2}', None)] == [0, 1]
    records = log.read(0.1)
    assert [(r.position, r.key, r.value) for r in records] == [
        (0, b'{"k":1}', b'{"v":1}'),
        (1, b'{"k":2}', None),
    ]
    assert log.read(0.05) == []
    assert log.end_position() == 2
    log.close()


def test_a_torn_last_line_is_ignored_on_replay_and_cut_before_the_next_append(tmp_path):
    path = tmp_path / "log"
    log = FileSchemaLog(path)
    log.append(config_key(None), b'{"compatibilityLevel":"FULL"}')
    log.close()
    with open(path, "ab") as handle:  # the process died in the middle of a write
        handle.write(b'["{\\"keytype\\":\\"CONFIG\\",\\"subject\\":null}","{\\"compat')
    store = RegistryStore(FileSchemaLog(path))
    store.start(timeout_s=5)
    with store.view() as state:
        assert state.effective_compatibility("x") == "FULL"
    with store.writing():
        store.append(config_key(None), b'{"compatibilityLevel":"NONE"}')
    store.close()
    lines = path.read_bytes().splitlines()
    assert len(lines) == 2 and all(line.endswith(b"]") for line in lines)
    again = RegistryStore(FileSchemaLog(path))
    again.start(timeout_s=5)
    with again.view() as state:
        assert state.effective_compatibility("x") == "NONE"
    again.close()


def test_a_second_process_on_the_same_file_is_refused(tmp_path):
    first = FileSchemaLog(tmp_path / "log")
    with pytest.raises(EnvironmentProblem, match="in use by another process"):
        FileSchemaLog(tmp_path / "log")
    first.close()
