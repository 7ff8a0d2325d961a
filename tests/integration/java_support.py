"""The Java client (clients/java) for integration tests: built once, run as real JVMs.

``build_java_client`` runs ``mvn -B -q package`` in a copy of ``clients/java`` under
``~/.cache/eventflow/java-client/<hash of its sources and of schemas/avro>``
(``$EVENTFLOW_CACHE_DIR`` honoured), so an unchanged client is never rebuilt. Maven resolves
from Maven Central into ``~/.m2`` the first time a pom is built; later builds of the same pom
run offline (``-o``), falling back to one online attempt if the local repository lost
something. Nothing here skips: missing Java or Maven fails the test.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from eventflow.kafka.local._distribution import default_cache_dir, find_java

REPO = Path(__file__).resolve().parents[2]
CLIENT_SOURCES = REPO / "clients" / "java"
CONTRACTS = REPO / "schemas" / "avro"
JAR_NAME = "eventflow-java-client-1.0.0.jar"
PROGRAMS = "dev.eventflow.clients.programs."
# short-lived JVMs on two shared cores: C1 only and the serial collector start and finish
# several times faster (clients/java/.mvn/jvm.config does the same for Maven)
QUICK_JVM = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def _digest(*roots: Path) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "target" not in p.parts):
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class JavaClient:
    """The built client: run its programs (``extra`` class folders go first on the path)."""

    java: Path
    jar: Path
    build_seconds: float  # 0.0 when the cached build was reused

    @property
    def lib(self) -> Path:
        return self.jar.parent / "lib"

    def classpath(self, extra: Sequence[Path] = ()) -> str:
        return ":".join([*(str(p) for p in extra), str(self.jar), f"{self.lib}/*"])

    def run(
        self,
        program: str,
        args: Sequence[str],
        *,
        extra: Sequence[Path] = (),
        timeout_s: float = 180,
        expect: int = 0,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.java), *QUICK_JVM, "-cp", self.classpath(extra), PROGRAMS + program, *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        assert proc.returncode == expect, (
            f"{program} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        return proc

    def start(
        self, program: str, args: Sequence[str], *, stdout: Path, stderr: Path
    ) -> subprocess.Popen[bytes]:
        """Start a program in the background, its output going to two files."""
        with stdout.open("wb") as out, stderr.open("wb") as err:
            return subprocess.Popen(
                [str(self.java), *QUICK_JVM, "-cp", self.classpath(), PROGRAMS + program, *args],
                stdout=out,
                stderr=err,
            )

    def json_lines(self, program: str, args: Sequence[str], **kwargs: Any) -> list[Any]:
        out = self.run(program, args, **kwargs).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _maven(work: Path, *, offline: bool) -> subprocess.CompletedProcess[str]:
    mvn = shutil.which("mvn")
    assert mvn is not None, "Maven (mvn) is needed to build clients/java"
    args = [
        mvn,
        "-B",
        "-q",
        *(["-o"] if offline else []),
        "package",
        "-Dmaven.test.skip=true",  # the client's tests are these pytest tests
        f"-Dcontracts.dir={CONTRACTS}",
    ]
    return subprocess.run(args, cwd=work, capture_output=True, text=True, timeout=900, check=False)


def build_java_client() -> JavaClient:
    """Build (or reuse) the client jar and its runtime libraries.

    One build per content hash at a time: concurrent test sessions on this machine (other
    worktrees, the lead's run on main) wait on a lock file instead of building over each other.
    """
    java = find_java()
    cache = default_cache_dir() / "java-client"
    root = cache / _digest(CLIENT_SOURCES, CONTRACTS)
    work = root / "src"
    jar = work / "target" / JAR_NAME
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "complete").exists():
            return JavaClient(java, jar, 0.0)
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(CLIENT_SOURCES, work, ignore=shutil.ignore_patterns("target"))
        pom_hash = hashlib.sha256((CLIENT_SOURCES / "pom.xml").read_bytes()).hexdigest()[:16]
        resolved = cache / f"resolved-{pom_hash}"
        started = time.monotonic()
        proc = _maven(work, offline=True) if resolved.exists() else None
        if proc is None or proc.returncode != 0:
            proc = _maven(work, offline=False)
        assert proc.returncode == 0 and jar.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
        resolved.write_text("ok\n")
        (root / "complete").write_text("ok\n")
        return JavaClient(java, jar, time.monotonic() - started)


def plain(value: Any) -> Any:
    """A value decoded by Python's serde in the JSON form the Java consumer prints."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        at = value.astimezone(UTC)
        return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
