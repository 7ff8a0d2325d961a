"""One background process of the dev stack: started detached, tracked by a pid file.

Each process keeps ``<state_dir>/<name>/{pid,log}``; ``stop`` sends SIGTERM to its process
group (services finish in-flight work and commit), then SIGKILL after a grace period.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eventflow.errors import EnvironmentProblem, ErrorCode
from eventflow.processes import process_alive, terminate_group


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    running: bool
    pid: int | None
    ready: bool
    log_file: Path
    detail: str | None = None  # e.g. a stage's "retrying since T: cause"


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        state_dir: Path,
        env: Mapping[str, str] | None = None,
        ready: Callable[[], bool] | None = None,
        cwd: Path | None = None,
        detail: Callable[[], str | None] | None = None,
    ) -> None:
        self.name = name
        self._argv = list(argv)
        self._dir = state_dir.resolve() / name
        self.log_file = self._dir / "process.log"
        self._pid_file = self._dir / "process.pid"
        self._env = dict(env) if env is not None else None
        self._ready = ready
        self._detail = detail
        self._cwd = cwd

    def start(self, timeout_s: float = 60.0) -> int:
        """Start unless already running; wait until ready; return the pid."""
        pid = self.pid()
        if pid is not None:
            self._wait_ready(pid, timeout_s)
            return pid
        self._dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"\n=== eventflow: starting {' '.join(self._argv)} ===\n".encode())
            log.flush()
            process = subprocess.Popen(  # fixed argv, no shell
                self._argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        self._pid_file.write_text(str(process.pid), "utf-8")
        self._wait_ready(process.pid, timeout_s, process)
        return process.pid

    def stop(self, grace_s: float = 20.0) -> bool:
        pid = self.pid()
        if pid is None:
            self._pid_file.unlink(missing_ok=True)
            return False
        terminate_group(pid, grace_s)
        self._pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> ProcessStatus:
        pid = self.pid()
        ready = pid is not None and (self._ready is None or self._ready())
        detail = self._detail() if ready and self._detail is not None else None
        return ProcessStatus(self.name, pid is not None, pid, ready, self.log_file, detail)

    def pid(self) -> int | None:
        try:
            pid = int(self._pid_file.read_text("utf-8").strip())
        except (OSError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def _wait_ready(
        self, pid: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                self._pid_file.unlink(missing_ok=True)
                raise EnvironmentProblem(
                    f"{self.name} exited during start-up (code {process.returncode}): "
                    f"{last_line(self.log_file)}; full log: {self.log_file}",
                    code=ErrorCode.BROKER_START_FAILED,
                )
            if not process_alive(pid):
                break
            if self._ready is None or self._ready():
                return
            time.sleep(0.2)
        raise EnvironmentProblem(
            f"{self.name} did not become ready within {timeout_s:.0f}s; see {self.log_file}",
            code=ErrorCode.BROKER_START_FAILED,
        )


def last_line(log_file: Path) -> str:
    try:
        lines = [ln.strip() for ln in log_file.read_text("utf-8", "replace").splitlines()]
    except OSError:
        return "no log written"
    meaningful = [ln for ln in lines if ln and not ln.startswith("===")]
    return meaningful[-1][:300] if meaningful else "no output"
