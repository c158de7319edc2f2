"""What the API processes spend, read from /proc: CPU seconds, resident memory, and the WebSockets each holds."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's worker processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found.extend(family(int(child)))
    return sorted(set(found))


def api_processes(serve_pid: int) -> list[int]:
    """The processes that serve requests: uvicorn's workers when there are several, else the process itself
    (uvicorn's supervisor and the multiprocessing helper serve nothing)."""
    everyone = family(serve_pid)
    serving = [pid for pid in everyone if _listens_or_serves(pid)]
    return serving or [serve_pid]


def _listens_or_serves(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    if b"app.cli" in command:
        return len(family(pid)) == 1 or b"--workers 1" in command
    return b"multiprocessing.spawn" in command and b"resource_tracker" not in command


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def established_per_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to `port` each process holds."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            local_port = int(columns[1].rsplit(":", 1)[1], 16)
            if local_port == port and columns[3] == "01":
                inodes.add(columns[9])
    counts = {}
    for pid in pids:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count += 1
        counts[pid] = count
    return counts
