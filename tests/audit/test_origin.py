"""What a request says about where it came from is kept only as far as it can be stored."""

from __future__ import annotations

from domain.audit.origin import MAX_USER_AGENT, Origin


def test_an_address_that_is_not_an_ip_address_is_left_out() -> None:
    assert Origin.of("testclient", "agent", "r1") == Origin(None, "agent", "r1")
    assert Origin.of("unknown", None, None) == Origin()


def test_addresses_are_kept_in_their_canonical_form() -> None:
    assert Origin.of("2001:DB8::0001", None, None).ip_address == "2001:db8::1"


def test_a_user_agent_loses_its_nul_characters_and_is_cut_to_size() -> None:
    assert Origin.of("192.0.2.1", "evil\x00agent", None).user_agent == "evilagent"
    assert Origin.of("192.0.2.1", "x" * 2000, None).user_agent == "x" * MAX_USER_AGENT
    assert Origin.of("192.0.2.1", "", "").user_agent is None
