"""Compare declared topics with what a cluster has (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eventflow.kafka._topics_file import TopicSpec


@dataclass(frozen=True)
class ExistingTopic:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Drift:
    topic: str
    setting: str
    declared: str
    actual: str

    def describe(self) -> str:
        return (
            f"{self.topic}: {self.setting} is {self.actual} on the cluster, "
            f"declared {self.declared}"
        )


@dataclass(frozen=True)
class TopicsPlan:
    create: tuple[TopicSpec, ...]
    in_sync: tuple[str, ...]
    drift: tuple[Drift, ...]


def plan_topics(declared: Sequence[TopicSpec], existing: Mapping[str, ExistingTopic]) -> TopicsPlan:
    create: list[TopicSpec] = []
    in_sync: list[str] = []
    drift: list[Drift] = []
    for spec in declared:
        have = existing.get(spec.name)
        if have is None:
            create.append(spec)
            continue
        found: list[Drift] = []
        if have.partitions != spec.partitions:
            found.append(Drift(spec.name, "partitions", str(spec.partitions), str(have.partitions)))
        if have.replication_factor != spec.replication_factor:
            found.append(
                Drift(
                    spec.name,
                    "replication_factor",
                    str(spec.replication_factor),
                    str(have.replication_factor),
                )
            )
        for key, value in sorted(spec.config.items()):
            actual = have.config.get(key)
            if actual != value:
                found.append(Drift(spec.name, key, value, "unset" if actual is None else actual))
        if found:
            drift.extend(found)
        else:
            in_sync.append(spec.name)
    return TopicsPlan(tuple(create), tuple(in_sync), tuple(drift))
