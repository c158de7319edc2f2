"""The one-time links of account emails: random tokens, kept in the database only as their SHA-256.

A token has 256 random bits, so a fast hash is enough (nobody can guess one to test against it); what the database
leaks is a hash that opens nothing. Issuing and redeeming happen in definer functions (migration 0016).
"""

from __future__ import annotations

import enum
import hashlib
import secrets

from domain.errors import DomainError


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, no secret)


class RejectionReason(enum.StrEnum):
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


_MESSAGES = {
    RejectionReason.EXPIRED: "This link has expired (or a newer one was sent); ask for a new one.",
    RejectionReason.USED: "This link was already used; ask for a new one.",
    RejectionReason.UNKNOWN: "This link is not valid.",
}
# Longer than any token we issue; anything longer is no token of ours, and is not hashed.
MAX_TOKEN_LENGTH = 128


class TokenRejected(DomainError):
    """A link that cannot be used, and why; nothing was changed."""

    def __init__(self, reason: RejectionReason) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason


def new_token() -> tuple[str, str]:
    """A fresh token for a link, and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_outcome(outcome: str | None) -> None:
    """Raise TokenRejected unless a redemption answered `ok`."""
    if outcome == "ok":
        return
    known = {reason.value: reason for reason in RejectionReason}
    raise TokenRejected(known.get(outcome or "", RejectionReason.UNKNOWN))


def usable(token: str) -> bool:
    """Whether `token` can be one of ours at all (a NUL or a megabyte is not)."""
    return 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()
