"""Real `rhythm worker` processes against a real Redis, for the tests that kill workers and stop the broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import _redis_server_binary, _wait_for_port
from tests.waiting import PATIENCE_SECONDS

ROOT = Path(__file__).resolve().parents[2]

# Short enough for a test to watch recovery happen, long enough for a healthy worker to keep its leases.
FAST_RECOVERY = {
    "RHYTHM_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
    "RHYTHM_WEBHOOKS_TIMEOUT_SECONDS": "3",
    "RHYTHM_WEBHOOKS_LEASE_SECONDS": "6",
    "RHYTHM_WEBHOOKS_DISPATCH_PERIOD_SECONDS": "0.5",
    "RHYTHM_WEBHOOKS_REDISPATCH_AFTER_SECONDS": "6",
    "RHYTHM_BROKER_HEARTBEAT_TIMEOUT_MS": "3000",
    # Requeueing a dead worker's messages is part of the broker's maintenance pass, which each worker runs this often.
    "RHYTHM_BROKER_MAINTENANCE_PERIOD_SECONDS": "1",
    "RHYTHM_OUTBOX_LEASE_SECONDS": "3",
    # An event whose reactions have not completed this long after its dispatch is dispatched again.
    "RHYTHM_EVENTS_REACTION_LEASE_SECONDS": "5",
    "RHYTHM_EVENTS_RECONCILE_PERIOD_SECONDS": "1",
    "RHYTHM_LOG_LEVEL": "INFO",
    "RHYTHM_LOG_JSON": "true",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A throwaway redis-server that a test may stop and start again on the same port."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                _redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Worker:
    """`rhythm worker --processes 1` in a session of its own, so the whole process group can be killed at once."""

    database_url: str
    redis_url: str
    log: Path
    threads: int = 8
    process: subprocess.Popen[bytes] | None = None
    # Settings of the test's own, over FAST_RECOVERY.
    extra: dict[str, str] = field(default_factory=dict)

    def start(self) -> Worker:
        environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        environment.update(FAST_RECOVERY, DATABASE_URL=self.database_url, REDIS_URL=self.redis_url)
        environment.update(self.extra)
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker", "--processes", "1", "--threads", str(self.threads)],
                env=environment,
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, seconds: float = PATIENCE_SECONDS) -> Worker:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if "ready for action" in self.output():
                return self
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"rhythm worker exited early:\n{self.output()}")
            time.sleep(0.1)
        raise RuntimeError(f"rhythm worker did not become ready:\n{self.output()[-4000:]}")

    def kill(self) -> None:
        """`kill -9` of the worker and its children, mid-work."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The master forwards the signal to its worker process; a second one, sent to both, would kill it.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
