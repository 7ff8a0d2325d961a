"""Helpers for the pipeline's integration tests: isolated topic lanes, real service
subprocesses (for kill -9), event factories encoding with the real registry."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from eventflow.config import KafkaSettings, PipelineSettings, Settings
from eventflow.consumers._codec import RegistryCodec
from eventflow.consumers._dead_letter import dead_letter_subject
from eventflow.consumers._operations import StoredDeadLetter, list_dead_letters, topic_size
from eventflow.contracts import DataContract
from eventflow.events import DeadLetter
from eventflow.kafka._admin import TopicAdmin
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._consumer import set_group_offsets, watermarks
from eventflow.kafka._producer import DeliveryGroup, DeliveryReport, DurableProducer
from eventflow.kafka._topics_file import TopicSpec
from eventflow.kafka.local._broker import free_port
from eventflow.registry._client import RegistryClient, SchemaReference
from eventflow.serde import AvroSerializer
from eventflow.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas" / "avro"
ENRICHMENT = REPO / "rules" / "enrichment"
RAW_SUBJECT = "events.raw.v1-{record}"
RECORDS = {
    "order.placed": "com.eventflow.events.OrderPlaced",
    "user.registered": "com.eventflow.events.UserRegistered",
    "payment.failed": "com.eventflow.events.PaymentFailed",
}


NO_RULES: dict[str, Any] = {"domainRules": []}
WITHOUT_RULES_SUBJECT = "it-no-rules-{record}"


def register_contracts(registry_url: str) -> dict[str, int]:
    """What `eventflow schema register` does: every subject, shared types first, by reference,
    with the declared metadata and CEL rules. Answers the raw subject's schema id per event
    type."""
    workspace = load_workspace(SCHEMAS)
    ids: dict[str, int] = {}
    with RegistryClient(registry_url, timeout_s=60) as client:
        for entry in workspace.registration_order():
            schema_id = client.register(
                entry.subject,
                workspace.schema_for_subject(entry.subject).text,
                _references(client, entry.references),
                contract=workspace.contract_for_subject(entry.subject),
            )
            if entry.event_type is not None and entry.subject.startswith("events.raw.v1-"):
                ids[entry.event_type] = schema_id
    return ids


def register_without_rules(registry_url: str) -> dict[str, int]:
    """Each event type's raw schema with an explicit empty rule set, under a subject of its
    own (``it-no-rules-<record>``: never the subjects the API and `schema register` use, so
    their newest version keeps the declared rules). For lanes that test the runtime, not the
    rules: no CEL evaluation per event. Answers the schema id per event type."""
    workspace = load_workspace(SCHEMAS)
    register_contracts(registry_url)  # the shared types the schemas refer to
    ids: dict[str, int] = {}
    with RegistryClient(registry_url, timeout_s=60) as client:
        for event_type, record in RECORDS.items():
            standard = RAW_SUBJECT.format(record=record)
            entry = next(e for e in workspace.manifest.subjects if e.subject == standard)
            declared = workspace.contract_for_subject(standard)
            assert declared is not None
            ids[event_type] = client.register(
                WITHOUT_RULES_SUBJECT.format(record=record),
                workspace.schema_for_subject(standard).text,
                _references(client, entry.references),
                contract=DataContract(declared.metadata, NO_RULES),
            )
    return ids


def _references(client: RegistryClient, subjects: Iterable[str]) -> list[SchemaReference]:
    return [
        SchemaReference(name=ref, subject=ref, version=client.list_versions(ref)[-1])
        for ref in subjects
    ]


def register_raw_rules(lane: Lane, event_type: str, rule_set: dict[str, Any]) -> int:
    """Register ``event_type``'s schema under the lane's own raw subject
    (``<lane raw topic>-<record>``) with ``rule_set``: the rules in force for the lane's
    validator from now on (it reads the newest version of that subject holding the writer's
    schema). Answers the schema id."""
    workspace = load_workspace(SCHEMAS)
    record = RECORDS[event_type]
    standard = RAW_SUBJECT.format(record=record)
    entry = next(e for e in workspace.manifest.subjects if e.subject == standard)
    declared = workspace.contract_for_subject(standard)
    assert declared is not None
    with RegistryClient(lane.registry_url, timeout_s=60) as client:
        return client.register(
            f"{lane.raw}-{record}",
            workspace.schema_for_subject(standard).text,
            _references(client, entry.references),
            contract=DataContract(declared.metadata, rule_set),
        )


def wait_until(
    check: Callable[[], bool], timeout_s: float, what: str, interval: float = 0.25
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


@dataclass
class Lane:
    """A private set of pipeline topics + database, so tests never see each other's events."""

    bootstrap: str
    registry_url: str
    run: str
    workdir: Path
    shared_raw: str | None = None  # read this shared topic (from its current end) instead
    kafka: KafkaSettings = field(default_factory=KafkaSettings)  # how to connect (security)
    kafka_env: dict[str, str] = field(default_factory=dict)  # the same, for service processes

    @property
    def cluster(self) -> KafkaCluster:
        return KafkaCluster.from_settings(self.kafka, self.bootstrap)

    @property
    def raw(self) -> str:
        return self.shared_raw or f"it-{self.run}.raw"

    @property
    def validated(self) -> str:
        return f"it-{self.run}.validated"

    @property
    def enriched(self) -> str:
        return f"it-{self.run}.enriched"

    @property
    def dlq(self) -> str:
        return f"it-{self.run}.dlq"

    @property
    def db_path(self) -> Path:
        return self.workdir / "events.db"

    def pipeline(self, **overrides: Any) -> PipelineSettings:
        values: dict[str, Any] = dict(
            raw_topic=self.raw,
            validated_topic=self.validated,
            enriched_topic=self.enriched,
            dlq_topic=self.dlq,
            enrichment_dir=ENRICHMENT,
            database_url=f"sqlite:///{self.db_path}",
            backoff_initial_ms=100,
            backoff_max_ms=1000,
            validator_group=f"validator-{self.run}",
            enricher_group=f"enricher-{self.run}",
            writer_group=f"writer-{self.run}",
        )
        values.update(overrides)
        return PipelineSettings(**values)

    def settings(self, **overrides: Any) -> Settings:
        base = Settings()
        return base.model_copy(
            update={
                "pipeline": self.pipeline(**overrides),
                "kafka": self.kafka.model_copy(update={"bootstrap_servers": self.bootstrap}),
                "registry": base.registry.model_copy(update={"url": self.registry_url}),
            }
        )

    def env(self, **overrides: Any) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTFLOW_")}
        env["EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS"] = self.bootstrap
        env["EVENTFLOW_REGISTRY__URL"] = self.registry_url
        env.update(self.kafka_env)
        env["EVENTFLOW_SCHEMAS_DIR"] = str(SCHEMAS)  # services read the manifest; cwd is workdir
        for key, value in self.pipeline(**overrides).model_dump().items():
            if isinstance(value, dict):  # a nested section: one variable per field
                for name, inner in value.items():
                    env[f"EVENTFLOW_PIPELINE__{key.upper()}__{name.upper()}"] = str(inner)
            elif value is not None:
                env[f"EVENTFLOW_PIPELINE__{key.upper()}"] = str(value)
        return env

    def size(self, topic: str) -> int:
        return topic_size(self.cluster, topic)

    def dead_letters(self) -> list[StoredDeadLetter]:
        codec = RegistryCodec(RegistryClient(self.registry_url))
        return list(list_dead_letters(self.cluster, self.dlq, codec))


