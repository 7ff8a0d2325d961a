"""The delivery pump: one event-loop wake-up per poll round, and no early completion."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

from eventflow.kafka.producer import DeliveryGroup
from eventflow.producers.http.delivery import DeliveryPump
from tests.unit.producers.fakes import FakeMessage


class SteppedSender:
    """Resolves what was queued only when the test releases a poll round."""

    def __init__(self) -> None:
        self.queued: list[tuple[DeliveryGroup, int]] = []
        self.rounds = threading.Semaphore(0)
        self.lock = threading.Lock()

    def send_in(self, group, topic, value, *, key=None, headers=None) -> int:
        index: int = group._add()
        with self.lock:
            self.queued.append((group, index))
        return index

    def poll(self, timeout_s: float = 0.0) -> int:
        if not self.rounds.acquire(timeout=timeout_s):
            return 0
        with self.lock:
            queued, self.queued = self.queued, []
        for offset, (group, index) in enumerate(queued):
            group._resolve(index, None, cast(Any, FakeMessage("t", 0, offset)))
        return len(queued)


def test_many_groups_completed_in_one_poll_round_wake_the_loop_once() -> None:
    sender = SteppedSender()
    pump = DeliveryPump(sender, poll_timeout_s=0.01)

    async def main() -> tuple[list[bool], int]:
        loop = asyncio.get_running_loop()
        wakeups = []
        original = loop.call_soon_threadsafe

        def counting(callback, *args, **kwargs):
            wakeups.append(callback)
            return original(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign,assignment]
        groups = [pump.group() for _ in range(50)]
        for group in groups:
            sender.send_in(group, "t", b"v")
        waits = [asyncio.ensure_future(pump.wait(group, 10)) for group in groups]
        await asyncio.sleep(0.05)
        assert not any(w.done() for w in waits)  # nothing resolved yet: all still waiting
        sender.rounds.release()  # one poll round resolves all 50
        done = await asyncio.gather(*waits)
        return done, len(wakeups)

    try:
        done, wakeups = asyncio.run(main())
    finally:
        pump.stop()
    assert done == [True] * 50
    assert wakeups == 1


def test_a_group_that_completes_while_still_being_filled_is_waited_for_to_the_end() -> None:
    sender = SteppedSender()
    pump = DeliveryPump(sender, poll_timeout_s=0.01)

    async def main() -> tuple[bool, bool, int]:
        group = pump.group()
        sender.send_in(group, "t", b"first")
        sender.rounds.release()  # the first record resolves: the group is complete for now
        while not group.done:
            await asyncio.sleep(0.005)
        sender.send_in(group, "t", b"second")  # queued after that completion
        waiting = asyncio.ensure_future(pump.wait(group, 10))
        await asyncio.sleep(0.05)
        early = waiting.done()
        sender.rounds.release()
        return early, await waiting, group.pending

    try:
        early, completed, pending = asyncio.run(main())
    finally:
        pump.stop()
    assert early is False
    assert completed is True and pending == 0


def test_wait_gives_up_after_the_timeout_with_records_pending() -> None:
    sender = SteppedSender()
    pump = DeliveryPump(sender, poll_timeout_s=0.01)

    async def main() -> tuple[bool, int]:
        group = pump.group()
        sender.send_in(group, "t", b"never acknowledged")
        return await pump.wait(group, 0.05), group.pending

    try:
        assert asyncio.run(main()) == (False, 1)
    finally:
        pump.stop()
