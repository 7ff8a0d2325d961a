"""Obtain the pinned Kafka jars: Java check, Maven resolution, local cache.

The jars are resolved once per pom content into ``~/.cache/eventflow/kafka/<hash>/lib``
(or ``$EVENTFLOW_CACHE_DIR``), so reruns start without touching the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from eventflow.errors import EnvironmentProblem, ErrorCode

MIN_JAVA_MAJOR = 17
_POM_NAME = "kafka-pom.xml"


@dataclass(frozen=True)
class KafkaDistribution:
    """A resolved set of broker jars and the Java that runs them."""

    java: Path
    lib_dir: Path
    kafka_version: str

    @property
    def classpath(self) -> str:
        return str(self.lib_dir / "*")


def pom_text() -> str:
    return resources.files("eventflow.kafka.local").joinpath(_POM_NAME).read_text("utf-8")


def pinned_kafka_version(text: str | None = None) -> str:
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", text or pom_text())
    if match is None:  # pragma: no cover - the pom is part of the package
        raise EnvironmentProblem(
            "kafka-pom.xml has no <kafka.version>", code=ErrorCode.CONFIG_INVALID
        )
    return match.group(1)


def default_cache_dir() -> Path:
    env = os.environ.get("EVENTFLOW_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eventflow"


def find_java(java_home: str | None = None) -> Path:
    """Return a Java executable of version 17 or newer, or raise a one-line error."""
    home = java_home if java_home is not None else os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    java = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if java is None:
        raise EnvironmentProblem(
            "Java not found: install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jdk`) "
            "or set JAVA_HOME",
            code=ErrorCode.JAVA_MISSING,
        )
    major = java_major_version(Path(java))
    if major < MIN_JAVA_MAJOR:
        raise EnvironmentProblem(
            f"Java {major} at {java} is too old: Kafka 4 needs Java {MIN_JAVA_MAJOR} or newer; "
            "install a newer JDK and point JAVA_HOME at it",
            code=ErrorCode.JAVA_TOO_OLD,
        )
    return Path(java)


def java_major_version(java: Path) -> int:
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise EnvironmentProblem(
            f"Java at {java} cannot run ({exc}); install a JDK 17 or newer or set JAVA_HOME",
            code=ErrorCode.JAVA_MISSING,
        ) from exc
    return parse_java_version(out.stderr + out.stdout)


def parse_java_version(text: str) -> int:
    """Major version from ``java -version`` output (``1.8.0_392`` is 8, ``17.0.15`` is 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if match is None:
        raise EnvironmentProblem(
            f"could not read the Java version from: {text.strip()[:120]!r}",
            code=ErrorCode.JAVA_MISSING,
        )
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    return major


def resolve_distribution(
    cache_dir: Path | None = None,
    *,
    maven_args: tuple[str, ...] = (),
    java_home: str | None = None,
) -> KafkaDistribution:
    """Java check, then the cached jars, resolving them with Maven on first use."""
    java = find_java(java_home)
    text = pom_text()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = (cache_dir or default_cache_dir()) / "kafka" / digest
    lib = root / "lib"
    if not (root / "complete").exists():
        _download(text, root, lib, maven_args)
    return KafkaDistribution(java=java, lib_dir=lib, kafka_version=pinned_kafka_version(text))


def _download(text: str, root: Path, lib: Path, maven_args: tuple[str, ...]) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EnvironmentProblem(
            "Maven (mvn) not found: install it (`apt-get install maven`) to download Kafka, "
            "or set EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS to use an existing cluster",
            code=ErrorCode.MAVEN_MISSING,
        )
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix="resolve-") as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(text, "utf-8")
        staging = Path(work) / "lib"
        cmd = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            *maven_args,
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
        if proc.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
            raise EnvironmentProblem(
                "could not download Kafka from Maven Central: "
                f"{_maven_reason(proc.stdout + proc.stderr)}; check the network or the proxy "
                "in ~/.m2/settings.xml, or set EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS to use "
                "an existing cluster",
                code=ErrorCode.DOWNLOAD_FAILED,
            )
        if lib.exists():
            shutil.rmtree(lib)
        staging.rename(lib)
    (root / "complete").write_text(text, "utf-8")


def _maven_reason(output: str) -> str:
    """The most telling line of a failed Maven run, shortened to one line."""
    for line in output.splitlines():
        if "[ERROR]" in line and ("Could not" in line or "Failed" in line):
            return line.replace("[ERROR]", "").strip()[:300]
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return lines[0][:300] if lines else "Maven exited with an error"
