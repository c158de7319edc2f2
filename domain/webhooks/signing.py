"""Standard Webhooks signing: `whsec_` secrets and the `webhook-id`, `webhook-timestamp`, `webhook-signature`
headers, where the signature is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per valid secret."""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"
USER_AGENT = "Rhythm-Webhooks/1"


def new_secret() -> str:
    # 32 random bytes: the spec asks for 24 to 64.
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secrets_in_use: Sequence[str], message_id: str, timestamp: datetime, body: str) -> str:
    """Space-separated signatures, one per secret: receivers accept a match on any of them (rotation)."""
    when = timestamp.astimezone(UTC)
    return " ".join(Webhook(secret).sign(message_id, when, body) for secret in secrets_in_use)


def signed_headers(secrets_in_use: Sequence[str], message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    if not secrets_in_use:
        raise ValueError("a delivery needs at least one secret to sign with")
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(timestamp.timestamp())),
        "webhook-signature": signature(secrets_in_use, message_id, timestamp, body),
    }