def register_dead_letter_subject(lane: Lane) -> None:
    """Register the DeadLetter schema under the lane's own dead-letter subject: dead letters
    go to the subject of the configured topic (``<topic>-value``), as an operator who moves
    the dead-letter topic registers it."""
    with RegistryClient(lane.registry_url, timeout_s=60) as client:
        client.register(dead_letter_subject(lane.dlq), DeadLetter.AVRO_SCHEMA_JSON)


def make_lane(
    bootstrap: str,
    registry_url: str,
    workdir: Path,
    *,
    partitions: int = 3,
    shared_raw: str | None = None,
    kafka: KafkaSettings | None = None,
    kafka_env: dict[str, str] | None = None,
) -> Lane:
    """Fresh topics for one test; with ``shared_raw`` (e.g. the API's events.raw.v1) the lane's
    validator group starts at that topic's current end, so older events are not its business."""
    lane = Lane(
        bootstrap,
        registry_url,
        uuid.uuid4().hex[:10],
        workdir,
        shared_raw=shared_raw,
        kafka=kafka or KafkaSettings(),
        kafka_env=kafka_env or {},
    )
    names = (
        [lane.validated, lane.enriched] if shared_raw else [lane.raw, lane.validated, lane.enriched]
    )
    specs = [TopicSpec(name, partitions, 1, {}) for name in names]
    TopicAdmin(lane.cluster).apply([*specs, TopicSpec(lane.dlq, 1, 1, {})])
    register_dead_letter_subject(lane)
    if shared_raw:
        ends = {p: high for p, (_low, high) in watermarks(lane.cluster, shared_raw).items()}
        set_group_offsets(lane.cluster, f"validator-{lane.run}", shared_raw, ends)
    return lane


_STARTED: list[subprocess.Popen[bytes]] = []


@atexit.register
def _kill_leftovers() -> None:
    """Safety net: no service outlives the test session, whatever failed."""
    for process in _STARTED:
        if process.poll() is None:
            process.kill()


