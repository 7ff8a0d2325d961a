"""Embedded single-node storage: an append-only local file of JSON lines.

Each append is written and ``fsync``-ed before it counts; a torn last line (the process died
mid-write) is ignored on replay and cut off before the next append. One process at a time:
the file is locked with ``flock``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import IO

import orjson

from eventflow.errors import ConfigError, EnvironmentProblem, ErrorCode
from eventflow.registry._store import RawRecord


class FileSchemaLog:
    """``SchemaLog`` on a local file; positions are line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file: IO[bytes] = open(path.with_suffix(path.suffix + ".lock"), "ab")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"registry file {path}: cannot open ({exc.strerror})") from exc
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock_file.close()
            raise EnvironmentProblem(
                f"registry file {path} is in use by another process; stop it or choose "
                "another file with --file",
                code=ErrorCode.REGISTRY_STORE_FAILED,
            ) from exc
        self._cut_torn_tail()
        self._writer = open(path, "ab")  # noqa: SIM115
        self._reader = open(path, "rb")  # noqa: SIM115
        self._count = self._count_lines()
        self._read_position = 0
        self._appended = threading.Condition()

    def _cut_torn_tail(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)
                os.fsync(handle.fileno())

    def _count_lines(self) -> int:
        with open(self.path, "rb") as handle:
            return sum(1 for _ in handle)

    def append(self, key: bytes, value: bytes | None) -> int:
        line = orjson.dumps([key.decode(), None if value is None else value.decode()]) + b"\n"
        with self._appended:
            self._writer.write(line)
            self._writer.flush()
            os.fsync(self._writer.fileno())
            position = self._count
            self._count += 1
            self._appended.notify_all()
        return position

    def end_position(self) -> int:
        with self._appended:
            return self._count

    def read(self, timeout_s: float) -> list[RawRecord]:
        with self._appended:
            if self._read_position >= self._count:
                self._appended.wait(timeout_s)
        out: list[RawRecord] = []
        while True:
            start = self._reader.tell()
            line = self._reader.readline()
            if not line:
                break
            if not line.endswith(b"\n"):  # torn: a later complete write will follow it
                self._reader.seek(start)
                break
            try:
                key, value = orjson.loads(line)
                out.append(
                    RawRecord(
                        self._read_position, key.encode(), None if value is None else value.encode()
                    )
                )
            except (orjson.JSONDecodeError, ValueError, AttributeError):
                out.append(RawRecord(self._read_position, b"", None))  # counted, ignored
            self._read_position += 1
        return out

    def read_position(self) -> int:
        return self._read_position

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
        self._lock_file.close()
