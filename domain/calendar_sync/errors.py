"""What a provider's answer means to the sync, whatever provider gave it."""

from __future__ import annotations


class ProviderError(Exception):
    """An answer the sync cannot use: a bug on one side, or a state it does not know. The reason is safe to show
    (never a token)."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Throttled(ProviderError):
    """429, 403 rateLimitExceeded/userRateLimitExceeded, 5xx: try again later, after `retry_after` if given."""

    def __init__(self, reason: str, *, status: int, retry_after: float | None) -> None:
        super().__init__(reason, status=status)
        self.retry_after = retry_after


class Unauthorized(ProviderError):
    """401: the access token expired or was revoked; refresh it and try once more."""


class ReauthorizationRequired(ProviderError):
    """The refresh token no longer works (`invalid_grant`): only the person can reconnect."""


class CursorExpired(ProviderError):
    """410 fullSyncRequired (Google) or syncStateNotFound/resyncRequired (Graph): read the calendar afresh."""


class Gone(ProviderError):
    """410 deleted: the event is already gone."""


class Conflict(ProviderError):
    """409: an event with the chosen id exists already (a retried insert)."""


class PreconditionFailed(ProviderError):
    """412: the event changed since the ETag the write named."""


class NotFound(ProviderError):
    """404."""
