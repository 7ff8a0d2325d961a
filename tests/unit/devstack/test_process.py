from __future__ import annotations

import sys

import pytest

from eventflow.devstack import ManagedProcess
from eventflow.errors import EnvironmentProblem


def test_start_status_stop_of_a_long_running_process(tmp_path):
    proc = ManagedProcess(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], state_dir=tmp_path
    )
    pid = proc.start(timeout_s=10)
    status = proc.status()
    assert (status.running, status.pid, status.ready) == (True, pid, True)
    assert proc.start() == pid, "starting a running process is a no-op"
    assert proc.stop(grace_s=5) is True
    assert proc.status().running is False
    assert proc.stop() is False


def test_a_process_that_dies_at_start_reports_its_last_log_line(tmp_path):
    script = "import sys; print('boom: config missing'); sys.exit(3)"
    proc = ManagedProcess(
        "dies", [sys.executable, "-c", script], state_dir=tmp_path, ready=lambda: False
    )
    with pytest.raises(
        EnvironmentProblem, match=r"dies exited during start-up \(code 3\): boom: config missing"
    ):
        proc.start(timeout_s=10)
    assert proc.pid() is None


def test_a_process_that_never_gets_ready_times_out(tmp_path):
    proc = ManagedProcess(
        "slow",
        [sys.executable, "-c", "import time; time.sleep(60)"],
        state_dir=tmp_path,
        ready=lambda: False,
    )
    with pytest.raises(EnvironmentProblem, match=r"slow did not become ready within 1s"):
        proc.start(timeout_s=1)
    proc.stop(grace_s=5)
    assert proc.pid() is None
