"""Rate limits, counted per operation so that aliases, batches and websockets cannot multiply attempts.

Three policies, each a fixed window counted by the `limits` library (in Redis when Rhythm has one, so every API
process shares the counts; in memory otherwise):
- requests: every operation, per caller (a person, an API key, or the client address when nobody signs in)
  and per client address;
- auth: each `logIn`, `signUp`, `refreshToken`, `completeSignIn`, `completeSecondFactor`, `deleteAccount` (a
  password guess too), `requestPasswordReset`, `resetPassword` and `verifyEmail` field, aliases counted one by
  one, per client address;
- sign-in failures: per account (the email) and per client address. An operation is refused when the failures
  already counted plus its own `logIn` attempts would pass the limit, so 30 aliased guesses are not 30 tries.
  A wrong second-factor code counts as a failed sign-in of its account, so the account's next `logIn` (and with
  it a new challenge) is refused once the failures reach the limit.
A refusal is a `RATE_LIMITED` error, with HTTP 429, `Retry-After` and the IETF `RateLimit` headers over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    get_operation_ast,
)
from litestar import Response
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from resolvers.context import Context
from resolvers.rate_limiter import Attempts, Refusal

# The public mutations an anonymous client may repeat to guess or to flood, and the password checks of a
# signed-in person: counted alike, per client address.
AUTH_FIELDS = frozenset(
    {
        "logIn",
        "signUp",
        "refreshToken",
        "completeSignIn",
        "deleteAccount",
        "requestPasswordReset",
        "resetPassword",
        "verifyEmail",
        "completeSecondFactor",
    }
)


def caller_key(context: Context) -> str:
    caller = context.caller
    if caller.api_key_id is not None:
        return f"key:{caller.api_key_id}"
    if caller.user_id is not None:
        return f"user:{caller.user_id}"
    return f"address:{context.client_address}"


def _email_of(node: FieldNode, variables: dict[str, object]) -> str | None:
    for argument in node.arguments or ():
        if argument.name.value != "input":
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            email = given.get("email") if isinstance(given, dict) else None
            return email.strip().lower() if isinstance(email, str) else None
        if isinstance(value, ObjectValueNode):
            for entry in value.fields:
                if entry.name.value == "email":
                    if isinstance(entry.value, StringValueNode):
                        return entry.value.value.strip().lower()
                    if isinstance(entry.value, VariableNode):
                        email = variables.get(entry.value.name.value)
                        return email.strip().lower() if isinstance(email, str) else None
    return None


def _root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> Iterator[FieldNode]:
    """The fields at an operation's root, through inline fragments and fragment spreads."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    seen: set[str] = set()
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                # Each spread of one fragment adds its fields again, as execution would run them once: a
                # fragment's fields merge with themselves. Counting it once is what runs.
                if name in fragments and name not in seen:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)


def attempts_of(
    document: DocumentNode, operation: OperationDefinitionNode, variables: dict[str, object] | None
) -> Attempts:
    """The auth fields at the root of a mutation, each alias counted."""
    attempts = Attempts()
    if operation.operation is not OperationType.MUTATION:
        return attempts
    for node in _root_fields(document, operation):
        if node.name.value in AUTH_FIELDS:
            attempts.fields[node.name.value] += 1
            if node.name.value == "logIn":
                attempts.emails[_email_of(node, variables or {}) or "?"] += 1
    return attempts


def answer_rate_limited(response: object, refusal: Refusal) -> None:
    if not isinstance(response, Response):
        return  # a websocket: the error's code says it
    response.status_code = 429
    headers = response.headers
    headers["Retry-After"] = str(refusal.retry_after)
    headers["RateLimit-Policy"] = f'"{refusal.name}";q={refusal.limit};w={refusal.window_seconds}'
    headers["RateLimit"] = f'"{refusal.name}";r=0;t={refusal.retry_after}'


async def admit_request(context: Context) -> Refusal | None:
    """Count one operation for its caller and address, once (compiled reads count it before the executor)."""
    limiter = context.services.rate_limiter
    if limiter is None or context.request_counted:
        return None
    context.request_counted = True
    return await limiter.admit_request(caller_key(context), context.client_address)


def refused(context: Context, refusal: Refusal) -> ExecutionResult:
    answer_rate_limited(context.response, refusal)
    return ExecutionResult(data=None, errors=[refusal.error(context.request_id)])


class RateLimiting(SchemaExtension):
    """Count each operation before it executes; refuse it with RATE_LIMITED past a limit."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        limiter = context.services.rate_limiter if isinstance(context, Context) else None
        if limiter is None or execution.graphql_document is None:
            yield
            return
        refusal = await admit_request(context)
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name)
        attempts = Attempts() if operation is None else attempts_of(document, operation, execution.variables)
        refusal = refusal or await limiter.admit_attempts(attempts, context.client_address)
        if refusal is not None:
            execution.result = refused(context, refusal)
            yield
            return
        context.failed_sign_ins = []
        yield
        if context.failed_sign_ins:
            await limiter.count_failures(context.failed_sign_ins, context.client_address)
