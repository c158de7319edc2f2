"""The load generator: wrk with a Lua body (Debian's package) when installed, else a Python closed loop.

Either way a fixed number of connections each send the next request when the last one answered, for a fixed
time; both servers get exactly the same generator, bodies and headers.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.compare.operations import with_fresh_ids
from bench.dashboard.http_load import _drive as closed_loop

LUA = Path(__file__).resolve().parent / "wrk.lua"
MARK = "WRK-RESULT "
QUANTILES = 1000
MAX_REQUESTS = 10_000_000


@dataclass(frozen=True, slots=True)
class Run:
    requests: int  # answered without an error
    errors: int
    elapsed: float
    samples: Sequence[float]  # latencies in seconds: raw ones, or wrk's quantiles
    weight: float  # how many requests each sample stands for
    client_cpu: float | None  # the generator's CPU time over wall time (1.0 = one core)
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    output = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    return (output.stdout or output.stderr).split("Copyright")[0].strip() or "wrk"


def percentile(runs: Sequence[Run], fraction: float) -> float:
    """Nearest-rank percentile over all runs together, each sample standing for its run's weight."""
    weighted = sorted((sample, run.weight) for run in runs for sample in run.samples)
    total = sum(weight for _, weight in weighted)
    if not weighted or total <= 0:
        return math.nan
    seen = 0.0
    for sample, weight in weighted:
        seen += weight
        if seen >= fraction * total - 1e-9:
            return sample
    return weighted[-1][0]


def _wrk(base_url: str, token: str, bodies: Path, concurrency: int, seconds: int) -> Run:
    command = [
        "wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA),
        "-H", f"Authorization: Bearer {token}", f"{base_url}/graphql", "--", str(bodies),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    # wait4 reaps wrk itself, so its CPU time is exactly the generator's.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in output.splitlines() if line.startswith(MARK)]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output[-2000:]}")
    result = json.loads(lines[-1][len(MARK) :])
    elapsed = result["duration_us"] / 1e6
    transport = sum(result[name] for name in ("connect", "read", "write", "timeout"))
    return Run(
        requests=result["requests"] - result["failures"],
        errors=result["failures"] + transport,
        elapsed=elapsed,
        samples=[value / 1e6 for value in result["quantiles_us"]],
        weight=result["requests"] / QUANTILES,
        client_cpu=(usage.ru_utime + usage.ru_stime) / elapsed if elapsed > 0 else None,
        first_error=result["first_failure"] or None,
    )


async def _python(base_url: str, token: str, bodies: list[bytes], concurrency: int, seconds: int) -> Run:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60.0) as client:
        cpu, started = time.process_time(), time.perf_counter()
        run = await closed_loop(client, _FreshIds(bodies), concurrency, seconds, MAX_REQUESTS)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return Run(
        requests=len(run.latencies),
        errors=run.errors,
        elapsed=elapsed,
        samples=run.latencies,
        weight=1.0,
        client_cpu=cpu / elapsed if elapsed > 0 else None,
        first_error=run.first_error,
    )


class _FreshIds(Sequence[bytes]):
    """The bodies, each with a new id wherever it asks for one (operations.FRESH_ID), as wrk.lua sends them."""

    def __init__(self, bodies: list[bytes]) -> None:
        self._bodies = bodies

    def __len__(self) -> int:
        return len(self._bodies)

    def __getitem__(self, index: int) -> bytes:  # type: ignore[override]
        return with_fresh_ids(self._bodies[index])


@dataclass(frozen=True, slots=True)
class Load:
    """One operation's bodies for one server, and how to drive them."""

    base_url: str
    bodies: list[bytes]
    bodies_file: Path
    use_wrk: bool

    async def run(self, token: str, concurrency: int, seconds: int) -> Run:
        if self.use_wrk:
            return await asyncio.to_thread(_wrk, self.base_url, token, self.bodies_file, concurrency, seconds)
        return await _python(self.base_url, token, self.bodies, concurrency, seconds)


def prepare(base_url: str, bodies: list[bytes], directory: Path, name: str, use_wrk: bool) -> Load:
    path = directory / f"{name}.bodies"
    path.write_bytes(b"\n".join(bodies) + b"\n")
    return Load(base_url=base_url, bodies=bodies, bodies_file=path, use_wrk=use_wrk)
