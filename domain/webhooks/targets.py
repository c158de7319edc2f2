"""Where a webhook may be sent: http(s) URLs whose host resolves to public addresses only.

Private, loopback, link-local, multicast and reserved addresses are refused unless allowed (tests and local
development). URLs are checked when an endpoint is saved; the sender checks the addresses it actually
connects to again at delivery time, so a name that later resolves inward (DNS rebinding) is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from domain.errors import invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetRefused(Exception):
    """The host resolves to an address webhooks may not reach."""


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    inward = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not inward


def check_url(url: str) -> tuple[str, int]:
    """The host and port of a valid endpoint URL; ValidationFailed on `url` otherwise."""
    if len(url) > 2000:
        raise invalid("url", "Must be at most 2000 characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid("url", "Is not a URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", "Must be an http or https URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise invalid("url", "Must not carry credentials; authenticate with the signature.")
    if parts.fragment:
        raise invalid("url", "Must not have a fragment.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_TIMEOUT_SECONDS
    )
    # Drop an IPv6 zone (`fe80::1%eth0`): the address alone decides.
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


def refused_among(addresses: Sequence[Address]) -> list[Address]:
    return [address for address in addresses if not is_public(address)]


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse (ValidationFailed on `url`) a URL that is malformed or reaches inward."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        addresses = await resolve(host, port)
    except (OSError, TimeoutError):
        raise invalid("url", "The host does not resolve.") from None
    if not addresses or refused_among(addresses):
        raise invalid("url", "Must reach a public address, not a private, loopback or reserved one.")
