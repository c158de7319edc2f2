"""The viewer's week (its bounds, blocks and events, recurring ones expanded in Python) and calendars with their
events: compiled reads answer them exactly as the resolvers do; a week without a start (this Monday by the
resolver's clock) stays with the resolvers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import asyncpg
import orjson
import pytest
from litestar import Litestar
from strawberry import relay

from tests.factories import Person, create_company, create_task, invite, result_of, sign_up
from tests.graphql import GraphQL
from tests.resolvers.compiled.both import both
from tests.resolvers.scheduling.habits_world import create_habit
from tests.resolvers.scheduling.recurring_world import (
    CREATE_EVENT,
    cancel_occurrence,
    change_occurrence,
    create_series,
)
from tests.resolvers.scheduling.world import create_calendar, create_event, plan, work_always

MARK = """
mutation($input: TimeBlockIdInput!) {
  pinTimeBlock(input: $input) { __typename ... on Error { message } }
}"""
MARK_DONE = """
mutation($input: TimeBlockIdInput!) {
  markTimeBlockDone(input: $input) { __typename ... on Error { message } }
}"""
BLOCK_IDS = "query($start: DateTime!) { viewer { week(start: $start, days: 5) { blocks { id } } } }"


@dataclass(frozen=True)
class Calendars:
    ada: Person
    colleague: Person  # a member of Ada's second company, not of her personal one
    # A day before the plan started: the windows below cover its blocks and the events.
    day: datetime
    ids: list[str]  # a calendar, an event, a block, a habit: for node(id)


def _at(day: datetime, days: int, hour: int) -> datetime:
    return day + timedelta(days=days, hours=hour)


@pytest.fixture(scope="module")
async def calendars(graphql: GraphQL) -> Calendars:
    ada = await sign_up(graphql, name="Ada Calendar")
    acme = await create_company(graphql, ada, name="Acme Calendars")
    colleague = await sign_up(graphql, name="Cy Colleague")
    await invite(graphql, ada, company_id=acme, member=colleague)
    await work_always(graphql, ada, horizon_days=3)
    for company, title in [(ada.personal_company_id, "Taxes"), (acme, "Report"), (acme, 'Review "Q4" \u00e9')]:
        await create_task(graphql, ada, company_id=company, title=title, estimatedMinutes=90, assigneeId=ada.user_id)
    await create_habit(graphql, ada, company_id=ada.personal_company_id, timeZone="UTC", windowStart="00:00",
                       windowEnd="23:59", idealTime=None)  # fmt: skip
    habit = await create_habit(graphql, ada, company_id=acme, priority="HIGH", workKind="DEEP")
    today = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    home = await create_calendar(graphql, ada, company_id=ada.personal_company_id, name="Home")
    work = await create_calendar(graphql, ada, company_id=acme, name="Work")
    event = await create_event(graphql, ada, calendar_id=work, title="Standup", start=_at(today, 1, 9),
                               end=_at(today, 1, 10), response="TENTATIVE")  # fmt: skip
    await create_event(graphql, ada, calendar_id=work, title="Lunch", start=_at(today, 2, 12), end=_at(today, 2, 13),
                       transparency="FREE", location="Canteen", description="Line\nbreak")  # fmt: skip
    await create_event(graphql, ada, calendar_id=work, title="Declined", start=_at(today, 1, 14),
                       end=_at(today, 1, 15), response="DECLINED")  # fmt: skip
    days = {"startDate": (today + timedelta(days=3)).date().isoformat(),
            "endDate": (today + timedelta(days=5)).date().isoformat()}  # fmt: skip
    await create_event(graphql, ada, calendar_id=home, title="Holiday", start=today, end=today, allDay=True,
                       startsAt=None, endsAt=None, **days)  # fmt: skip
    series = await create_series(graphql, ada, calendar_id=home, title="Gym", start=_at(today, 1, 18),
                                 end=_at(today, 1, 19), rrule="FREQ=DAILY;COUNT=6",
                                 exceptionStarts=[_at(today, 4, 18).isoformat()])  # fmt: skip
    skipped = [(today + timedelta(days=7)).date().isoformat()]
    weekly = {"calendarId": home, "title": "Bins", "allDay": True, "startDate": today.date().isoformat(),
              "endDate": (today + timedelta(days=1)).date().isoformat(),
              "recurrence": {"rrule": "FREQ=WEEKLY", "exceptionDates": skipped}}  # fmt: skip
    await result_of(graphql, "createCalendarEvent", CREATE_EVENT, {"input": weekly}, ada)
    await change_occurrence(graphql, ada, eventId=series["id"], originalStart=_at(today, 2, 18).isoformat(),
                            title="Gym, later", startsAt=_at(today, 2, 20).isoformat(),
                            endsAt=_at(today, 2, 21).isoformat())  # fmt: skip
    await cancel_occurrence(graphql, ada, eventId=series["id"], originalStart=_at(today, 3, 18).isoformat())
    await plan(graphql, ada, apply=True)
    blocks = (await graphql(BLOCK_IDS, {"start": (today - timedelta(days=1)).isoformat()}, caller=ada))["viewer"]
    block_ids = [block["id"] for block in blocks["week"]["blocks"]]
    assert len(block_ids) >= 3, blocks
    await result_of(graphql, "pinTimeBlock", MARK, {"input": {"id": block_ids[0]}}, ada)
    await result_of(graphql, "markTimeBlockDone", MARK_DONE, {"input": {"id": block_ids[1]}}, ada)
    return Calendars(ada, colleague, today - timedelta(days=1), [work, event, block_ids[-1], habit["id"], home])


BLOCK_FIELDS = [
    "id", "startsAt", "endsAt", "state", "pinned", "__typename", "task { id title status }", "company { name }",
    "user { displayName timeZone }", "habit { HABIT }",
]  # fmt: skip
HABIT_FIELDS = [
    "id", "title", "rrule", "timeZone", "startsOn", "windowStart", "windowEnd", "idealTime", "durationMinutes",
    "timesPerPeriod", "period", "priority", "workKind", "active", "createdAt", "company { name }", "user { email }",
]  # fmt: skip
EVENT_FIELDS = [
    "id", "title", "description", "location", "allDay", "startsAt", "endsAt", "startDate", "endDate", "transparency",
    "response", "cancelled", "busy", "originalStart", "originalDate", "createdAt", "updatedAt", "__typename",
    "calendar { name owner { displayName } }", "series { id title startsAt recurrence { rrule } }",
    "recurrence { rrule timeZone exceptionStarts exceptionDates }", "recurrence { exceptionDates timeZone }",
]  # fmt: skip
CALENDAR_FIELDS = [
    "id", "name", "source", "affectsAvailability", "createdAt", "updatedAt", "company { name isPersonal }",
    "owner { email }",
]  # fmt: skip


def _some(chance: random.Random, fields: list[str]) -> str:
    chosen = " ".join(chance.sample(fields, chance.randint(1, len(fields))))
    return chosen.replace("HABIT", " ".join(chance.sample(HABIT_FIELDS, chance.randint(1, len(HABIT_FIELDS)))))


def _week(chance: random.Random, day: datetime) -> tuple[str, dict[str, Any]]:
    selection = chance.choice(["start", "end", "start end", "end start", ""])
    selection += f" blocks {{ {_some(chance, BLOCK_FIELDS)} }}"
    if chance.random() < 0.3:
        selection += f" later: blocks {{ {_some(chance, BLOCK_FIELDS)} }}"
    if chance.random() < 0.6:
        selection += f" events {{ {_some(chance, EVENT_FIELDS)} }}"
    if chance.random() < 0.2:
        selection += f" again: events {{ {_some(chance, EVENT_FIELDS)} }}"
    offset = timezone(timedelta(hours=chance.choice([0, 2, -5])))
    start = (day + timedelta(hours=chance.choice([0, 6, 30]))).astimezone(offset)
    if chance.random() < 0.5:
        week = f"week(start: $start, days: $days) {{ {selection} }}"
        document = f"query($start: DateTime!, $days: Int!) {{ viewer {{ {week} }} }}"
        return document, {"start": start.isoformat(), "days": chance.choice([1, 2, 3, 5, 7, 31])}
    # The window as literals in the document.
    return f'{{ viewer {{ week(start: "{start.isoformat()}") {{ {selection} }} }} }}', {}


def _calendars(chance: random.Random) -> str:
    events = f"{_some(chance, EVENT_FIELDS)}"
    inner = chance.choice([
        f"nodes {{ {events} }}",
        f"edges {{ cursor node {{ {events} }} }} pageInfo {{ hasNextPage endCursor }}",
    ])  # fmt: skip
    first = chance.choice(["", "(first: 2)", "(first: 3)", "(first: 10)"])
    return f"{_some(chance, CALENDAR_FIELDS)} events{first} {{ {inner} }}"


@pytest.mark.parametrize("seed", range(24))
async def test_random_weeks_answer_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, seed: int
) -> None:
    chance = random.Random(seed)
    document, variables = _week(chance, calendars.day)
    took, body = await both(app, graphql, plain_graphql, document, variables, calendars.ada)
    assert took, document
    if seed == 0:
        assert orjson.loads(body)["data"]["viewer"]["week"]["blocks"], "the window holds blocks"


async def _compiled_week(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, document: str
) -> dict[str, Any]:
    """Ada's week from the day before her plan, answered by compiled reads exactly as the resolvers answer it."""
    took, body = await both(app, graphql, plain_graphql, document, {"start": calendars.day.isoformat()}, calendars.ada)
    assert took
    week: dict[str, Any] = orjson.loads(body)["data"]["viewer"]["week"]
    return week


