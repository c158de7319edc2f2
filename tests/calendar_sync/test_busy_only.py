"""Busy time across companies, with canaries: Alice connects a Google account in company A and syncs it for real
(from the fake Google); Dave shares only company C with her, Bob is her colleague in A, Carol shares nothing.

Dave sees when Alice is busy (merged spans, series expanded with their moved and cancelled occurrences, free and
declined events left out) and nothing else: no title, description, location or attendee, through her `busy`, the
event's `node(id)`, his own week, or SQL as the app role. Bob reads her events as any colleague of A does. Carol
learns nothing. Webhooks and subscriptions carry only what the outbox records (and live messages made from it),
which holds none of the mirrored events' text; the webhooks of a company she shares with Dave are posted her
plans around those events, and none of their text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from tests.calendar_sync.conftest import connect
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_google_reads import mirrored, sync
from tests.calendar_sync.test_isolation import acting_as
from tests.factories import Person, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import global_id, uuid_of
from tests.resolvers.scheduling.world import plan, work_always
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver
from workers.calendar_sync.context import SyncContext

PRIMARY = "person@gmail.test"
CANARY = "canary7f3e0busy"
FROM, TO = "2030-03-04T00:00:00+00:00", "2030-03-07T00:00:00+00:00"

BUSY = """
query Busy($id: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $id) { __typename ... on User { displayName busy(from: $from, to: $to) { start end } } }
}"""
EVENT = "query Event($id: ID!) { node(id: $id) { __typename ... on CalendarEvent { title } } }"
WEEK = 'query Week { viewer { week(start: "2030-03-04T00:00:00Z", days: 3) { events { title } } } }'

EXPECTED = [
    {"start": "2030-03-04T09:00:00+00:00", "end": "2030-03-04T10:00:00+00:00"},
    {"start": "2030-03-04T15:00:00+00:00", "end": "2030-03-04T15:30:00+00:00"},
    {"start": "2030-03-05T17:00:00+00:00", "end": "2030-03-05T17:30:00+00:00"},
]


def event(event_id: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id, "summary": f"Meeting {CANARY}", "description": f"Agenda {CANARY}",
        "location": f"Room {CANARY}", "attendees": [{"email": f"{CANARY}@example.test", "responseStatus": "accepted"}],
        "start": {"dateTime": start, "timeZone": "UTC"}, "end": {"dateTime": end, "timeZone": "UTC"}, **extra,
    }  # fmt: skip


def alices_calendar(google: FakeGoogle) -> None:
    google.user_put(PRIMARY, event("single", "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z"))
    google.user_put(PRIMARY, event("free", "2030-03-04T11:00:00Z", "2030-03-04T12:00:00Z", transparency="transparent"))
    declined = [{"email": PRIMARY, "self": True, "responseStatus": "declined"}]
    google.user_put(PRIMARY, event("declined", "2030-03-04T13:00:00Z", "2030-03-04T14:00:00Z", attendees=declined))
    google.user_put(
        PRIMARY, event("daily", "2030-03-04T15:00:00Z", "2030-03-04T15:30:00Z", recurrence=["RRULE:FREQ=DAILY;COUNT=3"])
    )
    moved = {"recurringEventId": "daily", "originalStartTime": {"dateTime": "2030-03-05T15:00:00Z"}}
    google.user_put(PRIMARY, event("daily_20300305T150000Z", "2030-03-05T17:00:00Z", "2030-03-05T17:30:00Z", **moved))
    google.user_put(PRIMARY, {
        "id": "daily_20300306T150000Z", "recurringEventId": "daily", "status": "cancelled",
        "originalStartTime": {"dateTime": "2030-03-06T15:00:00Z"},
    })  # fmt: skip


async def post(graphql: GraphQL, query: str, variables: dict[str, Any], caller: Person) -> dict[str, Any]:
    response = await graphql.post(query, variables, caller=caller)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def busy_of(graphql: GraphQL, caller: Person, alice: Person) -> dict[str, Any]:
    answer = await post(graphql, BUSY, {"id": alice.user_id, "from": FROM, "to": TO}, caller)
    assert "errors" not in answer, answer
    assert CANARY not in json.dumps(answer)
    node: dict[str, Any] = answer["data"]["node"]
    return node


@pytest.fixture
async def people(ctx: SyncContext, google: FakeGoogle, graphql: GraphQL) -> dict[str, Any]:
    alices_calendar(google)
    alice = await connect(ctx, google, graphql, name="Alice Busy")
    await sync(ctx, alice)
    dave, bob, carol = [await sign_up(graphql, name=f"{name} Busy") for name in ("Dave", "Bob", "Carol")]
    shared = await create_company(graphql, alice.person, name="Shared C")
    await invite(graphql, alice.person, company_id=shared, member=dave)
    await invite(graphql, alice.person, company_id=alice.company_id, member=bob)
    events = await mirrored(ctx, alice)
    return {"alice": alice, "dave": dave, "bob": bob, "carol": carol, "event_id": events["single"].id}


async def test_a_colleague_in_another_company_sees_when_she_is_busy_and_nothing_else(
    graphql: GraphQL, people: dict[str, Any]
) -> None:
    node = await busy_of(graphql, people["dave"], people["alice"].person)

    assert node["busy"] == EXPECTED


async def test_the_event_itself_stays_out_of_reach_of_a_colleague_in_another_company(
    graphql: GraphQL, people: dict[str, Any]
) -> None:
    by_id = await post(graphql, EVENT, {"id": global_id("CalendarEvent", people["event_id"])}, people["dave"])
    week = await post(graphql, WEEK, {}, people["dave"])

    assert by_id["data"]["node"] is None
    assert week["data"]["viewer"]["week"]["events"] == []
    assert CANARY not in json.dumps([by_id, week])


async def test_a_colleague_of_the_connection_company_reads_the_event_and_the_same_busy_time(
    graphql: GraphQL, people: dict[str, Any]
) -> None:
    by_id = await post(graphql, EVENT, {"id": global_id("CalendarEvent", people["event_id"])}, people["bob"])
    node = await busy_of(graphql, people["bob"], people["alice"].person)

    assert by_id["data"]["node"]["title"] == f"Meeting {CANARY}"
    assert node["busy"] == EXPECTED


async def test_someone_who_shares_no_company_learns_nothing(graphql: GraphQL, people: dict[str, Any]) -> None:
    answer = await post(graphql, BUSY, {"id": people["alice"].person.user_id, "from": FROM, "to": TO}, people["carol"])

    assert answer["data"]["node"] is None
    assert CANARY not in json.dumps(answer)


async def test_she_sees_her_own_busy_time_and_a_window_too_long_is_refused(
    graphql: GraphQL, people: dict[str, Any]
) -> None:
    alice = people["alice"].person
    own = await busy_of(graphql, alice, alice)
    refused = await post(graphql, BUSY, {"id": alice.user_id, "from": FROM, "to": "2030-06-01T00:00:00Z"}, alice)

    assert own["busy"] == EXPECTED
    assert refused["data"]["node"] is None or refused["data"]["node"].get("busy") is None
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_as_the_app_role_the_function_gives_times_only_and_the_definer_reads_no_text(
    owner: asyncpg.Connection, people: dict[str, Any]
) -> None:
    alice = people["alice"].user_id
    window = (alice, datetime(2030, 3, 4, tzinfo=UTC), datetime(2030, 3, 7, tzinfo=UTC))
    query = "SELECT to_jsonb(b)::text AS row FROM rhythm.busy_events_of($1, $2, $3) b"
    async with acting_as(owner, uuid_of(people["dave"].user_id)) as dave:
        seen = [row["row"] for row in await dave.fetch(query, *window)]
        titles = await dave.fetch("SELECT title FROM calendar_events WHERE user_id = $1", alice)
    async with acting_as(owner, uuid_of(people["carol"].user_id)) as carol:
        nothing = await carol.fetch(query, *window)
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SET LOCAL ROLE rhythm_definer")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.fetch("SELECT title FROM calendar_events LIMIT 1")
    finally:
        await transaction.rollback()

    assert len(seen) == 6  # single, free, declined, the series and its two overrides: the caller decides busy-ness
    assert not any(CANARY in row or "Meeting" in row for row in seen)
    assert (titles, nothing) == ([], [])


async def test_nothing_of_the_mirrored_events_reaches_the_outbox_that_feeds_webhooks_and_subscriptions(
    owner: asyncpg.Connection, people: dict[str, Any]
) -> None:
    leaked = await owner.fetchval("SELECT count(*) FROM outbox WHERE payload::text LIKE '%' || $1 || '%'", CANARY)

    assert leaked == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z"), ("9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z")],
)
async def test_windows_at_the_ends_of_time_answer_without_a_server_error(
    graphql: GraphQL, people: dict[str, Any], start: str, end: str
) -> None:
    answer = await post(graphql, BUSY, {"id": people["alice"].person.user_id, "from": start, "to": end}, people["dave"])

    codes = [error["extensions"]["code"] for error in answer.get("errors", [])]
    assert codes in ([], ["BAD_USER_INPUT"]), answer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


async def test_webhooks_of_the_shared_company_carry_nothing_of_her_mirrored_events(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL, receiver: Receiver
) -> None:
    alice = await connect(ctx, google, graphql, name="Alice Hooked")
    dave = await sign_up(graphql, name="Dave Hooked")
    shared = await create_company(graphql, alice.person, name="Shared Hooks")
    await invite(graphql, alice.person, company_id=shared, member=dave, role="ADMIN")
    # Every event type of the shared company, as its admin Dave configured it.
    await create_endpoint(graphql, dave, company_id=shared, url=receiver.url, event_types=[])
    await work_always(graphql, alice.person)
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    google.user_put(PRIMARY, event("near", soon.strftime(stamp), (soon + timedelta(hours=1)).strftime(stamp)))
    await sync(ctx, alice)
    await create_task(graphql, alice.person, company_id=shared, title="Shared work", estimatedMinutes=60,
                      assigneeId=alice.person.user_id)  # fmt: skip
    await plan(graphql, alice.person, apply=True)
    # Her calendar changes, is read again, and the plan is redone around it.
    later = soon + timedelta(hours=3)
    google.user_put(PRIMARY, event("near", later.strftime(stamp), (later + timedelta(hours=1)).strftime(stamp)))
    await sync(ctx, alice)
    await plan(graphql, alice.person, apply=True)

    await until(lambda: len(receiver.for_event("schedule.updated")) >= 1, what="the shared company's deliveries")

    bodies = [received.body for received in receiver.received]
    assert bodies
    assert not any(CANARY.encode() in body or b"Meeting" in body for body in bodies)
