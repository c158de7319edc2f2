"""`rhythm serve --workers 2`: connections opened all at once spread over both processes, because each worker
listens on a socket of its own (SO_REUSEPORT) rather than all of them racing to accept on one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.app.rhythm_process import environment, free_port, stop, wait_ready
from tests.conftest import JWT_SECRET
from tests.waiting import until

CONNECTIONS = 110


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


ESTABLISHED, LISTEN = "01", "0A"


def sockets_on(port: int, state: str = ESTABLISHED) -> set[str]:
    """The inodes of the sockets on `port` in `state` (established: the server's ends of connections)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        if int(columns[1].rsplit(":", 1)[1], 16) == port and columns[3] == state:
            inodes.add(columns[9])
    return inodes


def held_by(pid: int, inodes: set[str]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target.startswith("socket:[") and target[8:-1] in inodes
    return count


def serve_two_workers(database_url: str, tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = environment(tmp_path / ".rhythm") | {
        "DATABASE_URL": database_url,
        "RHYTHM_JWT_SECRET": JWT_SECRET,
        "RHYTHM_SEED_DEMO": "false",
        "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


async def test_connections_opened_at_once_spread_over_both_worker_processes(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    process = serve_two_workers(database_url, tmp_path, port)
    clients: list[socket.socket] = []
    try:
        wait_ready(process, port)

        async def both_listen() -> bool:
            # A worker still starting has bound its socket but not listened on it: the kernel skips it.
            listening = sockets_on(port, LISTEN)
            return sum(held_by(pid, listening) > 0 for pid in descendants(process.pid)) >= 2

        await until(both_listen, what="both workers listen")
        for _ in range(CONNECTIONS):
            clients.append(socket.create_connection(("127.0.0.1", port)))
        workers = descendants(process.pid)

        async def per_worker() -> list[int] | None:
            counts = sorted((held_by(pid, sockets_on(port)) for pid in workers), reverse=True)
            return counts if sum(counts) == CONNECTIONS else None

        counts = await until(per_worker, what=f"the workers accepted all {CONNECTIONS} connections")
    finally:
        for client in clients:
            client.close()
        stop(process)

    busy = [count for count in counts if count]
    assert len(busy) == 2, counts
    # A fair coin 110 times gives at most 74 of one side but once in 10,000 runs; one process taking 102 fails.
    assert busy[0] <= 75, counts
