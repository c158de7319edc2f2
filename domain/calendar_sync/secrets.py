"""Provider tokens at rest: Fernet (AES-128-CBC with HMAC-SHA256) under keys from the settings.

MultiFernet encrypts with the first key and decrypts with any, so a key is rotated by putting a new one first,
re-encrypting every stored token (`rotate`), then dropping the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenKeyError(ValueError):
    """The configured keys cannot be used, or a stored token was encrypted under none of them."""


class TokenCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise TokenKeyError("No calendar token key is configured (RHYTHM_CALENDAR_TOKEN_KEYS).")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as error:
            # Never echo the key itself: it is a secret.
            raise TokenKeyError("A calendar token key is not a valid Fernet key (32 url-safe base64 bytes).") from error

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, stored: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(stored)).decode()
        except InvalidToken as error:
            raise TokenKeyError("A stored calendar token matches none of the configured keys.") from error

    def rotate(self, stored: bytes) -> bytes:
        """The same token under the first key."""
        try:
            return self._fernet.rotate(bytes(stored))
        except InvalidToken as error:
            raise TokenKeyError("A stored calendar token matches none of the configured keys.") from error

    def seal(self, payload: bytes) -> str:
        """Opaque text for a round trip through the browser (the OAuth state), readable by Rhythm alone."""
        return self._fernet.encrypt(payload).decode()

    def open(self, sealed: str, *, max_age_seconds: int) -> bytes | None:
        """The payload of `seal`, or None when it was tampered with or is older than `max_age_seconds`."""
        try:
            return self._fernet.decrypt(sealed.encode(), ttl=max_age_seconds)
        except (InvalidToken, ValueError):
            return None
