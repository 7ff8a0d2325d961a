"""Several batches in flight: a batch's delivery wait overlaps the next batches' work, yet each
partition is committed only up to its contiguous delivered prefix, and a transient failure in
the middle rewinds the partition to the failed record and drops every later batch in flight
(read again, in order, after the retry). Commits are asynchronous and coalesced; stopping
commits synchronously."""

from __future__ import annotations

import threading

from confluent_kafka import KafkaError

from eventflow.consumers._outcome import Forward, InputEvent, Reject, RetriableFailure
from eventflow.consumers._runtime import ServiceRuntime, ServiceSpec
from tests.unit.consumers.fakes import FakeCodec, FakeProducer, FakeSource, record

RAW, OUT = "events.raw.v1", "events.validated.v1"
P0, P1 = (RAW, 0), (RAW, 1)


def spec(**overrides: object) -> ServiceSpec:
    values: dict[str, object] = dict(
        service="s",
        group="g",
        input_topic=RAW,
        output_topic=OUT,
        batch_size=2,
        backoff_initial_s=0.0,
        max_batches_in_flight=4,
    )
    values.update(overrides)
    return ServiceSpec(**values)  # type: ignore[arg-type]


class Stamp:
    def handle(self, event: InputEvent) -> Forward | Reject:
        return Forward({**event.value, "validation": {"ok": True}})


def runtime(src: FakeSource, prod: FakeProducer, handler: object = None, **kw: object):
    return ServiceRuntime(
        spec(**kw),
        source=src,
        producer=prod,
        codec=FakeCodec(),
        handler=handler or Stamp(),  # type: ignore[arg-type]
        sleep=lambda s: None,
    )


def keys(prod: FakeProducer) -> list[bytes]:
    return [s.key or b"" for s in prod.on(OUT)]


def committed_history(src: FakeSource, partition: tuple[str, int]) -> list[int]:
    return [offsets[partition] for offsets, _async in src.commits if partition in offsets]


def test_later_batches_are_started_before_the_earlier_ones_are_acknowledged():
    src = FakeSource([record(i) for i in range(6)])
    prod = FakeProducer()
    prod.hold = True
    rt = runtime(src, prod)
    assert [rt.run_once(), rt.run_once(), rt.run_once()] == [2, 2, 2]
    assert rt.in_flight == 3, "three batches queued, none acknowledged"
    assert src.commits == [], "nothing is committed before its outputs are acknowledged"
    prod.release()
    rt.run_once()  # nothing new: waits for the oldest, concludes every delivered batch
    assert rt.in_flight == 0
    assert src.committed == {P0: 6}
    assert all(asynchronous for _offsets, asynchronous in src.commits)
    assert keys(prod) == [f"k{i}".encode() for i in range(6)]


def test_a_failure_in_the_middle_rewinds_to_it_and_drops_every_later_batch_in_flight():
    src = FakeSource([record(i) for i in range(8)])
    prod = FakeProducer()
    prod.hold = True
    prod.refuse[(OUT, b"k3")] = KafkaError.KAFKA_STORAGE_ERROR  # retriable, about the record
    rt = runtime(src, prod)
    for _ in range(3):
        rt.run_once()  # batches [0,1] [2,3] [4,5] in flight
    prod.release()
    rt.run_once()  # [6,7] joins, the pipeline is full: the oldest are concluded in order
    # [0,1] delivered; [2,3] delivered 2 but not 3: the prefix up to 3 is committed, the
    # partition rewinds to 3, [4,5] and [6,7] (delivered or not) are dropped
    assert committed_history(src, P0) == [3]
    assert src.seeks[-1] == (P0, 3)
    assert rt.in_flight == 0 and rt.retry_state is not None
    del prod.refuse[(OUT, b"k3")]
    for _ in range(10):
        if src.committed.get(P0) == 8:
            break
        rt.run_once()
    assert src.committed == {P0: 8}
    history = committed_history(src, P0)
    assert history == sorted(history), "commits only move forward"
    sent = keys(prod)
    # the first pass sent 4..7 ahead of the failed 3; the retry sends 3..7 again, in order
    assert sent[:7] == [b"k0", b"k1", b"k2", b"k4", b"k5", b"k6", b"k7"]
    assert sent[7:] == [b"k3", b"k4", b"k5", b"k6", b"k7"]
    assert rt.retry_state is None


