"""Seconds from a fresh clone's `make run` to GraphiQL answering, as a new user meets it.

    python -m bench.first_run [--repo PATH] [--branch NAME] [--cold] [--keep]

Clones the repository into a temporary folder, starts `make run` there (creating `.venv`, installing, starting the
embedded PostgreSQL, migrating, seeding), polls GET /graphql until it answers 200, prints the seconds, stops it
with Ctrl-C (SIGINT to its process group) and removes the clone. `--cold` gives pip and uv empty caches
(PIP_NO_CACHE_DIR, a fresh UV_CACHE_DIR), as on a machine that never installed Rhythm; without it they use the
user's caches, as a second clone would.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

POLL_SECONDS = 0.5
GIVE_UP_SECONDS = 900


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})  # noqa: S310  (loopback)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def measure(repo: str, branch: str | None, cold: bool, folder: Path) -> float:
    clone = folder / "rhythm"
    command = ["git", "clone", "--quiet", repo, str(clone)] + (["--branch", branch] if branch else [])
    subprocess.run(command, check=True)  # noqa: S603
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV")}
    environment.update(RHYTHM_PORT=str(port), RHYTHM_LOG_LEVEL="WARNING")
    if cold:
        environment.update(PIP_NO_CACHE_DIR="1", UV_CACHE_DIR=str(folder / "uv-cache"))
    log = (folder / "make-run.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],  # noqa: S607  (the make a user has on their PATH)
        cwd=clone,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while time.monotonic() - started < GIVE_UP_SECONDS:
            if _answers(f"http://127.0.0.1:{port}/graphql"):
                return time.monotonic() - started
            if process.poll() is not None:
                raise SystemExit(f"make run exited ({process.returncode}):\n{(folder / 'make-run.log').read_text()}")
            time.sleep(POLL_SECONDS)
        raise SystemExit(f"GraphiQL did not answer within {GIVE_UP_SECONDS} s")
    finally:
        _stop(process)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]), help="what to clone")
    parser.add_argument("--branch", default=None, help="the branch to clone (default: the repository's HEAD)")
    parser.add_argument("--cold", action="store_true", help="empty pip and uv caches")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rhythm-first-run-"))
    try:
        seconds = measure(args.repo, args.branch, args.cold, folder)
        print(f"make run to GraphiQL answering: {seconds:.1f} s ({'cold' if args.cold else 'warm'} caches)")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
