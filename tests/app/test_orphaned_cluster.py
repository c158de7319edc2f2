"""A `rhythm serve` killed with SIGKILL leaves its embedded PostgreSQL running; the next one adopts the cluster
and stops it on Ctrl-C, and still keeps a second Rhythm off the data folder while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.app.rhythm_process import environment, free_port, start, stop, wait_ready


def _postmaster(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def _until_gone(pid: int, cap: float = 120) -> bool:
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.2)
    return False


def test_a_cluster_orphaned_by_kill_9_is_adopted_and_stopped_by_the_next_rhythm(tmp_path: Path) -> None:
    data_dir = tmp_path / ".rhythm"
    port = free_port()
    killed = start(data_dir, port)
    postmaster = None
    try:
        wait_ready(killed, port)
        postmaster = _postmaster(data_dir)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert psutil.pid_exists(postmaster), "the cluster should outlive a kill -9 (nothing could stop it)"

        adopter = start(data_dir, port)
        try:
            wait_ready(adopter, port)
            assert _postmaster(data_dir) == postmaster
            second = subprocess.run(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
                cwd=data_dir.parent,
                env=environment(data_dir),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert second.returncode != 0
            assert "is in use by Rhythm" in second.stdout + second.stderr
        finally:
            output = stop(adopter)
        assert adopter.returncode is not None, output
        assert _until_gone(postmaster), f"Ctrl-C left the adopted cluster running:\n{output}"
    finally:
        if postmaster is not None and psutil.pid_exists(postmaster):
            os.kill(postmaster, signal.SIGTERM)  # the cluster this test started; never left behind
            if not _until_gone(postmaster):
                pytest.fail("the cluster would not stop")
