"""Our server's storage under failure: kill -9 and restart, and two instances on one log."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from eventflow.kafka._client_config import KafkaCluster
from tests.fixtures.registry import RegistryProcess

pytestmark = pytest.mark.integration


def schema(name: str, *fields: str) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "dur.test",
            "fields": [{"name": f, "type": "string", "default": ""} for f in fields],
        }
    )


def snapshot(url: str) -> dict[str, object]:
    """Everything a client can see, in a comparable form."""
    with httpx.Client(base_url=url, timeout=10) as http:
        subjects = http.get("/subjects", params={"deleted": "true"}).json()
        out: dict[str, object] = {
            "subjects": subjects,
            "live": http.get("/subjects").json(),
            "config": http.get("/config").json(),
        }
        for s in subjects:
            versions = http.get(f"/subjects/{s}/versions", params={"deleted": "true"}).json()
            out[s] = [
                http.get(f"/subjects/{s}/versions/{v}", params={"deleted": "true"}).json()
                for v in versions
            ]
            cfg = http.get(f"/config/{s}")
            out[f"{s}#config"] = cfg.json()
    return out


def register(url: str, subject: str, text: str) -> int:
    r = httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": text}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def test_kill_9_then_restart_on_the_same_topic_gives_identical_state(kafka_bootstrap, tmp_path):
    topic = f"_schemas_it_{uuid.uuid4().hex[:8]}"
    first = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    try:
        for i in range(5):
            register(first.url, "orders-value", schema("Order", *[f"f{j}" for j in range(i + 1)]))
        register(first.url, "users-value", schema("User", "id"))
        httpx.put(f"{first.url}/config/users-value", json={"compatibility": "FULL"})
        httpx.delete(f"{first.url}/subjects/orders-value/versions/2")
        contract = {
            "compatibilityGroup": "major_version",
            "defaultMetadata": {"properties": {"owner": "payments"}},
            "defaultRuleSet": {"domainRules": [{"name": "r", "type": "CEL", "expr": "true"}]},
        }
        httpx.put(f"{first.url}/config/pay-value", json=contract)
        r = httpx.post(
            f"{first.url}/subjects/pay-value/versions",
            json={
                "schema": schema("Pay", "id"),
                "metadata": {"properties": {"major_version": "1"}},
            },
        )
        assert r.json()["metadata"]["properties"] == {"major_version": "1", "owner": "payments"}
        before = snapshot(first.url)
        assert before["pay-value"][0]["ruleSet"]["domainRules"][0]["name"] == "r"  # type: ignore[index]
    finally:
        first.kill()
    second = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    try:
        assert snapshot(second.url) == before
        new_id = register(second.url, "users-value", schema("User", "id", "email"))
        assert new_id == 8  # ids continue after the last one, none reused
    finally:
        second.stop()


def test_killed_mid_registration_keeps_every_acknowledged_one_and_no_half(
    kafka_bootstrap, tmp_path
):
    topic = f"_schemas_it_{uuid.uuid4().hex[:8]}"
    server = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    acked: dict[str, int] = {}
    lock = threading.Lock()

    def worker(n: int) -> None:
        subject = f"kill-{n}-value"
        try:
            schema_id = register(server.url, subject, schema(f"K{n}", "a"))
        except (httpx.HTTPError, AssertionError):
            return
        with lock:
            acked[subject] = schema_id

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(worker, n) for n in range(60)]
        deadline = time.monotonic() + 60
        while len(acked) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        for f in futures:
            f.result()
    assert len(acked) >= 10
    again = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    try:
        with httpx.Client(base_url=again.url, timeout=10) as http:
            for subject, schema_id in acked.items():
                assert http.get(f"/subjects/{subject}/versions/1").json()["id"] == schema_id
            visible = http.get("/subjects").json()
            ids = []
            for subject in visible:  # whatever is visible is whole
                got = http.get(f"/subjects/{subject}/versions/latest").json()
                n = subject.split("-")[1]
                assert json.loads(got["schema"])["name"] == f"K{n}"
                assert http.get(f"/schemas/ids/{got['id']}").status_code == 200
                ids.append(got["id"])
            assert len(ids) == len(set(ids))
    finally:
        again.stop()


def test_two_instances_on_one_log_never_hand_out_the_same_id(kafka_bootstrap, tmp_path):
    topic = f"_schemas_it_{uuid.uuid4().hex[:8]}"
    a = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    b = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    try:
        jobs = []
        for n in range(24):  # distinct schemas, half of them racing on one subject
            subject = "shared-value" if n % 2 == 0 else f"own-{n}-value"
            fields = [f"f{j}" for j in range(n + 1)]
            jobs.append(
                (
                    a.url if n % 4 < 2 else b.url,
                    subject,
                    schema("Race", *fields) if subject == "shared-value" else schema(f"R{n}", "x"),
                )
            )
        same = schema("Same", "x")
        jobs += [(a.url, "same-a-value", same), (b.url, "same-b-value", same)]
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda job: register(*job), jobs))
        by_schema: dict[str, set[int]] = {}
        for (_, _, text), schema_id in zip(jobs, ids, strict=True):
            by_schema.setdefault(text, set()).add(schema_id)
        assert all(len(v) == 1 for v in by_schema.values()), "one schema, one id"
        firsts = [next(iter(v)) for v in by_schema.values()]
        assert len(firsts) == len(set(firsts)), "different schemas, different ids"
        deadline = time.monotonic() + 30
        while snapshot(a.url) != snapshot(b.url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert snapshot(a.url) == snapshot(b.url)
        shared = httpx.get(f"{a.url}/subjects/shared-value/versions").json()
        assert shared == list(range(1, 13))
    finally:
        a.stop()
        b.stop()


def test_file_storage_survives_kill_9(tmp_path):
    log = tmp_path / "schemas.log"
    first = RegistryProcess(tmp_path, file=log)
    try:
        ids = [register(first.url, f"file-{i}-value", schema(f"F{i}", "a")) for i in range(3)]
        before = snapshot(first.url)
    finally:
        first.kill()
    second = RegistryProcess(tmp_path, file=log)
    try:
        assert snapshot(second.url) == before
        assert register(second.url, "file-new-value", schema("FNew", "a")) == max(ids) + 1
    finally:
        second.stop()


def test_basic_auth_through_the_confluent_client_and_the_cli_entry_point(tmp_path):
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    server = RegistryProcess(
        tmp_path,
        file=tmp_path / "auth.log",
        via_cli=True,
        env={"EVENTFLOW_REGISTRY_SERVER__BASIC_AUTH_USERS": "alice:pw"},
    )
    try:
        anonymous = SchemaRegistryClient({"url": server.url})
        with pytest.raises(SchemaRegistryError) as exc:
            anonymous.get_subjects()
        assert exc.value.http_status_code == 401
        alice = SchemaRegistryClient({"url": server.url, "basic.auth.user.info": "alice:pw"})
        schema_id = alice.register_schema("auth-value", Schema(schema("Auth", "a"), "AVRO"))
        assert alice.get_schema(schema_id).schema_str is not None
        intruder = SchemaRegistryClient({"url": server.url, "basic.auth.user.info": "alice:no"})
        with pytest.raises(SchemaRegistryError) as exc:
            intruder.register_schema("auth-value", Schema(schema("Auth", "b"), "AVRO"))
        assert exc.value.http_status_code == 401
        assert alice.get_versions("auth-value") == [1]
    finally:
        server.stop()


def test_the_log_topic_is_created_single_partition_and_compacted(kafka_bootstrap, tmp_path):
    from eventflow.kafka._admin import TopicAdmin

    topic = f"_schemas_it_{uuid.uuid4().hex[:8]}"
    server = RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    server.stop()
    found = TopicAdmin(KafkaCluster(kafka_bootstrap)).existing([topic])[topic]
    assert found.partitions == 1
    assert found.config["cleanup.policy"] == "compact"


def test_a_log_topic_that_is_not_single_partition_compacted_is_refused(kafka_bootstrap, tmp_path):
    from eventflow.kafka._admin import TopicAdmin
    from eventflow.kafka._topics_file import TopicSpec

    topic = f"_schemas_bad_{uuid.uuid4().hex[:8]}"
    TopicAdmin(KafkaCluster(kafka_bootstrap)).apply(
        [TopicSpec(topic, 3, 1, {"cleanup.policy": "delete"})]
    )
    with pytest.raises(RuntimeError) as exc:
        RegistryProcess(tmp_path, bootstrap=kafka_bootstrap, topic=topic)
    assert f"topic {topic} has 3 partitions" in str(exc.value)
