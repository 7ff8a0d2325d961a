"""Delivery reports into the event loop: one thread polls the producer, one wake-up per round.

Every request (or batch) queues its records under one :class:`DeliveryGroup`. The pump's
thread serves the producer's delivery callbacks (``poll``); a group that completes appends
its asyncio future to a deque, and after each poll round the thread wakes each event loop
that has completed futures ONCE (``call_soon_threadsafe``), not once per request.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

from eventflow.kafka import DeliveryGroup, GroupSender

POLL_TIMEOUT_S = 0.05


class PolledSender(GroupSender, Protocol):
    """What the pump needs of a producer: :class:`~eventflow.kafka._producer.DurableProducer`
    built with ``background_poll=False`` in production, a fake in unit tests."""

    def poll(self, timeout_s: float = 0.0) -> int: ...


class DeliveryPump:
    """Polls ``sender`` in a daemon thread (started on first use) until :meth:`stop`.

    A group may complete more than once while its records are still being queued (the
    first records resolved before the last was added): completions only wake the loop,
    and the waiter checks :attr:`DeliveryGroup.done` on the loop's own thread.
    """

    def __init__(self, sender: PolledSender, *, poll_timeout_s: float = POLL_TIMEOUT_S) -> None:
        self._sender = sender
        self._poll_timeout_s = poll_timeout_s
        self._completed: deque[tuple[DeliveryGroup, asyncio.AbstractEventLoop]] = deque()
        self._callbacks: dict[asyncio.AbstractEventLoop, Callable[[DeliveryGroup], None]] = {}
        self._waiting: dict[DeliveryGroup, asyncio.Future[None]] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def group(self) -> DeliveryGroup:
        """A new group whose completion wakes the running event loop."""
        loop = asyncio.get_running_loop()
        callback = self._callbacks.get(loop)
        if callback is None:
            if self._thread is None:
                self._start()
            append = self._completed.append
            callback = self._callbacks[loop] = lambda group: append((group, loop))
        return DeliveryGroup(on_complete=callback)

    async def wait(self, group: DeliveryGroup, timeout_s: float) -> bool:
        """Wait until every record of ``group`` resolved; False if ``timeout_s`` passed first."""
        if group.done:
            return True
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._waiting[group] = done
        timer = loop.call_later(timeout_s, _expire, done)
        try:
            await done
        finally:
            timer.cancel()
            self._waiting.pop(group, None)
        return group.done

    def stop(self) -> None:
        """Stop polling (the producer's ``flush``/``close`` serves what is left)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="eventflow-api-deliveries", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        poll, completed = self._sender.poll, self._completed
        while not self._stopping.is_set():
            poll(self._poll_timeout_s)
            if completed:
                self._wake()

    def _wake(self) -> None:
        """One ``call_soon_threadsafe`` per event loop for everything completed so far."""
        by_loop: dict[asyncio.AbstractEventLoop, list[DeliveryGroup]] = {}
        completed = self._completed
        while completed:
            group, loop = completed.popleft()
            by_loop.setdefault(loop, []).append(group)
        for loop, groups in by_loop.items():
            try:
                loop.call_soon_threadsafe(self._settle, groups)
            except RuntimeError:  # that loop is closed: nobody waits any more
                continue

    def _settle(self, groups: list[DeliveryGroup]) -> None:
        for group in groups:
            if group.done:
                _expire(self._waiting.pop(group, None))


def _expire(done: asyncio.Future[None] | None) -> None:
    if done is not None and not done.done():
        done.set_result(None)
