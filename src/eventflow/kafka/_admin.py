"""Topic administration against a real cluster (the only place topics are created)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource
from confluent_kafka.admin._metadata import ClusterMetadata
from confluent_kafka.admin._resource import ResourceType
from confluent_kafka.cimpl import NewTopic

from eventflow.errors import BrokerError, ErrorCode
from eventflow.kafka._client_config import KafkaCluster, client_config
from eventflow.kafka._refusals import RefusalWatch, metadata_or_refusal
from eventflow.kafka._topics_file import TopicSpec
from eventflow.kafka._topics_plan import ExistingTopic, TopicsPlan, plan_topics


@dataclass(frozen=True)
class ApplyResult:
    created: tuple[str, ...]
    plan: TopicsPlan


class TopicAdmin:
    def __init__(self, cluster: KafkaCluster, *, timeout_s: float = 30.0) -> None:
        self._cluster = cluster
        self._timeout = timeout_s
        self._refusals = RefusalWatch()
        self._admin = AdminClient(client_config(cluster, {"error_cb": self._refusals}))

    def existing(self, names: Sequence[str]) -> dict[str, ExistingTopic]:
        metadata = self._metadata()
        present = [n for n in names if n in metadata.topics and metadata.topics[n].error is None]
        configs = self._configs(present)
        out: dict[str, ExistingTopic] = {}
        for name in present:
            partitions = metadata.topics[name].partitions
            rf = max((len(p.replicas) for p in partitions.values()), default=0)
            out[name] = ExistingTopic(name, len(partitions), rf, configs.get(name, {}))
        return out

    def record_limit(self, topics: Sequence[str], producer_limit: int) -> int:
        """The largest record every one of ``topics`` takes from a producer whose
        ``message.max.bytes`` is ``producer_limit``: the smallest of it and the topics'
        ``max.message.bytes`` (topics that do not exist yet are not counted)."""
        limits = [producer_limit]
        for topic in self.existing(topics).values():
            value = topic.config.get("max.message.bytes")
            if value is not None and value.isdigit():
                limits.append(int(value))
        return min(limits)

    def apply(self, declared: Sequence[TopicSpec]) -> ApplyResult:
        plan = plan_topics(declared, self.existing([t.name for t in declared]))
        created: list[str] = []
        if plan.create:
            futures = self._admin.create_topics(
                [
                    NewTopic(
                        t.name,
                        num_partitions=t.partitions,
                        replication_factor=t.replication_factor,
                        config=dict(t.config),
                    )
                    for t in plan.create
                ],
                operation_timeout=self._timeout,
                request_timeout=self._timeout,
            )
            for name, future in futures.items():
                try:
                    future.result()
                except KafkaException as exc:
                    error = exc.args[0]
                    exists = KafkaError.TOPIC_ALREADY_EXISTS
                    if isinstance(error, KafkaError) and error.code() == exists:
                        continue  # created concurrently by someone else: fine, idempotent
                    raise BrokerError(
                        f"could not create topic {name}: {error}", code=ErrorCode.ADMIN_FAILED
                    ) from exc
                created.append(name)
        return ApplyResult(tuple(created), plan)

    def _configs(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        if not names:
            return {}
        resources = [ConfigResource(ResourceType.TOPIC, n) for n in names]
        out: dict[str, dict[str, str]] = {}
        try:
            for resource, future in self._admin.describe_configs(
                resources, request_timeout=self._timeout
            ).items():
                entries = future.result()
                out[resource.name] = {k: str(v.value) for k, v in entries.items()}
        except KafkaException as exc:
            raise BrokerError(
                f"could not read topic configs: {exc.args[0]}", code=ErrorCode.ADMIN_FAILED
            ) from exc
        return out

    def _metadata(self) -> ClusterMetadata:
        """The cluster's metadata; a refusal (credentials, certificates) is reported within
        about a second instead of after the timeout."""
        try:
            metadata: ClusterMetadata = metadata_or_refusal(
                self._admin, self._cluster, self._refusals, self._timeout
            )
        except KafkaException as exc:
            raise self._unreachable(exc) from exc
        return metadata

    def _unreachable(self, exc: KafkaException) -> BrokerError:
        return BrokerError(
            f"Kafka at {self._cluster.bootstrap} did not answer ({exc.args[0]}); start it with "
            "`eventflow dev up` or set EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS",
            code=ErrorCode.BROKER_UNREACHABLE,
        )
