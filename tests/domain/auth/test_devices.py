"""What a session keeps of its device: a user agent on one line and at most 512 characters, a known address."""

from __future__ import annotations

from domain.auth.sessions import Device


def test_a_user_agent_is_kept_on_one_line_and_cut_at_512_characters() -> None:
    device = Device.of("Agent/1.0\r\n  (evil: header)" + "x" * 1000, "203.0.113.7")

    assert device.user_agent is not None
    assert device.user_agent.startswith("Agent/1.0 (evil: header)x")
    assert len(device.user_agent) == 512
    assert device.ip_address == "203.0.113.7"


def test_no_user_agent_and_an_unknown_peer_are_kept_as_nothing() -> None:
    assert Device.of(None, "unknown") == Device(user_agent=None, ip_address=None)
    assert Device.of("   ", None) == Device(user_agent=None, ip_address=None)
