from __future__ import annotations

from eventflow.kafka._topics_file import TopicSpec
from eventflow.kafka._topics_plan import Drift, ExistingTopic, plan_topics

DECLARED = [
    TopicSpec("a", 3, 1, {"retention.ms": "10"}),
    TopicSpec("b", 1, 1, {}),
    TopicSpec("c", 3, 1, {"cleanup.policy": "delete"}),
]


def test_missing_topics_are_created_matching_ones_are_in_sync_and_drift_is_reported():
    existing = {
        "a": ExistingTopic("a", 3, 1, {"retention.ms": "10", "other": "x"}),
        "c": ExistingTopic("c", 6, 1, {"cleanup.policy": "compact"}),
    }
    plan = plan_topics(DECLARED, existing)
    assert [t.name for t in plan.create] == ["b"]
    assert plan.in_sync == ("a",)
    assert plan.drift == (
        Drift("c", "partitions", "3", "6"),
        Drift("c", "cleanup.policy", "delete", "compact"),
    )
    assert plan.drift[0].describe() == "c: partitions is 6 on the cluster, declared 3"


def test_unset_config_counts_as_drift():
    plan = plan_topics(
        [TopicSpec("a", 1, 1, {"retention.ms": "5"})], {"a": ExistingTopic("a", 1, 1, {})}
    )
    assert plan.drift == (Drift("a", "retention.ms", "5", "unset"),)
