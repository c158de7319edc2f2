"""Measurements, their statistics, and the printed table."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Measurement:
    query: str
    mode: str
    latencies: Sequence[float]  # seconds, successful requests only
    elapsed: float  # wall seconds the measurement took
    errors: int = 0
    statements: float | None = None
    round_trips: float | None = None
    db_seconds: float | None = None
    app_cpu: float | None = None  # in process: CPU seconds of this process per request
    client_cpu: float | None = None  # over HTTP: the load generator's CPU time over wall time

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed > 0 else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of all values at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def _count(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


COLUMNS = ("query", "mode", "requests", "req/s", "mean ms", "p50 ms", "p99 ms", "errors", "SQL/req", "trips/req")
COLUMNS_MORE = ("db ms/req", "app CPU ms", "client CPU")


def row_of(measurement: Measurement) -> list[str]:
    latencies = measurement.latencies
    mean = sum(latencies) / len(latencies) if latencies else None
    return [
        measurement.query,
        measurement.mode,
        f"{len(latencies):,}",
        f"{measurement.rate:,.1f}",
        _ms(mean),
        _ms(percentile(latencies, 0.50) if latencies else None),
        _ms(percentile(latencies, 0.99) if latencies else None),
        str(measurement.errors),
        _count(measurement.statements),
        _count(measurement.round_trips),
        _ms(measurement.db_seconds),
        _ms(measurement.app_cpu),
        "-" if measurement.client_cpu is None else f"{measurement.client_cpu:.0%}",
    ]


def table(measurements: Sequence[Measurement]) -> str:
    rows = [list(COLUMNS + COLUMNS_MORE), *(row_of(measurement) for measurement in measurements)]
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [cell.ljust(width) if index < 2 else cell.rjust(width) for index, (cell, width) in pairs]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {cpu_model()}, {system}, Python {platform.python_version()}"


def load_average() -> str:
    """Other work on the machine skews every number; say how busy it was."""
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def busy() -> bool:
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1) * 0.75
    except OSError:
        return False


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
