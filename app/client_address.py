"""The client's address: the peer's, or what trusted proxies say in `X-Forwarded-For`.

Anyone can send `X-Forwarded-For`; only a proxy Rhythm trusts (RHYTHM_TRUSTED_PROXIES, addresses or networks)
may name the client. The header is read from the right: each trusted proxy appended the address it received
from, and the first address that is not a trusted proxy is the client. (uvicorn's own proxy handling is off.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED_FOR = b"x-forwarded-for"


def networks(trusted: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def client_address(scope: Scope, trusted: tuple[Network, ...]) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = [
        hop.strip()
        for name, value in scope.get("headers", [])
        if name == _FORWARDED_FOR
        for hop in value.decode("latin-1").split(",")
    ]
    for hop in reversed(forwarded):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: the header cannot be believed past it
    return peer
