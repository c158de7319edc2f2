"""How many connections an API process can hold: each is an open file, and so is everything else the process
keeps open (its database pool, Redis, its logs).

Linux starts most processes with a soft limit of 1,024 open files and a far higher hard one, which a process may
raise its own soft limit to; `rhythm serve` does so at start (its workers inherit it), as Go's runtime does for
every program, so that a process can hold thousands of sockets (a thousand `taskEvents` subscribers and the
requests beside them) without the operator raising it. The connection cap (`RHYTHM_HTTP_MAX_CONNECTIONS`) stays
below the limit, with room for the rest: a process out of files could no longer accept, open a database
connection or write a file, and would fail requests it had already accepted.
"""

from __future__ import annotations

import resource
from contextlib import suppress

# Files a process keeps open besides its HTTP connections, on top of its database pool: Redis, the listening
# sockets, logs, the embedded PostgreSQL's pipes, the event loop's own, a calendar or webhook request in flight.
OTHER_FILES = 128
# Where the hard limit is unlimited, the soft one is raised this far (Linux's default ceiling, fs.nr_open).
UNLIMITED_TARGET = 1_048_576


def raise_open_files_limit() -> None:
    """Raise this process's soft limit on open files to its hard limit, where the system lets it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        # A ceiling below the hard limit (a container's) refuses it: the soft limit stays.
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def open_files_limit() -> int | None:
    """This process's soft limit on open files; None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_cap(configured: int, pool_connections: int, open_files: int | None) -> int:
    """The open connections a process accepts: `configured`, or fewer where the `open_files` limit is lower,
    less what the process keeps open besides (`pool_connections` to the database and OTHER_FILES)."""
    if open_files is None:
        return configured
    return max(1, min(configured, open_files - pool_connections - OTHER_FILES))
