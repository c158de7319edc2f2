"""Where a change came from: the client's address, its user agent and the request id.

The API attaches it to the operation's session when it opens it; a job's session has none, and its entries say
so by leaving these empty.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

MAX_USER_AGENT = 512
MAX_REQUEST_ID = 64


@dataclass(frozen=True, slots=True)
class Origin:
    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, address: str | None, user_agent: str | None, request_id: str | None) -> Origin:
        """An origin from what a request says; an address that is not an IP address (a test client's name, or
        `unknown`) is left out rather than stored."""
        ip = None if address is None else _ip_text(address)
        # PostgreSQL text cannot hold a NUL, which a client may put in its header.
        agent = (user_agent or "").replace("\x00", "")[:MAX_USER_AGENT] or None
        return cls(
            ip_address=ip,
            user_agent=agent,
            request_id=(request_id or None) and request_id[:MAX_REQUEST_ID],
        )


@functools.lru_cache(maxsize=1024)
def _ip_text(address: str) -> str | None:
    """An address as PostgreSQL's inet writes it, or None; kept, as a client sends from one address."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


NOWHERE = Origin()


def with_origin(session: AsyncSession, origin: Origin) -> None:
    session.info["origin"] = origin


def origin_of(session: AsyncSession) -> Origin:
    origin = session.info.get("origin")
    return origin if isinstance(origin, Origin) else NOWHERE
