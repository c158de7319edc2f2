"""Access tokens: verified once, still refused once they expire."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.auth.tokens import RefreshClaims, TokenConfig, issue_access_token, issue_refresh_token, read_access_token
from domain.errors import AuthenticationFailed

CONFIG = TokenConfig(secret="s" * 48, access_ttl=timedelta(seconds=900), refresh_ttl=timedelta(days=1))


def test_a_token_read_again_names_the_same_person() -> None:
    person = uuid.uuid4()
    token = issue_access_token(CONFIG, person)

    assert read_access_token(CONFIG, token) == person
    assert read_access_token(CONFIG, token) == person


def test_a_token_verified_while_valid_is_refused_once_it_expires() -> None:
    person = uuid.uuid4()
    # Issued so that it expires a second from now.
    token = issue_access_token(CONFIG, person, now=datetime.now(UTC) - CONFIG.access_ttl + timedelta(seconds=1))
    assert read_access_token(CONFIG, token) == person

    time.sleep(1.1)

    with pytest.raises(AuthenticationFailed, match="expired"):
        read_access_token(CONFIG, token)


def test_a_refresh_token_or_another_secret_is_never_an_access_token() -> None:
    refresh = issue_refresh_token(CONFIG, RefreshClaims(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()), datetime.now(UTC))
    other = TokenConfig(secret="t" * 48, access_ttl=CONFIG.access_ttl, refresh_ttl=CONFIG.refresh_ttl)
    token = issue_access_token(CONFIG, uuid.uuid4())
    read_access_token(CONFIG, token)  # verified, and kept, under CONFIG only

    for config, wrong in ((CONFIG, refresh), (other, token)):
        with pytest.raises(AuthenticationFailed, match="not valid"):
            read_access_token(config, wrong)
