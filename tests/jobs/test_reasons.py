"""Reasons are shown to owners: secrets that errors quote are cut out before they are stored."""

from __future__ import annotations

from domain.dead_letters.reasons import REASON_LIMIT, reason_of


def test_a_reason_names_the_error_and_hides_the_secrets_it_quotes() -> None:
    error = ConnectionError(
        "cannot reach postgresql://rhythm:s3cret@db:5432/rhythm with password=hunter2, Bearer abc.def, whsec_QUJD"
    )

    reason = reason_of(error)

    assert reason.startswith("ConnectionError: cannot reach postgresql://***@db:5432/rhythm")
    for secret in ("s3cret", "hunter2", "abc.def", "whsec_QUJD"):
        assert secret not in reason


def test_a_long_reason_is_cut_to_what_the_record_holds() -> None:
    assert len(reason_of(ValueError("x" * 5000))) == REASON_LIMIT
