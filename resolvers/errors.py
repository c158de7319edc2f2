"""Typed errors: expected failures are union members that clients switch on with `__typename`."""

from __future__ import annotations

import strawberry

from domain import errors as domain


@strawberry.interface(description="An expected failure, returned as data rather than raised.")
class Error:
    message: str = strawberry.field(description="A human-readable explanation.")


@strawberry.type(description="The object does not exist, or the caller may not see it.")
class NotFound(Error):
    pass


@strawberry.type(description="The caller may see the object but not make this change.")
class Forbidden(Error):
    pass


@strawberry.type(
    description="The company requires a second factor and this session has not passed one: enrol"
    " (enrolSecondFactor, confirmSecondFactor) and sign in with it. Personal companies never require one."
)
class SecondFactorRequired(Error):
    pass


@strawberry.type(description="The change conflicts with the current state (a duplicate, a rule of the company).")
class Conflict(Error):
    pass


@strawberry.type(description="Credentials or tokens were not accepted.")
class AuthenticationFailed(Error):
    pass


@strawberry.type(description="One invalid input field.")
class FieldError:
    field: str = strawberry.field(description="The input field, named as in the schema.")
    message: str = strawberry.field(description="What is wrong with it.")
    code: str | None = strawberry.field(
        default=None, description="A machine-readable reason, where the check names one (such as RRULE_TOO_FREQUENT)."
    )


@strawberry.type(description="Some input fields are invalid; nothing was changed.")
class ValidationFailed(Error):
    fields: list[FieldError] = strawberry.field(description="Every invalid field with its message.")


# Every mutation's result is its success type or one of these, so a client handles failures one way.
ErrorType = ValidationFailed | NotFound | Forbidden | SecondFactorRequired | Conflict | AuthenticationFailed


def as_error(error: domain.DomainError) -> ErrorType:
    if isinstance(error, domain.ValidationFailed):
        return ValidationFailed(
            message=error.message,
            fields=[
                FieldError(field=name, message=text, code=error.codes.get(name))
                for name, text in sorted(error.fields.items())
            ],
        )
    kinds: dict[type[domain.DomainError], type[Error]] = {
        domain.NotFound: NotFound,
        # Before Forbidden, which it specialises.
        domain.SecondFactorRequired: SecondFactorRequired,
        domain.Forbidden: Forbidden,
        domain.Conflict: Conflict,
        domain.AuthenticationFailed: AuthenticationFailed,
    }
    for kind, graphql_type in kinds.items():
        if isinstance(error, kind):
            return graphql_type(message=error.message)  # type: ignore[return-value]
    return Conflict(message=error.message)
