"""Bad environments and damaged state give one-line errors and never delete data."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import uuid
from pathlib import Path

import pytest

from eventflow.errors import EnvironmentProblem, ErrorCode
from eventflow.kafka.local import KafkaDistribution, LocalBroker
from eventflow.kafka.local._distribution import find_java, parse_java_version, resolve_distribution

FAKE_DIST = KafkaDistribution(
    java=Path("/nonexistent/java"), lib_dir=Path("/nonexistent"), kafka_version="0"
)


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ('openjdk version "11.0.2"', 11),
    ],
)
def test_java_version_parsing(text, major):
    assert parse_java_version(text) == major


def _fake_java(tmp_path: Path, version_line: str) -> Path:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return home


def test_old_java_is_refused_with_the_fix(tmp_path):
    home = _fake_java(tmp_path, 'openjdk version "11.0.2" 2019-01-15')
    with pytest.raises(EnvironmentProblem, match=r"Java 11 .* too old: Kafka 4 needs Java 17") as e:
        find_java(str(home))
    assert e.value.code is ErrorCode.JAVA_TOO_OLD


def test_missing_java_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on PATH
    with pytest.raises(EnvironmentProblem, match=r"Java not found: install a JDK 17") as e:
        find_java(str(tmp_path / "no-jdk"))
    assert e.value.code is ErrorCode.JAVA_MISSING


def test_unreachable_maven_central_is_one_line_and_caches_nothing(tmp_path):
    settings = tmp_path / "settings.xml"
    settings.write_text(
        "<settings><mirrors><mirror><id>dead</id><mirrorOf>*</mirrorOf>"
        "<url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>"
    )
    cache = tmp_path / "cache"
    with pytest.raises(
        EnvironmentProblem, match=r"could not download Kafka from Maven Central"
    ) as e:
        resolve_distribution(
            cache, maven_args=("-s", str(settings), f"-Dmaven.repo.local={tmp_path / 'm2'}")
        )
    assert e.value.code is ErrorCode.DOWNLOAD_FAILED
    assert "\n" not in str(e.value)
    assert not list(cache.glob("kafka/*/complete")), "a failed download must not look cached"


def test_port_in_use_names_the_port_and_the_setting(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        broker = LocalBroker(tmp_path, port=port, distribution=FAKE_DIST)
        with pytest.raises(
            EnvironmentProblem,
            match=rf"port {port} .* already in use.*"
            r"EVENTFLOW_DEV__KAFKA_PORT",
        ) as e:
            broker.start()
    assert e.value.code is ErrorCode.PORT_IN_USE


def test_foreign_data_folder_is_refused_and_kept(tmp_path):
    data = tmp_path / "kafka" / "data"
    data.mkdir(parents=True)
    (data / "precious.log").write_text("someone else's data")
    broker = LocalBroker(tmp_path, port=0, distribution=FAKE_DIST)
    with pytest.raises(
        EnvironmentProblem, match=r"did not create .* nothing was deleted: move"
    ) as e:
        broker.start()
    assert e.value.code is ErrorCode.DATA_DIR_INVALID
    assert (data / "precious.log").read_text() == "someone else's data"


def test_corrupted_state_file_is_refused_and_kept(tmp_path):
    root = tmp_path / "kafka"
    root.mkdir()
    (root / "broker.json").write_text("{not json")
    with pytest.raises(EnvironmentProblem, match=r"broker\.json is damaged.*move .* aside"):
        LocalBroker(tmp_path, port=0, distribution=FAKE_DIST).start()
    assert (root / "broker.json").read_text() == "{not json"


def test_data_folder_of_another_cluster_is_refused(tmp_path):
    root = tmp_path / "kafka"
    (root / "data").mkdir(parents=True)
    (root / "broker.json").write_text(
        json.dumps({"cluster_id": "ours", "port": 0, "controller_port": 0})
    )
    (root / "data" / "meta.properties").write_text("cluster.id=theirs\nnode.id=1\n")
    with pytest.raises(
        EnvironmentProblem, match=r"belongs to cluster 'theirs'.*nothing was deleted"
    ):
        LocalBroker(tmp_path, port=0, distribution=FAKE_DIST).start()
    assert (root / "data" / "meta.properties").exists()


def test_status_of_a_never_started_broker(tmp_path):
    status = LocalBroker(tmp_path, distribution=FAKE_DIST).status()
    assert (status.running, status.pid, status.bootstrap, status.answering) == (
        False,
        None,
        None,
        False,
    )
    assert not os.path.exists(tmp_path / "kafka")


def test_cluster_ids_never_start_with_a_dash(monkeypatch):
    from eventflow.kafka.local import _broker as broker_module

    dash_first = uuid.UUID(bytes=base64.urlsafe_b64decode("-" + "A" * 21 + "=="))
    fine = uuid.UUID(int=1)
    draws = iter([dash_first, fine])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    cluster_id = broker_module.new_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(fine.bytes).rstrip(b"=").decode()
    assert len(cluster_id) == 22
