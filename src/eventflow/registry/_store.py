"""The registry store: an ordered log (port) tailed into a :class:`RegistryState`.

``RegistryStore`` is the only writer of the state: a background thread reads the log and
applies records in order. A write appends one record durably, then waits until the tail has
applied it, so an acknowledged write is both durable and visible; a write that was not
applied (the process died) is never visible, because the view is only ever built from the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from eventflow.registry._errors import Code, RegistryError
from eventflow.registry._records import decode
from eventflow.registry._state import RegistryState

LOG = logging.getLogger("eventflow.registry.store")


class LogEntry(Protocol):
    """What a log read returns: a position, a key and a value (``None``: a tombstone)."""

    @property
    def position(self) -> int: ...

    @property
    def key(self) -> bytes: ...

    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class RawRecord:
    """A :class:`LogEntry` for logs that have no record type of their own (file, tests)."""

    position: int
    key: bytes
    value: bytes | None


class SchemaLog(Protocol):
    """An append-only, totally ordered log of (key, value) records."""

    def append(self, key: bytes, value: bytes | None) -> int:
        """Write durably; return the record's position. Raises EventFlowError on failure."""
        ...

    def end_position(self) -> int:
        """The position after the last durable record (what a reader must reach)."""
        ...

    def read(self, timeout_s: float) -> Sequence[LogEntry]:
        """The next records after those already read (may be empty after the timeout)."""
        ...

    def read_position(self) -> int:
        """The position the reader will read next (past gaps left by log compaction)."""
        ...

    def close(self) -> None: ...


class RegistryStore:
    """Tails ``log`` into a state; serialises this instance's writes."""

    def __init__(self, log: SchemaLog, *, write_timeout_s: float = 30.0) -> None:
        self._log = log
        self._state = RegistryState()
        self._position = 0
        self._changed = threading.Condition(threading.RLock())
        self._write_lock = threading.Lock()
        self._timeout = write_timeout_s
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._tail, name="registry-tail", daemon=True)

    def start(self, *, timeout_s: float = 120.0) -> None:
        """Start tailing and return once the whole existing log is applied."""
        target = self._log.end_position()
        self._thread.start()
        self.wait_for(target, timeout_s)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._log.close()

    @property
    def position(self) -> int:
        return self._position

    @contextmanager
    def view(self) -> Iterator[RegistryState]:
        """Read the state consistently (no record is applied while the block runs)."""
        with self._changed:
            yield self._state

    @contextmanager
    def writing(self) -> Iterator[RegistryState]:
        """Hold this instance's write lock, caught up with the whole log first.

        Decide under :meth:`view`, then :meth:`append` outside it, so reads never wait for
        a write's round trip to the log.
        """
        with self._write_lock:
            self.wait_for(self._log.end_position(), self._timeout)
            yield self._state  # read it inside view(): other instances' records still arrive

    def append(self, key: bytes, value: bytes | None) -> None:
        """Append durably and wait until applied (call inside :meth:`writing`)."""
        position = self._log.append(key, value)
        self.wait_for(position + 1, self._timeout)

    def wait_for(self, position: int, timeout_s: float) -> None:
        with self._changed:
            done = self._changed.wait_for(
                lambda: self._position >= position or self._failure is not None, timeout_s
            )
            if self._failure is not None:
                raise RegistryError(
                    Code.STORE_ERROR, f"Error in the backend datastore: {self._failure}"
                )
            if not done:
                raise RegistryError(
                    Code.STORE_TIMEOUT,
                    f"Write to the backend datastore timed out while waiting for position "
                    f"{position} (applied up to {self._position})",
                )

    def _tail(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._log.read(0.2)
            except Exception as exc:
                LOG.exception("registry log tail failed")
                with self._changed:
                    self._failure = exc
                    self._changed.notify_all()
                return
            reached = self._log.read_position()
            if not batch and reached <= self._position:
                continue
            with self._changed:
                for raw in batch:
                    record = decode(raw.key, raw.value)
                    if record is not None:
                        self._state.apply(record)
                    self._position = raw.position + 1
                # compaction may have removed the records before the end offset: skip the gap
                self._position = max(self._position, reached)
                self._changed.notify_all()
