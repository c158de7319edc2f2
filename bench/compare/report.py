"""The rows of the comparison and the printed table, with Rhythm's ratio to each PostGraphile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.compare.load import Run, percentile

LABELS = {
    "rhythm": "Rhythm",
    "rhythm_tree": "Rhythm, other tree",
    "postgraphile": "PostGraphile 4",
    "postgraphile5": "PostGraphile 5",
}
SHORT = {"rhythm_tree": "tree", "postgraphile": "PG4", "postgraphile5": "PG5"}
COLUMNS = (
    "query", "clients", "server", "req/s", "p50 ms", "p99 ms", "SQL/req", "PG ms/req", "CPU ms/req", "RSS MB",
    "errors", "client CPU",
    "req/s by round",
)  # fmt: skip
LEFT = 3  # the first columns are text


@dataclass(slots=True)
class Row:
    query: str
    clients: int
    server: str
    runs: list[Run] = field(default_factory=list)
    statements: int | None = None
    db_ms: float | None = None
    rss_peak: int = 0
    cpu_seconds: float = 0.0  # the server's process tree, over the measured runs

    @property
    def cpu_ms_per_request(self) -> float:
        answered = sum(run.requests + run.errors for run in self.runs)
        return self.cpu_seconds * 1000 / answered if answered else 0.0

    @property
    def rate(self) -> float:
        elapsed = sum(run.elapsed for run in self.runs)
        return sum(run.requests for run in self.runs) / elapsed if elapsed > 0 else 0.0

    def latency(self, fraction: float) -> float:
        return percentile(self.runs, fraction)

    def cells(self) -> list[str]:
        answered = any(run.requests for run in self.runs)
        cpu = [run.client_cpu for run in self.runs if run.client_cpu is not None]
        return [
            self.query,
            str(self.clients),
            LABELS[self.server],
            f"{self.rate:,.1f}",
            f"{self.latency(0.50) * 1000:.1f}" if answered else "-",
            f"{self.latency(0.99) * 1000:.1f}" if answered else "-",
            "-" if self.statements is None else str(self.statements),
            "-" if self.db_ms is None else f"{self.db_ms:.1f}",
            f"{self.cpu_ms_per_request:.2f}" if answered else "-",
            f"{self.rss_peak / 2**20:,.0f}",
            str(sum(run.errors for run in self.runs)),
            f"{sum(cpu) / len(cpu):.0%}" if cpu else "-",
            " / ".join(f"{run.rate:,.0f}" for run in self.runs),
        ]


def _ratio(rhythm: Row, postgraphile: Row) -> list[str]:
    def divided(mine: float, theirs: float) -> str:
        return f"{mine / theirs:.2f}x" if mine > 0 and theirs > 0 else "-"

    cells = ["", "", f"Rhythm / {SHORT[postgraphile.server]}", divided(rhythm.rate, postgraphile.rate)]
    cells += [divided(rhythm.latency(0.50), postgraphile.latency(0.50))]
    cells += [divided(rhythm.latency(0.99), postgraphile.latency(0.99))]
    if rhythm.statements is not None and postgraphile.statements:
        cells.append(divided(rhythm.statements, postgraphile.statements))
    else:
        cells.append("")
    if rhythm.db_ms is not None and postgraphile.db_ms:
        cells.append(divided(rhythm.db_ms, postgraphile.db_ms))
    else:
        cells.append("")
    cells.append(divided(rhythm.cpu_ms_per_request, postgraphile.cpu_ms_per_request))
    cells.append(divided(rhythm.rss_peak, postgraphile.rss_peak))
    return [*cells, "", "", ""]


def table(rows: Sequence[Row]) -> str:
    lines: list[list[str]] = [list(COLUMNS)]
    by_key = {(row.query, row.clients, row.server): row for row in rows}
    ratios: list[list[str]] = []
    for number, row in enumerate(rows):
        lines.append(row.cells())
        rhythm = by_key.get((row.query, row.clients, "rhythm"))
        if row.server in SHORT and rhythm is not None:
            ratios.append(_ratio(rhythm, row))
        following = rows[number + 1] if number + 1 < len(rows) else None
        if following is None or (following.query, following.clients) != (row.query, row.clients):
            lines.extend(ratios)  # under the group of one query and client count
            ratios = []
    widths = [max(len(line[index]) for line in lines) for index in range(len(COLUMNS))]

    def render(line: list[str]) -> str:
        cells = [
            cell.ljust(width) if index < LEFT or index == len(COLUMNS) - 1 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(lines[0]), rule, *(render(line) for line in lines[1:])])
