"""In-memory idempotency: a retried request gets the first result and writes nothing twice.

Keys are scoped by the API key's name. Only successes are remembered (for ``window_s`` after
they completed): a request that failed (503, 422) leaves nothing behind, so its retry runs
again. A duplicate that arrives while the first is still in flight waits for it.

Limits (documented in docs/http-api.md): the store lives in one process. Several uvicorn
workers or replicas each have their own, so a retry routed to another process is written
again (downstream writers are idempotent by event id). When more than ``max_entries``
results are held, the oldest are forgotten early.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from eventflow.producers.http._problems import IdempotencyConflict

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    fingerprint: str
    expires_at: float
    result: T | None = None
    pending: asyncio.Future[bool] | None = None


class IdempotencyStore(Generic[T]):
    """Remembers the result of each completed action by key, for a time window."""

    def __init__(self, *, window_s: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._window = window_s
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def run(
        self, key: str, fingerprint: str, action: Callable[[], Awaitable[T]]
    ) -> tuple[T, bool]:
        """Run ``action`` once per key; return ``(result, replayed)``.

        Raises :class:`IdempotencyConflict` when the key was used for a different request.
        """
        while True:
            entry = self._live(key)
            if entry is None:
                break
            if entry.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "this idempotency key (or event id) was already used for a different "
                    "request; use a new key for a new event"
                )
            if entry.pending is None:
                assert entry.result is not None
                return entry.result, True
            await asyncio.shield(entry.pending)  # the first one is in flight: wait, then look again
        pending: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        entry = _Entry[T](fingerprint, expires_at=float("inf"), pending=pending)
        self._entries[key] = entry
        try:
            result = await action()
        except BaseException:
            if self._entries.get(key) is entry:
                del self._entries[key]
            raise
        finally:
            entry.pending = None
            if not pending.done():
                pending.set_result(True)
        entry.result = result
        entry.expires_at = self._clock() + self._window
        self._entries.move_to_end(key)
        self._evict()
        return result, False

    def _live(self, key: str) -> _Entry[T] | None:
        entry = self._entries.get(key)
        if entry is not None and entry.pending is None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        return entry

    def _evict(self) -> None:
        now = self._clock()
        while self._entries:
            oldest_key, oldest = next(iter(self._entries.items()))
            if oldest.pending is not None:
                break
            if oldest.expires_at <= now or len(self._entries) > self._max:
                del self._entries[oldest_key]
                continue
            break