async def test_a_weeks_events_show_occurrences_overrides_and_all_day_events_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars
) -> None:
    document = (
        "query($start: DateTime!) { viewer { week(start: $start, days: 9) { events {"
        " id title startsAt allDay startDate originalStart originalDate series { id } recurrence { rrule } } } } }"
    )
    events = (await _compiled_week(app, graphql, plain_graphql, calendars, document))["events"]
    titles = [event["title"] for event in events]
    # Gym: six daily occurrences, one an exception, one cancelled, one moved ("Gym, later"); Bins weekly, all day,
    # its second week an exception date.
    assert (titles.count("Gym"), titles.count("Gym, later"), titles.count("Bins")) == (3, 1, 1), titles
    occurrences = [event for event in events if event["title"] == "Gym"]
    assert len({event["id"] for event in occurrences}) == 3
    assert all(event["series"] and event["originalStart"] and event["recurrence"] for event in occurrences)


@pytest.mark.parametrize("seed", range(16))
async def test_the_viewers_calendars_with_their_events_page_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, seed: int
) -> None:
    chance = random.Random(seed)
    calendar = _calendars(chance)
    page = chance.choice(["nodes { CALENDAR }", "edges { cursor node { CALENDAR } }"]).replace("CALENDAR", calendar)
    document = (
        "query($first: Int, $after: String) { viewer { calendars(first: $first, after: $after) {"
        f" {page} pageInfo {{ hasNextPage endCursor }} }} }} }}"
    )
    after, pages = None, 0
    while True:
        took, body = await both(
            app, graphql, plain_graphql, document, {"first": chance.choice([None, 1]), "after": after}, calendars.ada
        )
        assert took, document
        pages += 1
        found = orjson.loads(body)["data"]["viewer"]["calendars"]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert pages <= 2


