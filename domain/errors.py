"""Expected failures. Services raise them; the GraphQL layer returns them as typed union members."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    message = "The operation failed."
    # Most failures undo what the operation started; a few must keep a protective change (a revocation).
    keeps_changes = False

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class NotFound(DomainError):
    message = "Not found."


class Forbidden(DomainError):
    message = "You may not do this."


class Conflict(DomainError):
    message = "This conflicts with the current state."


class AuthenticationFailed(DomainError):
    message = "Authentication failed."


class ValidationFailed(DomainError):
    message = "Some fields are invalid."

    def __init__(
        self, fields: Mapping[str, str], message: str | None = None, codes: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.fields = dict(fields)
        # A machine-readable reason for some fields (such as RRULE_TOO_FREQUENT), for clients that switch on it.
        self.codes = dict(codes or {})


def invalid(field: str, message: str, code: str | None = None) -> ValidationFailed:
    return ValidationFailed({field: message}, codes=None if code is None else {field: code})


class SecondFactorRequired(Forbidden):
    """The company requires a second factor and the caller's session has not passed one."""

    message = (
        "This company requires a second factor. Enable one (enrolSecondFactor, then confirmSecondFactor) and sign"
        " in with it to reach the company."
    )
