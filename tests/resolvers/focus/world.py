"""Documents and helpers for focus sessions through the API."""

from __future__ import annotations

from typing import Any

from tests.factories import Person
from tests.graphql import GraphQL

SESSION_FIELDS = """
id kind state plannedMinutes startedAt pausedAt endedAt pausedSeconds focusedSeconds focusRating
productivityRating note task { id } company { id } timeEntry { id startedAt endedAt task { id } }
"""

RESULT = (
    "{ __typename ... on FocusSession { " + SESSION_FIELDS + " }"
    " ... on ValidationFailed { fields { field message } } ... on Error { message } }"
)

START = "mutation($input: StartFocusSessionInput!) { startFocusSession(input: $input) " + RESULT + " }"
PAUSE = "mutation { pauseFocusSession " + RESULT + " }"
RESUME = "mutation { resumeFocusSession " + RESULT + " }"
ABANDON = "mutation { abandonFocusSession " + RESULT + " }"
COMPLETE = "mutation($input: CompleteFocusSessionInput!) { completeFocusSession(input: $input) " + RESULT + " }"
RATE = "mutation($input: RateFocusSessionInput!) { rateFocusSession(input: $input) " + RESULT + " }"

MINE = """
{ viewer { currentFocusSession { id state } focusSessions { nodes { id state focusRating note } }
           runningTimer { id } timeEntries { nodes { id startedAt endedAt task { id } } } } }"""


async def start(graphql: GraphQL, person: Person, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await graphql(START, {"input": fields}, caller=person))["startFocusSession"]
    return result


async def complete(graphql: GraphQL, person: Person, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await graphql(COMPLETE, {"input": fields}, caller=person))["completeFocusSession"]
    return result


async def rated_session(graphql: GraphQL, person: Person, *, focus: int, **start_fields: Any) -> dict[str, Any]:
    started = await start(graphql, person, **start_fields)
    assert started["__typename"] == "FocusSession", started
    done = await complete(graphql, person, focusRating=focus, productivityRating=focus)
    assert done["__typename"] == "FocusSession", done
    return done


async def mine(graphql: GraphQL, person: Person) -> dict[str, Any]:
    result: dict[str, Any] = (await graphql(MINE, caller=person))["viewer"]
    return result