@pytest.mark.parametrize("seed", range(6))
async def test_calendars_events_and_blocks_by_id_answer_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, seed: int
) -> None:
    chance = random.Random(seed)
    calendar, event, block, habit, _ = calendars.ids
    selections = {
        calendar: f"... on Calendar {{ {_calendars(chance)} }}",
        event: f"... on CalendarEvent {{ {_some(chance, EVENT_FIELDS)} }}",
        block: f"... on TimeBlock {{ {_some(chance, BLOCK_FIELDS)} }}",
        habit: f"... on Habit {{ {_some(chance, HABIT_FIELDS)} }}",
    }
    for node_id, selection in selections.items():
        document = f"query($id: ID!) {{ node(id: $id) {{ __typename {selection} }} }}"
        took, _ = await both(app, graphql, plain_graphql, document, {"id": node_id}, calendars.ada)
        assert took, document


async def test_the_events_of_a_series_and_its_override_name_their_series(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars
) -> None:
    document = (
        "{ viewer { calendars { nodes { name events { nodes { title originalStart series { title }"
        " recurrence { rrule timeZone exceptionStarts exceptionDates } } } } } } }"
    )
    took, body = await both(app, graphql, plain_graphql, document, {}, calendars.ada)
    assert took
    home = next(c for c in orjson.loads(body)["data"]["viewer"]["calendars"]["nodes"] if c["name"] == "Home")
    # The series itself, the changed occurrence and the cancelled one (an override of the series' title).
    events = home["events"]["nodes"]
    named = sorted((e["title"], e["originalStart"] is None, e["series"]) for e in events if e["title"] != "Bins")
    assert [(title, own, series) for title, own, series in named if title.startswith("Gym")] == [
        ("Gym", False, {"title": "Gym"}),
        ("Gym", True, None),
        ("Gym, later", False, {"title": "Gym"}),
    ]
    rules = {event["title"]: event["recurrence"] for event in events if event["recurrence"] is not None}
    assert {title: (rule["rrule"], rule["timeZone"]) for title, rule in rules.items()} == {
        "Gym": ("FREQ=DAILY;COUNT=6", "UTC"),
        "Bins": ("FREQ=WEEKLY", None),
    }
    assert (len(rules["Gym"]["exceptionStarts"]), len(rules["Bins"]["exceptionDates"])) == (1, 1)


