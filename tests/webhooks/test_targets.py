"""Private, loopback, link-local, multicast and reserved targets are refused unless a setting allows them: when
an endpoint is saved, and again when a delivery connects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import ValidationFailed
from domain.webhooks.targets import check_target
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Receiver

INWARD = [
    "http://127.0.0.1/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[ff02::1]/hook",
]


@pytest.mark.parametrize("url", INWARD)
async def test_an_inward_target_is_refused_when_saved(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await check_target(url, allow_private=False)

    assert set(refused.value.fields) == {"url"}


@pytest.mark.parametrize("url", ["https://93.184.215.14/hooks", "http://[2606:4700:4700::1111]:8080/hook"])
async def test_a_public_address_is_accepted(url: str) -> None:
    await check_target(url, allow_private=False)


@pytest.mark.parametrize("url", INWARD)
async def test_the_setting_allows_inward_targets(url: str) -> None:
    await check_target(url, allow_private=True)


async def test_a_delivery_does_not_connect_inward_unless_allowed(receiver: Receiver) -> None:
    guarded = Sender(timeout=timedelta(seconds=2), allow_private=False)
    try:
        by_address = await guarded.post(receiver.url, b"{}", {})
        by_name = await guarded.post(receiver.url.replace("127.0.0.1", "localhost"), b"{}", {})
    finally:
        await guarded.close()

    assert by_address.status is None
    assert (by_address.error or "").startswith("Refused")
    assert by_name.status is None
    assert (by_name.error or "").startswith("Refused")
    assert receiver.received == []


async def test_a_delivery_does_not_follow_a_redirect(receiver: Receiver, sender: Sender) -> None:
    receiver.answer.status, receiver.answer.headers = 307, {"Location": "http://169.254.169.254/"}

    response = await sender.post(receiver.url, b"{}", {})

    assert (response.status, response.succeeded) == (307, False)
    assert len(receiver.received) == 1
