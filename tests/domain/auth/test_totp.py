"""TOTP codes against RFC 6238's own test vectors, and the drift window as a pure function of "now"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.auth.second_factor import recovery_codes, totp

# RFC 6238, appendix B: the SHA-1 key "12345678901234567890" (here in base32), 8-digit codes; ours are their
# last 6 digits (RFC 4226's truncation keeps the low-order digits).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
               (2000000000, "69279037"), (20000000000, "65353130")]  # fmt: skip


@pytest.mark.parametrize(("unix_time", "eight_digits"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(unix_time: int, eight_digits: str) -> None:
    now = datetime.fromtimestamp(unix_time, UTC)

    assert totp.code_at(RFC_SECRET, totp.current_step(now)) == eight_digits[-6:]


def test_one_step_either_side_matches_and_two_do_not() -> None:
    now = datetime.fromtimestamp(1234567890, UTC)
    step = totp.current_step(now)

    matched = {
        offset: totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now, after_step=None)
        for offset in (-2, -1, 0, 1, 2)
    }

    assert matched == {-2: None, -1: step - 1, 0: step, 1: step + 1, 2: None}


def test_a_step_at_or_before_the_last_accepted_one_is_a_replay() -> None:
    now = datetime.fromtimestamp(1234567890, UTC)
    step = totp.current_step(now)
    current = totp.code_at(RFC_SECRET, step)

    assert totp.matching_step(RFC_SECRET, current, now, after_step=step) is None
    assert totp.replays(RFC_SECRET, current, now, after_step=step)
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + 1), now, after_step=step) == step + 1


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "١٢٣٤٥٦", ""])
def test_anything_but_six_ascii_digits_is_no_code(typed: str) -> None:
    now = datetime.fromtimestamp(1234567890, UTC)

    assert totp.matching_step(RFC_SECRET, typed, now, after_step=None) is None


def test_recovery_codes_are_ten_distinct_codes_read_in_any_case_and_spacing() -> None:
    codes = recovery_codes.new_codes()

    assert len(set(codes)) == 10
    assert all(recovery_codes.looks_like_recovery_code(code) for code in codes)
    assert recovery_codes.hash_of(codes[0]) == recovery_codes.hash_of(" " + codes[0].upper().replace("-", " ") + " ")
    assert not recovery_codes.looks_like_recovery_code("123456")
