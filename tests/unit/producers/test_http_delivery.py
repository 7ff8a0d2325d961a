"""The delivery pump: one event-loop wake-up per poll round, and no early completion."""

from __future__ import annotations

import asyncio

from eventflow.kafka.testing import FakeProducer
from eventflow.producers.http._delivery import DeliveryPump


def held_sender() -> FakeProducer:
    """Acknowledges nothing until the test calls ``release`` (then one poll round does all)."""
    sender = FakeProducer()
    sender.hold = True
    return sender


def test_many_groups_completed_in_one_poll_round_wake_the_loop_once() -> None:
    sender = held_sender()
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
        sender.release()  # one poll round resolves all 50
        done = await asyncio.gather(*waits)
        return done, len(wakeups)

    try:
        done, wakeups = asyncio.run(main())
    finally:
        pump.stop()
    assert done == [True] * 50
    assert wakeups == 1


def test_a_group_that_completes_while_still_being_filled_is_waited_for_to_the_end() -> None:
    sender = held_sender()
    pump = DeliveryPump(sender, poll_timeout_s=0.01)

    async def main() -> tuple[bool, bool, int]:
        group = pump.group()
        sender.send_in(group, "t", b"first")
        sender.release()  # the first record resolves: the group is complete for now
        while not group.done:
            await asyncio.sleep(0.005)
        sender.hold = True
        sender.send_in(group, "t", b"second")  # queued after that completion
        waiting = asyncio.ensure_future(pump.wait(group, 10))
        await asyncio.sleep(0.05)
        early = waiting.done()
        sender.release()
        return early, await waiting, group.pending

    try:
        early, completed, pending = asyncio.run(main())
    finally:
        pump.stop()
    assert early is False
    assert completed is True and pending == 0


def test_wait_gives_up_after_the_timeout_with_records_pending() -> None:
    sender = held_sender()
    pump = DeliveryPump(sender, poll_timeout_s=0.01)

    async def main() -> tuple[bool, int]:
        group = pump.group()
        sender.send_in(group, "t", b"never acknowledged")
        return await pump.wait(group, 0.05), group.pending

    try:
        assert asyncio.run(main()) == (False, 1)
    finally:
        pump.stop()
