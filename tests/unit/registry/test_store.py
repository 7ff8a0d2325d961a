"""RegistryStore with a scripted log: replay to the end, gaps from compaction, failures."""

from __future__ import annotations

import threading

import orjson
import pytest

from eventflow.registry._errors import RegistryError
from eventflow.registry._records import config_key
from eventflow.registry._store import RawRecord, RegistryStore


class ScriptedLog:
    """Offsets 0 and 1 hold records; 2..4 were removed by compaction; the end offset is 5."""

    def __init__(self, *, fail: bool = False) -> None:
        self.records = [
            RawRecord(0, config_key(None), orjson.dumps({"compatibilityLevel": "FULL"})),
            RawRecord(1, config_key("s"), orjson.dumps({"compatibilityLevel": "NONE"})),
        ]
        self.position = 0
        self.fail = fail
        self.appended: list[tuple[bytes, bytes | None]] = []
        self.more = threading.Event()

    def append(self, key: bytes, value: bytes | None) -> int:
        self.appended.append((key, value))
        self.records.append(RawRecord(4 + len(self.appended), key, value))
        self.more.set()
        return 4 + len(self.appended)

    def end_position(self) -> int:
        return 5 + len(self.appended)

    def read(self, timeout_s: float) -> list[RawRecord]:
        if self.fail:
            raise OSError("disk on fire")
        batch = [r for r in self.records if r.position >= self.position]
        if not batch:
            self.more.wait(timeout_s)
            self.more.clear()
            return []
        self.position = batch[-1].position + 1
        return batch

    def read_position(self) -> int:
        return max(self.position, 5) if self.position >= 2 else self.position

    def close(self) -> None:
        pass


def test_start_replays_to_the_end_even_across_a_compaction_gap():
    store = RegistryStore(ScriptedLog(), write_timeout_s=2)
    store.start(timeout_s=2)
    assert store.position == 5
    with store.view() as state:
        assert state.effective_compatibility("s") == "NONE"
        assert state.effective_compatibility("t") == "FULL"
    with store.writing():
        store.append(config_key("t"), orjson.dumps({"compatibilityLevel": "FORWARD"}))
    with store.view() as state:
        assert state.effective_compatibility("t") == "FORWARD"
    store.close()


def test_a_broken_log_fails_writers_with_50001_instead_of_hanging():
    store = RegistryStore(ScriptedLog(fail=True), write_timeout_s=2)
    with pytest.raises(RegistryError) as exc:
        store.start(timeout_s=2)
    assert exc.value.error_code == 50001 and "disk on fire" in str(exc.value)
    store.close()
