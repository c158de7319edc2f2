"""Signed, expiring download links for data exports: `<export id>.<person id>.<expiry>.<HMAC-SHA256 in URL-safe
base64>`; the download runs as the person the link names.

The key is derived from the app's secret for this one purpose, so a link can never pass for another token Rhythm
signs. The link alone lets its holder download (it is opened from a notification, without an access token), so it
expires with the export and works once: the database records the download.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import AuthenticationFailed

PURPOSE = b"rhythm data export link v1"


class LinkExpired(AuthenticationFailed):
    message = "This download link has expired."


@dataclass(frozen=True, slots=True)
class ExportLinks:
    secret: str

    def _key(self) -> bytes:
        return hmac.new(self.secret.encode(), PURPOSE, hashlib.sha256).digest()

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key(), body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def token(self, export_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime) -> str:
        body = f"{export_id.hex}.{user_id.hex}.{int(expires_at.timestamp())}"
        return f"{body}.{self._mac(body)}"

    def verify(self, export_id: uuid.UUID, token: str, now: datetime | None = None) -> uuid.UUID:
        """The person the link names. Raises AuthenticationFailed for a token not made for this export (tampered,
        or signed with another key), and LinkExpired for one past its time."""
        body, _, mac = token.rpartition(".")
        named, person, expiry = [*body.split("."), "", "", ""][:3]
        if not hmac.compare_digest(self._mac(body).encode(), mac.encode()) or named != export_id.hex:
            raise AuthenticationFailed("This download link is not valid.")
        if int(expiry) <= (now or datetime.now(UTC)).timestamp():
            raise LinkExpired()
        return uuid.UUID(hex=person)


def download_path(export_id: uuid.UUID) -> str:
    return f"/account/exports/{export_id}"