@pytest.mark.parametrize(
    "document",
    [
        # No start: this Monday in the viewer's zone, by the resolver's clock.
        "{ viewer { week { start blocks { id } } } }",
        # Out of range: the resolvers report it.
        '{ viewer { week(start: "2026-12-07T00:00:00Z", days: 32) { start } } }',
        '{ viewer { week(start: "2026-12-07T00:00:00Z", days: 0) { start } } }',
        # At the edges of the calendar: refused as bad input, not a crash.
        '{ viewer { week(start: "0001-01-01T00:00:00Z") { blocks { id } events { id } } } }',
        '{ viewer { week(start: "9999-12-30T00:00:00-05:00", days: 2) { events { id } } } }',
    ],
)
async def test_what_the_resolvers_compute_stays_with_them(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, document: str
) -> None:
    took, _ = await both(app, graphql, plain_graphql, document, {}, calendars.ada)
    assert not took, document


async def test_a_weeks_bounds_are_written_as_the_resolvers_write_instants(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars
) -> None:
    document = '{ viewer { week(start: "2026-12-07T00:00:00+05:30", days: 2) { start end blocks { id } } } }'
    took, body = await both(app, graphql, plain_graphql, document, {}, calendars.ada)
    assert took
    week = orjson.loads(body)["data"]["viewer"]["week"]
    assert (week["start"], week["end"]) == ("2026-12-06T18:30:00+00:00", "2026-12-08T18:30:00+00:00")


async def test_a_weeks_blocks_name_their_task_or_their_habit(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars
) -> None:
    document = (
        "query($start: DateTime!) { viewer { week(start: $start, days: 5) {"
        " blocks { state pinned task { title } habit { title idealTime workKind priority } } } } }"
    )
    blocks = (await _compiled_week(app, graphql, plain_graphql, calendars, document))["blocks"]
    assert {block["task"]["title"] for block in blocks if block["task"]} == {"Taxes", "Report", 'Review "Q4" \u00e9'}
    habits = {(block["habit"]["title"], block["habit"]["idealTime"]) for block in blocks if block["habit"]}
    assert habits == {("Morning run", None), ("Morning run", "07:30:00")}
    assert {block["state"] for block in blocks} >= {"PLANNED", "DONE"}
    assert any(block["pinned"] for block in blocks)


@pytest.mark.parametrize("who", ["colleague", "stranger"])
async def test_others_read_ada_s_calendars_blocks_and_habits_as_the_policies_let_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, calendars: Calendars, who: str
) -> None:
    reader = calendars.colleague if who == "colleague" else await sign_up(graphql, name="Sam Stranger")
    selections = {
        "Calendar": "name owner { email } events { nodes { title busy startsAt series { title } } }",
        "CalendarEvent": "title busy calendar { name }",
        "TimeBlock": "startsAt task { title } habit { title }",
        "Habit": "title windowStart user { email }",
    }
    seen = []
    for node_id in calendars.ids:
        fragments = " ".join(f"... on {type_name} {{ {fields} }}" for type_name, fields in selections.items())
        document = f"query($id: ID!) {{ node(id: $id) {{ __typename {fragments} }} }}"
        took, body = await both(app, graphql, plain_graphql, document, {"id": node_id}, reader)
        assert took, document
        seen.append(orjson.loads(body)["data"]["node"] is not None)
    # Her work calendar and its event are in the company they share; nothing of her own company is.
    assert seen[:2] == ([True, True] if who == "colleague" else [False, False])
    assert seen[-1] is False


async def test_a_series_whose_rule_cannot_be_expanded_is_answered_by_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    # A rule the table accepts but the expander refuses (one a provider's sync could bring): the resolvers'
    # answer, not a failed request.
    bea = await sign_up(graphql, name="Bea Broken Rule")
    home = await create_calendar(graphql, bea, company_id=bea.personal_company_id, name="Home")
    today = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    series = await create_series(graphql, bea, calendar_id=home, title="Odd", start=_at(today, 0, 9),
                                 end=_at(today, 0, 10), rrule="FREQ=DAILY")  # fmt: skip
    row_id = relay.GlobalID.from_id(series["id"]).node_id
    await owner.execute("UPDATE calendar_events SET rrule = 'FREQ=DAILY;BYDAY=XX' WHERE id = $1", uuid.UUID(row_id))
    document = "query($start: DateTime!) { viewer { week(start: $start, days: 3) { events { id title } } } }"

    took, _ = await both(app, graphql, plain_graphql, document, {"start": today.isoformat()}, bea)

    assert not took


async def test_a_week_at_the_edge_of_the_calendar_is_bad_input(graphql: GraphQL, calendars: Calendars) -> None:
    document = '{ viewer { week(start: "0001-01-01T00:00:00Z") { events { id } } } }'

    body = (await graphql.post(document, {}, caller=calendars.ada)).json()

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == {"start": "Must lie between the years 1900 and 9000."}
