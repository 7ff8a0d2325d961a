"""Run one Apache Kafka node in KRaft combined mode (broker + controller) on loopback.

State layout under ``state_dir`` (persists across restarts for development)::

    kafka/data/            log.dirs, formatted once with the cluster id
    kafka/broker.json      cluster id and ports, so restarts reuse them
    kafka/server.properties, kafka/log4j2.properties
    kafka/broker.log       everything the broker prints
    kafka/broker.pid

Nothing here ever deletes data: a folder that is not ours, or is damaged, is refused
with a message that says how to move it aside.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from eventflow.errors import EnvironmentProblem, ErrorCode
from eventflow.kafka._client_config import KafkaCluster
from eventflow.kafka._probe import metadata_answers
from eventflow.kafka.local._distribution import KafkaDistribution, resolve_distribution
from eventflow.processes import process_alive, terminate_group

HOST = "127.0.0.1"


@dataclass(frozen=True)
class BrokerMeta:
    """What must stay the same across restarts of one broker: its cluster id and ports."""

    cluster_id: str
    port: int
    controller_port: int


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str | None
    answering: bool
    state_dir: Path
    log_file: Path


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding.

    Like Kafka's own ``Uuid.randomUuid``, never one starting with '-': command-line tools
    (``kafka-storage format -t``) would read it as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, what: str, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the broker itself: connections in TIME_WAIT from a previous run do not count,
        # a process listening on the port does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise EnvironmentProblem(
                f"port {port} on {HOST} ({what}) is already in use: stop what holds it "
                f"or choose another port with {setting} (0 picks a free one)",
                code=ErrorCode.PORT_IN_USE,
            ) from exc


class LocalBroker:
    """Format, start, probe and stop a single-node KRaft Kafka."""

    def __init__(
        self,
        state_dir: Path,
        *,
        port: int = 9092,
        controller_port: int = 0,
        heap: str = "512m",
        start_timeout_s: float = 90.0,
        distribution: KafkaDistribution | None = None,
    ) -> None:
        self.root = state_dir.resolve() / "kafka"
        self.data_dir = self.root / "data"
        self.log_file = self.root / "broker.log"
        self._pid_file = self.root / "broker.pid"
        self._meta_file = self.root / "broker.json"
        self._port = port
        self._controller_port = controller_port
        self._heap = heap
        self._timeout = start_timeout_s
        self._distribution = distribution
        self._process: subprocess.Popen[bytes] | None = None

    # -- public ----------------------------------------------------------------------------
    @property
    def bootstrap(self) -> str | None:
        meta = self._read_meta()
        return f"{HOST}:{meta.port}" if meta else None

    def start(self) -> str:
        """Start the broker (formatting storage on first use); return its bootstrap address."""
        current = self.status()
        if current.running and current.answering and current.bootstrap:
            return current.bootstrap
        if current.running:
            raise EnvironmentProblem(
                f"a broker process (pid {current.pid}) runs from {self.root} but does not answer; "
                f"see {self.log_file}, or run `eventflow dev down` and retry",
                code=ErrorCode.BROKER_START_FAILED,
            )
        meta = self._prepare_meta()
        ensure_port_free(meta.port, "Kafka broker", "EVENTFLOW_DEV__KAFKA_PORT")
        ensure_port_free(
            meta.controller_port, "Kafka controller", "EVENTFLOW_DEV__KAFKA_CONTROLLER_PORT"
        )
        dist = self._distribution or resolve_distribution()
        self._write_configs(meta)
        self._format_storage(dist, meta.cluster_id)
        self._launch(dist)
        bootstrap = f"{HOST}:{meta.port}"
        self._wait_until_answering(bootstrap)
        return bootstrap

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker if it runs; return whether one was stopped."""
        pid = self._live_pid()
        if pid is None:
            self._pid_file.unlink(missing_ok=True)
            return False
        terminate_group(pid, timeout_s, self._reap)
        self._pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> BrokerStatus:
        pid = self._live_pid()
        bootstrap = self.bootstrap
        answering = bool(pid and bootstrap and metadata_answers(KafkaCluster(bootstrap)))
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=bootstrap,
            answering=answering,
            state_dir=self.root,
            log_file=self.log_file,
        )

    # -- preparation -----------------------------------------------------------------------
    def _read_meta(self) -> BrokerMeta | None:
        if not self._meta_file.exists():
            return None
        try:
            raw = json.loads(self._meta_file.read_text("utf-8"))
            return BrokerMeta(str(raw["cluster_id"]), int(raw["port"]), int(raw["controller_port"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise self._damaged(
                f"{self._meta_file} is damaged (needs cluster_id, port, controller_port: {exc})"
            ) from exc

    def _prepare_meta(self) -> BrokerMeta:
        known = self._read_meta()
        if known is None:
            self._refuse_foreign_data()
        cluster_id = known.cluster_id if known else new_cluster_id()
        port = self._port or (known.port if known else 0) or free_port()
        cport = self._controller_port or (known.controller_port if known else 0)
        if not cport or cport == port:
            cport = free_port()
        meta = BrokerMeta(cluster_id, port, cport)
        self.root.mkdir(parents=True, exist_ok=True)
        payload = {"cluster_id": cluster_id, "port": port, "controller_port": cport}
        self._meta_file.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
        return meta

    def _refuse_foreign_data(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise self._damaged(
                f"{self.data_dir} holds data that EventFlow did not create (no broker.json)"
            )

    def _damaged(self, why: str) -> EnvironmentProblem:
        return EnvironmentProblem(
            f"{why}; nothing was deleted: move {self.root} aside "
            f"(e.g. `mv {self.root} {self.root}.bak`) to start a fresh broker",
            code=ErrorCode.DATA_DIR_INVALID,
        )

    def _write_configs(self, meta: BrokerMeta) -> None:
        port, cport = meta.port, meta.controller_port
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{HOST}:{cport}",
            "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir.resolve()),
            "num.partitions": "3",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        text = "".join(f"{key}={value}\n" for key, value in props.items())
        (self.root / "server.properties").write_text(text, "utf-8")
        (self.root / "log4j2.properties").write_text(
            "status = error\n"
            "appender.out.type = Console\nappender.out.name = OUT\n"
            "appender.out.layout.type = PatternLayout\n"
            "appender.out.layout.pattern = [%d] %p %m (%c)%n\n"
            "rootLogger.level = INFO\nrootLogger.appenderRef.out.ref = OUT\n"
            "logger.kafka.name = org.apache.kafka\nlogger.kafka.level = INFO\n",
            "utf-8",
        )

    def _format_storage(self, dist: KafkaDistribution, cluster_id: str) -> None:
        if (self.data_dir / "meta.properties").exists():
            self._check_meta_properties(cluster_id)
            return
        self._refuse_foreign_data()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(dist.java),
            *self._jvm_flags(),
            "-cp",
            dist.classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(self.root / "server.properties"),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise EnvironmentProblem(
                f"formatting Kafka storage in {self.data_dir} failed: "
                f"{_last_meaningful_line(proc.stdout + proc.stderr)}",
                code=ErrorCode.BROKER_START_FAILED,
            )

    def _check_meta_properties(self, cluster_id: str) -> None:
        path = self.data_dir / "meta.properties"
        try:
            lines = path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise self._damaged(f"{path} cannot be read ({exc})") from exc
        values = dict(ln.split("=", 1) for ln in lines if "=" in ln and not ln.startswith("#"))
        found = values.get("cluster.id")
        if found != cluster_id:
            raise self._damaged(
                f"{path} belongs to cluster {found!r}, not to this broker's {cluster_id!r}"
            )

    # -- process ---------------------------------------------------------------------------
    def _jvm_flags(self) -> list[str]:
        return [
            f"-Xmx{self._heap}",
            f"-Xms{self._heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={(self.root / 'log4j2.properties').resolve()}",
        ]

    def _launch(self, dist: KafkaDistribution) -> None:
        cmd = [
            str(dist.java),
            *self._jvm_flags(),
            "-cp",
            dist.classpath,
            "kafka.Kafka",
            str(self.root / "server.properties"),
        ]
        with self.log_file.open("ab") as log:
            log.write(f"\n=== eventflow: starting Kafka {dist.kafka_version} ===\n".encode())
            log.flush()
            self._process = subprocess.Popen(  # fixed argv, no shell
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.root,
            )
        self._pid_file.write_text(str(self._process.pid), "utf-8")

    def _wait_until_answering(self, bootstrap: str) -> None:
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                self._pid_file.unlink(missing_ok=True)
                raise EnvironmentProblem(
                    f"Kafka exited during start-up (code {self._process.returncode}): "
                    f"{self._failure_reason()}; full log: {self.log_file}",
                    code=ErrorCode.BROKER_START_FAILED,
                )
            if metadata_answers(KafkaCluster(bootstrap), timeout_s=1.0):
                return
            time.sleep(0.2)
        self.stop()
        raise EnvironmentProblem(
            f"Kafka did not answer metadata requests on {bootstrap} within {self._timeout:.0f}s; "
            f"see {self.log_file}",
            code=ErrorCode.BROKER_START_FAILED,
        )

    def _failure_reason(self) -> str:
        try:
            tail = self.log_file.read_text("utf-8", errors="replace")[-20000:]
        except OSError:
            return "no log written"
        return _last_meaningful_line(tail)

    def _live_pid(self) -> int | None:
        try:
            pid = int(self._pid_file.read_text("utf-8").strip())
        except (OSError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def _reap(self) -> None:
        if self._process is not None:
            self._process.poll()


_KNOWN_CAUSES = (
    (
        "Address already in use",
        "a port is already in use; choose another with EVENTFLOW_DEV__KAFKA_PORT",
    ),
    ("UnsupportedClassVersionError", "Java is too old; Kafka 4 needs Java 17 or newer"),
    ("InconsistentClusterIdException", "the data folder belongs to another cluster"),
)


def _last_meaningful_line(text: str) -> str:
    for marker, cause in _KNOWN_CAUSES:
        if marker in text:
            return cause
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if ("ERROR" in stripped or "Exception" in stripped) and not stripped.startswith("at "):
            return stripped[:300]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"
