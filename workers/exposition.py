"""`/metrics` of a `rhythm worker`: a process of its own beside the Dramatiq worker processes (Dramatiq forks it
with `--fork-function`), summing what each of them wrote to PROMETHEUS_MULTIPROC_DIR. Prometheus scrapes each
worker pod at RHYTHM_WORKER_METRICS_PORT, as it scrapes each API pod at /metrics."""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from base.settings import get_settings


class _Metrics(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self.send_error(404)
            return
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE_LATEST)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Scrapes every few seconds are not worth a log line each."""


def serve() -> None:
    """The fork function: answers until Dramatiq stops it (SIGTERM ends the process)."""
    settings = get_settings()
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.worker_metrics_port is None:
        raise RuntimeError("The worker's metrics need PROMETHEUS_MULTIPROC_DIR and RHYTHM_WORKER_METRICS_PORT.")
    server = ThreadingHTTPServer((settings.worker_metrics_host, settings.worker_metrics_port), _Metrics)
    server.daemon_threads = True
    server.serve_forever()


def forget_process(pid: int) -> None:
    """A worker process that stopped: its live gauges (pool connections in use...) no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        mark_process_dead(pid)  # type: ignore[no-untyped-call]
