"""The in-memory idempotency store: replay, conflicts, in-flight waits, failures, expiry."""

from __future__ import annotations

import asyncio

import pytest

from eventflow.producers.http._idempotency import IdempotencyStore
from eventflow.producers.http._problems import IdempotencyConflict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(window=10.0, max_entries=100):
    clock = Clock()
    return IdempotencyStore[str](window_s=window, max_entries=max_entries, clock=clock), clock


def counting_action(result="r", delay=0.0):
    calls = []

    async def action():
        calls.append(1)
        if delay:
            await asyncio.sleep(delay)
        return f"{result}{len(calls)}"

    return action, calls


def test_second_run_replays_first_result():
    store, _ = make()
    action, calls = counting_action()

    async def scenario():
        return await store.run("k", "f", action), await store.run("k", "f", action)

    first, second = asyncio.run(scenario())
    assert first == ("r1", False) and second == ("r1", True)
    assert len(calls) == 1


def test_different_request_under_same_key_conflicts():
    store, _ = make()
    action, _ = counting_action()

    async def scenario():
        await store.run("k", "f1", action)
        await store.run("k", "f2", action)

    with pytest.raises(IdempotencyConflict):
        asyncio.run(scenario())


def test_concurrent_duplicates_wait_for_the_one_in_flight():
    store, _ = make()
    action, calls = counting_action(delay=0.05)

    async def scenario():
        return await asyncio.gather(*(store.run("k", "f", action) for _ in range(5)))

    results = asyncio.run(scenario())
    assert len(calls) == 1
    assert [r for r, _ in results] == ["r1"] * 5
    assert sorted(replayed for _, replayed in results) == [False, True, True, True, True]


def test_a_failure_is_forgotten_and_a_waiting_duplicate_runs_again():
    store, _ = make()
    attempts = []

    async def flaky():
        attempts.append(1)
        await asyncio.sleep(0.02)
        if len(attempts) == 1:
            raise RuntimeError("broker away")
        return "ok"

    async def scenario():
        return await asyncio.gather(
            store.run("k", "f", flaky), store.run("k", "f", flaky), return_exceptions=True
        )

    first, second = asyncio.run(scenario())
    assert isinstance(first, RuntimeError)
    assert second == ("ok", False)
    assert len(attempts) == 2


def test_results_expire_after_the_window_and_oldest_are_evicted():
    store, clock = make(window=10.0, max_entries=2)
    action, calls = counting_action()

    async def scenario():
        await store.run("a", "f", action)
        clock.now = 11.0
        again = await store.run("a", "f", action)
        await store.run("b", "f", action)
        await store.run("c", "f", action)
        return again

    again = asyncio.run(scenario())
    assert again == ("r2", False)  # expired: ran again
    assert len(store) == 2  # "a" evicted as the oldest beyond max_entries
    assert len(calls) == 4