class ServiceProcess:
    """``eventflow serve KIND`` as a real subprocess (SIGTERM-able and kill -9-able)."""

    def __init__(
        self, kind: str, lane: Lane, *, wrapper: Sequence[str] = (), **overrides: Any
    ) -> None:
        """``wrapper``: arguments between the interpreter and ``-m eventflow`` (a bench runs
        the service under a script that instruments it)."""
        self.kind = kind
        self.metrics_port = free_port()
        self.log_path = lane.workdir / f"{kind}-{self.metrics_port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop/kill
        self.process = subprocess.Popen(
            [
                sys.executable,
                *wrapper,
                "-m",
                "eventflow",
                "serve",
                kind,
                "--metrics-port",
                str(self.metrics_port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=lane.env(**overrides),
            cwd=lane.workdir,
        )
        _STARTED.append(self.process)

    def metrics_up(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).is_success
        except httpx.HTTPError:
            return False

    def metric(self, name: str) -> float:
        """Sum of the samples of ``name`` on this process's /metrics (0 when not up yet)."""
        try:
            text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return 0.0
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def wait_ready(self, timeout_s: float = 90) -> ServiceProcess:
        """Until its metrics answer (signal handlers are installed by then)."""
        wait_until(
            lambda: self.metrics_up() or not self.alive(),
            timeout_s,
            f"{self.kind} to start",
        )
        assert self.alive(), self.output()
        return self

    def partitions(self) -> set[int]:
        """Partitions this member reports lag for, i.e. owns right now."""
        try:
            text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return set()
        return {
            int(line.split('partition="')[1].split('"')[0])
            for line in text.splitlines()
            if line.startswith("eventflow_consumer_lag{")
        }

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class Events:
    """Builds raw events as the HTTP producer would and encodes them with the registry.

    ``rules``: encoded with the schema ids registered with the declared CEL rules (what
    `eventflow schema register` registers), else with ids registered without rules
    (:func:`register_without_rules`); an explicit id, so a lane's events carry exactly those
    rules whatever another test registered. ``schema_ids`` overrides per event type."""

    def __init__(
        self, registry_url: str, *, rules: bool, schema_ids: dict[str, int] | None = None
    ) -> None:
        self._serializer = AvroSerializer(RegistryClient(registry_url))
        self._workspace = load_workspace(SCHEMAS)
        found = register_contracts(registry_url) if rules else register_without_rules(registry_url)
        self._ids = {**found, **(schema_ids or {})}

    @classmethod
    def as_producer(cls, registry_url: str) -> Events:
        """Encoding as a producer does: with the id the registry finds for the workspace's
        schema under the raw subject (registers nothing)."""
        events = cls.__new__(cls)
        events._serializer = AvroSerializer(RegistryClient(registry_url))
        events._workspace = load_workspace(SCHEMAS)
        events._ids = {}
        return events

    def encode(self, event_type: str, value: dict[str, Any]) -> bytes:
        if event_type in self._ids:
            return self._serializer.serialize_with_id(self._ids[event_type], value)
        return self._serializer.serialize(
            value,
            subject=RAW_SUBJECT.format(record=RECORDS[event_type]),
            schema=self._workspace.schema_for_event_type(event_type),
        )

    @staticmethod
    def envelope(event_type: str, event_id: str | None = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # timestamp-millis
        event_id = event_id or str(uuid.uuid4())
        return {
            "event_id": event_id,
            "event_type": event_type,
            "source": "it",
            "occurred_at": now,
            "received_at": now,
            "correlation_id": event_id,
            "causation_id": None,
        }

    def order(
        self, order_id: str, *, total: str = "19.90", quantity: int = 2, price: str = "9.95"
    ) -> tuple[str, bytes, bytes]:
        env = self.envelope("order.placed")
        value = {
            "envelope": env,
            "payload": {
                "order_id": order_id,
                "customer_id": "c-1",
                "line_items": [
                    {"sku": "SKU-1", "quantity": quantity, "unit_price": Decimal(price)}
                ],
                "total": Decimal(total),
                "currency": "EUR",
                "shipping_address": {
                    "recipient": "Ada",
                    "street": "1 Main St",
                    "city": "Bern",
                    "postal_code": "3000",
                    "country": "CH",
                },
            },
            "validation": None,
            "enrichment": None,
        }
        return env["event_id"], order_id.encode(), self.encode("order.placed", value)

    def user(self, user_id: str, bio: str | None) -> tuple[str, bytes, bytes]:
        env = self.envelope("user.registered")
        value = {
            "envelope": env,
            "payload": {
                "user_id": user_id,
                "email": f"{user_id}@example.org",
                "display_name": "Ada",
                "locale": "en-GB",
                "marketing_opt_in": True,
                "bio": bio,
            },
            "validation": None,
            "enrichment": None,
        }
        return env["event_id"], user_id.encode(), self.encode("user.registered", value)


def produce(
    bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes | None]]
) -> list[tuple[int, int]]:
    """Send (key, value) records durably; return their (partition, offset) in order."""
    producer = DurableProducer(KafkaCluster(bootstrap), linger_ms=20)
    group = DeliveryGroup()
    try:
        for key, value in records:
            producer.send_in(group, topic, value, key=key)
        if not producer.wait_for(group, 300):
            raise AssertionError(f"{group.pending} record(s) not acknowledged within 300s")
        out = []
        for report in group.reports:
            if not isinstance(report, DeliveryReport):
                raise AssertionError(f"a record was not delivered: {report}")
            out.append((report.partition, report.offset))
        return out
    finally:
        producer.close()
