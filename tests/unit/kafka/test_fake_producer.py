"""The shipped fake producer (``eventflow.kafka.testing``) behaves like the real one."""

from __future__ import annotations

import asyncio

import pytest

from eventflow.consumers._ports import LoopSender
from eventflow.kafka._producer import (
    DeliveryFailed,
    DeliveryGroup,
    DeliveryReport,
    GroupSender,
    ProducerQueueFull,
    RecordSender,
)
from eventflow.kafka.testing import FakeProducer, SentRecord
from eventflow.producers.http._service import EventSink


def test_it_is_every_sender_the_services_take() -> None:
    fake = FakeProducer()
    senders: tuple[RecordSender, GroupSender, LoopSender, EventSink] = (fake, fake, fake, fake)
    assert all(sender is fake for sender in senders)


def test_group_records_are_acknowledged_by_the_next_poll_with_offsets_per_partition() -> None:
    fake = FakeProducer(partitions=2)
    group = DeliveryGroup()
    indexes = [
        fake.send_in(group, "t", b"v0", key=b"k"),
        fake.send_in(group, "t", b"v1", key=b"k", headers=[("h", b"1")]),
        fake.send_in(group, "u", b"v2"),
    ]
    assert indexes == [0, 1, 2]
    assert group.pending == 3 and group.reports == [None, None, None]
    assert fake.poll(0) == 3
    assert group.done and group.failed == 0
    first, second, other = group.reports
    assert isinstance(first, DeliveryReport) and isinstance(second, DeliveryReport)
    assert first.partition == second.partition  # same key, same partition
    assert (first.offset, second.offset) == (0, 1)
    assert other == DeliveryReport("u", 0, 0)  # no key: partition 0, its own offsets
    assert fake.sent[1] == SentRecord("t", b"k", b"v1", [("h", b"1")])
    assert [r.value for r in fake.on("t")] == [b"v0", b"v1"]


def test_wait_for_acknowledges_and_counts_the_waits() -> None:
    fake = FakeProducer()
    group = DeliveryGroup()
    fake.send_in(group, "t", b"v")
    assert fake.wait_for(group, 1.0) is True
    assert fake.waits == 1 and group.reports == [DeliveryReport("t", 0, 0)]


def test_while_down_every_write_fails_retriably_and_nothing_is_kept() -> None:
    fake = FakeProducer()
    fake.down = True
    group = DeliveryGroup()
    fake.send_in(group, "t", b"v")
    fake.poll(0)
    error = group.first_error()
    assert isinstance(error, DeliveryFailed) and error.retriable
    assert "timed out" in str(error)
    assert fake.sent == []
    fake.down = False
    again = DeliveryGroup()
    fake.send_in(again, "t", b"v")
    fake.poll(0)
    assert again.first_error() is None and len(fake.sent) == 1


def test_fail_next_refuses_exactly_that_many_writes() -> None:
    fake = FakeProducer()
    fake.fail_next = 1
    group = DeliveryGroup()
    fake.send_in(group, "t", b"refused")
    fake.send_in(group, "t", b"taken")
    fake.flush()
    assert group.failed == 1 and isinstance(group.reports[0], DeliveryFailed)
    assert group.reports[1] == DeliveryReport("t", 0, 0)
    assert [r.value for r in fake.sent] == [b"taken"]


def test_hold_keeps_acknowledgements_pending_until_release() -> None:
    fake = FakeProducer()
    fake.hold = True
    group = DeliveryGroup()
    fake.send_in(group, "t", b"v")
    assert fake.wait_for(group, 0.01) is False
    assert fake.poll(0.01) == 0 and fake.flush() == 1
    fake.release()
    assert fake.poll(0) == 1 and group.done


def test_send_returns_a_future_resolved_like_the_background_poller_would() -> None:
    fake = FakeProducer()
    assert fake.send("t", b"v", key=b"k").result(timeout=1) == DeliveryReport("t", 0, 0)
    fake.fail_next = 1
    with pytest.raises(DeliveryFailed):
        fake.send("t", b"v").result(timeout=1)
    report = asyncio.run(fake.send_async("t", b"w", partition=0))
    assert report == DeliveryReport("t", 0, 1)


def test_a_held_send_resolves_after_release() -> None:
    fake = FakeProducer()
    fake.hold = True
    future = fake.send("t", b"v")
    assert not future.done()
    fake.release()
    assert fake.flush() == 0
    assert future.result(timeout=1) == DeliveryReport("t", 0, 0)


def test_a_full_queue_raises_and_leaves_the_group_unchanged() -> None:
    fake = FakeProducer(queue_limit=1)
    group = DeliveryGroup()
    fake.send_in(group, "t", b"first")
    with pytest.raises(ProducerQueueFull):
        fake.send_in(group, "t", b"second")
    assert len(group) == 1 and group.pending == 1
    fake.poll(0)
    assert group.done and [r.value for r in fake.sent] == [b"first"]


def test_an_unknown_partition_is_refused_at_once() -> None:
    fake = FakeProducer(partitions=2)
    with pytest.raises(DeliveryFailed, match="unknown partition 5"):
        fake.send("t", b"v", partition=5)
    assert fake.sent == []


def test_health_and_close() -> None:
    fake = FakeProducer()
    assert fake.healthy() is True
    fake.answers = False
    assert fake.healthy() is False
    fake.send_in(DeliveryGroup(), "t", b"v")
    assert fake.close() == 0 and fake.closed


def test_partitions_must_be_positive() -> None:
    with pytest.raises(ValueError, match="partitions"):
        FakeProducer(partitions=0)