def test_a_failure_on_one_partition_drops_the_later_batches_of_the_others_too():
    records = [record(i) for i in range(4)] + [record(10 + i, partition=1) for i in range(4)]
    src = FakeSource(records)
    prod = FakeProducer()
    prod.hold = True
    prod.refuse[(OUT, b"k2")] = KafkaError._MSG_TIMED_OUT  # the broker away for this one
    rt = runtime(src, prod)
    for _ in range(3):
        rt.run_once()  # [0,1] [2,3] of partition 0, then [10,11] of partition 1
    prod.release()
    rt.run_once()  # [12,13] joins; the oldest are concluded
    assert src.committed == {P0: 2}, "partition 1's delivered batches were dropped, not committed"
    assert (P0, 2) in src.seeks and (P1, 10) in src.seeks
    prod.refuse.clear()
    for _ in range(10):
        if src.committed == {P0: 4, P1: 14}:
            break
        rt.run_once()
    assert src.committed == {P0: 4, P1: 14}
    for partition in (P0, P1):
        history = committed_history(src, partition)
        assert history == sorted(history)
    last_copies = list(dict.fromkeys(reversed(keys(prod))))[::-1]
    assert last_copies == [b"k0", b"k1", b"k2", b"k3", b"k10", b"k11", b"k12", b"k13"]


def test_a_batch_failing_before_its_outputs_are_queued_settles_the_earlier_ones_first():
    class StoreAwayOnce:
        failed = False

        def handle(self, event: InputEvent) -> Forward:
            if event.record.offset == 4 and not StoreAwayOnce.failed:
                StoreAwayOnce.failed = True
                raise RetriableFailure("lookup service away")
            return Forward(event.value)

    src = FakeSource([record(i) for i in range(6)])
    prod = FakeProducer()
    prod.hold = True
    rt = runtime(src, prod, StoreAwayOnce())
    rt.run_once()
    rt.run_once()  # [0,1] [2,3] in flight
    prod.release()
    rt.run_once()  # [4,5] fails in the handler: [0,1] [2,3] are concluded and committed first
    assert src.committed == {P0: 4}
    assert src.seeks[-1] == (P0, 4)
    for _ in range(5):
        rt.run_once()
    assert src.committed == {P0: 6}
    assert keys(prod) == [f"k{i}".encode() for i in range(6)]


def test_commits_are_coalesced_and_stopping_commits_synchronously():
    src = FakeSource([record(i) for i in range(8)])
    prod = FakeProducer()
    rt = runtime(src, prod, commit_interval_s=3600.0)
    stop = threading.Event()

    for _ in range(4):
        rt.run_once()
    assert len(src.commits) == 1, "one commit in the interval, however many batches concluded"
    assert src.commits[0] == ({P0: 2}, True)
    stop.set()
    rt.run(stop)  # stops at once: finishes what is in flight and commits synchronously
    assert src.commits[-1] == ({P0: 8}, False)
    assert src.closed


def test_stopping_waits_for_the_batches_in_flight_before_committing():
    src = FakeSource([record(i) for i in range(4)])
    prod = FakeProducer()
    prod.hold = True
    rt = runtime(src, prod)
    rt.run_once()
    rt.run_once()
    assert rt.in_flight == 2 and src.commits == []
    prod.release()
    rt.finish()
    assert rt.in_flight == 0
    assert src.commits == [({P0: 4}, False)]


def test_stopping_with_a_batch_still_failing_commits_only_the_delivered_prefix():
    src = FakeSource([record(i) for i in range(4)])
    prod = FakeProducer()
    prod.refuse[(OUT, b"k1")] = KafkaError._MSG_TIMED_OUT
    prod.hold = True
    rt = runtime(src, prod)
    rt.run_once()
    rt.run_once()
    prod.release()
    rt.finish()
    assert src.committed == {P0: 1}, "only record 0 precedes the failure"
    assert rt.in_flight == 0


def test_a_revocation_concludes_the_batches_in_flight_and_commits_synchronously():
    src = FakeSource([record(i) for i in range(4)] + [record(10, partition=1)])
    prod = FakeProducer()
    prod.hold = True
    rt = runtime(src, prod)
    rt.run_once()
    rt.run_once()
    assert rt.in_flight == 2 and src.commits == []
    prod.release()
    rt.partitions_revoked([P0])  # librdkafka calls it inside a poll, before P0 is handed over
    assert rt.in_flight == 0
    assert src.commits == [({P0: 4}, False)]


def test_a_revocation_during_a_failure_rewinds_only_the_partitions_kept():
    src = FakeSource([record(0), record(1), record(10, partition=1), record(11, partition=1)])
    prod = FakeProducer()
    prod.hold = True
    prod.refuse[(OUT, b"k1")] = KafkaError._MSG_TIMED_OUT
    rt = runtime(src, prod)
    rt.run_once()  # [0,1] of partition 0
    rt.run_once()  # [10,11] of partition 1
    prod.release()
    rt.partitions_revoked([P0])
    assert src.committed == {P0: 1}, "the delivered prefix of the revoked partition"
    assert (P1, 10) in src.seeks, "the kept partition reads its dropped batch again"
    assert (P0, 1) not in src.seeks, "the revoked one is its next owner's business"
