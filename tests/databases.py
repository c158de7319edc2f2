"""A database of a test's own on the suite's PostgreSQL server: created, migrated, and dropped however the test ends.

Tests take one where another test's background work would get in the way: the in-process app's outbox relay
claims events, its jobs notify on the outbox channel, and worker processes need a database they alone watch.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from db import embedded, migrate


@contextmanager
def own_database(server_url: str, label: str, *, migrated: bool = True) -> Iterator[str]:
    """A new database named after `label` (with the real migrations applied unless `migrated` is false)."""
    name = f"rhythm_{label}_{uuid.uuid4().hex[:10]}"
    asyncio.run(embedded.ensure_database(server_url, name))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            with _one_migration_at_a_time(server_url):
                migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(embedded.drop_database(server_url, name))


@contextmanager
def _one_migration_at_a_time(server_url: str) -> Iterator[None]:
    """Held while a database of this server is migrated, by every test process on the machine (`make test` runs
    several): the first migration creates the cluster-wide roles, and two at once on a new server would both try."""
    key = hashlib.sha256(server_url.encode()).hexdigest()[:16]
    with (Path(tempfile.gettempdir()) / f"rhythm-tests-migrate-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
