"""Recurring calendar events: series expanded in the week and in the busy time plans avoid, with exceptions,
changed and cancelled occurrences, time zones across DST changes, all-day series, and checked rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import create_company, create_task, result_of, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.resolvers.scheduling.recurring_world import (
    CREATE_EVENT,
    UPDATE_EVENT,
    busy_of,
    cancel_occurrence,
    change_occurrence,
    covers,
    create_series,
    next_day_at,
    spans,
    touches,
    week_events,
)
from tests.resolvers.scheduling.world import create_calendar, iso, parse, plan, work_always

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


async def test_a_weekly_meeting_blocks_every_week_of_the_plan_horizon(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada = await sign_up(graphql, name="Ada Weekly")
    await work_always(graphql, ada, horizon_days=22)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    series = await create_series(graphql, ada, calendar_id=calendar, title="Standup", start=first, end=first + HOUR)

    busy = await busy_of(sessions, ada)
    shown = await week_events(graphql, ada, start=first - HOUR, days=22)

    assert series["recurrence"] == {"rrule": "FREQ=WEEKLY", "timeZone": "UTC", "exceptionStarts": [],
                                    "exceptionDates": []}  # fmt: skip
    for week in range(3):
        assert covers(busy, first + week * WEEK, first + week * WEEK + HOUR), f"week {week} is free"
    assert spans(shown) == [(first + w * WEEK, first + w * WEEK + HOUR) for w in range(4)]
    assert [event["series"] for event in shown] == [{"id": series["id"]}] * 4
    assert len({event["id"] for event in shown} - {series["id"]}) == 4, "each occurrence has an id of its own"
    assert [parse(event["originalStart"]) for event in shown] == [first + w * WEEK for w in range(4)]


async def test_an_exception_frees_its_week(graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]) -> None:
    ada = await sign_up(graphql, name="Ada Exception")
    await work_always(graphql, ada, horizon_days=22)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    skipped = first + WEEK
    await create_series(graphql, ada, calendar_id=calendar, title="Review", start=first, end=first + HOUR,
                        exceptionStarts=[iso(skipped)])  # fmt: skip

    busy = await busy_of(sessions, ada)
    shown = await week_events(graphql, ada, start=first - HOUR, days=21)

    assert covers(busy, first, first + HOUR)
    assert not touches(busy, skipped, skipped + HOUR)
    assert covers(busy, first + 2 * WEEK, first + 2 * WEEK + HOUR)
    assert [start for start, _ in spans(shown)] == [first, first + 2 * WEEK]


async def test_a_changed_occurrence_moves_a_cancelled_one_frees_and_a_declined_one_is_free(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada = await sign_up(graphql, name="Ada Override")
    await work_always(graphql, ada, horizon_days=29)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    series = await create_series(graphql, ada, calendar_id=calendar, title="Sync", start=first, end=first + HOUR)
    second, third, fourth = first + WEEK, first + 2 * WEEK, first + 3 * WEEK

    moved = await change_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(second),
                                    startsAt=iso(second + 4 * HOUR), endsAt=iso(second + 5 * HOUR))  # fmt: skip
    cancelled = await cancel_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(third))
    declined = await change_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(fourth),
                                       response="DECLINED")  # fmt: skip
    busy = await busy_of(sessions, ada)
    shown = await week_events(graphql, ada, start=first - HOUR, days=28)

    assert moved["series"] == {"id": series["id"]}
    assert moved["id"] != series["id"]
    assert parse(moved["originalStart"]) == second
    assert cancelled["cancelled"] is True
    assert covers(busy, first, first + HOUR)
    assert not touches(busy, second, second + HOUR)
    assert covers(busy, second + 4 * HOUR, second + 5 * HOUR)
    assert not touches(busy, third, third + HOUR)
    assert not touches(busy, fourth, fourth + HOUR)
    assert [(e["series"]["id"], parse(e["startsAt"]), e["busy"]) for e in shown] == [
        (series["id"], first, True),
        (series["id"], second + 4 * HOUR, True),
        (series["id"], fourth, False),
    ]
    assert [e["id"] for e in shown[1:]] == [moved["id"], declined["id"]]


async def test_an_occurrence_moved_into_the_window_counts_there(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Moved In")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(9)
    series = await create_series(graphql, ada, calendar_id=calendar, title="1:1", start=first, end=first + HOUR)
    later = first + 3 * WEEK
    moved = await change_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(later),
                                    startsAt=iso(first + 6 * HOUR), endsAt=iso(first + 7 * HOUR))  # fmt: skip

    shown = await week_events(graphql, ada, start=first - HOUR, days=1)
    that_week = await week_events(graphql, ada, start=later - HOUR, days=1)

    assert [(e["series"]["id"], parse(e["startsAt"])) for e in shown] == [(series["id"], first),
                                                                         (series["id"], first + 6 * HOUR)]  # fmt: skip
    assert shown[1]["id"] == moved["id"]
    assert that_week == []


async def test_a_tentative_series_is_busy_and_an_unknown_occurrence_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Tentative")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(11)
    variables = {"input": {"calendarId": calendar, "title": "Maybe", "startsAt": iso(first),
                           "endsAt": iso(first + HOUR), "response": "TENTATIVE",
                           "recurrence": {"rrule": "FREQ=DAILY;COUNT=3", "timeZone": "UTC"}}}  # fmt: skip
    series = await result_of(graphql, "createCalendarEvent", CREATE_EVENT, variables, ada)

    shown = await week_events(graphql, ada, start=first - HOUR, days=7)
    wrong = await graphql(
        "mutation($input: CalendarEventOccurrenceInput!) { cancelCalendarEventOccurrence(input: $input) {"
        " __typename ... on ValidationFailed { fields { field code } } } }",
        {"input": {"eventId": series["id"], "originalStart": iso(first + 30 * timedelta(minutes=1))}},
        caller=ada,
    )

    assert [(parse(e["startsAt"]), e["busy"]) for e in shown] == [(first + d * timedelta(days=1), True)
                                                                  for d in range(3)]  # fmt: skip
    assert wrong["cancelCalendarEventOccurrence"] == {
        "__typename": "ValidationFailed", "fields": [{"field": "originalStart", "code": "NOT_AN_OCCURRENCE"}]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "first_local", "utc_hours"),
    [
        # Clocks go back on 1 November 2026 in New York and on 25 October 2026 in Berlin.
        ("America/New_York", datetime(2026, 10, 26, 9), [13, 14]),
        ("Europe/Berlin", datetime(2026, 10, 19, 9), [7, 8]),
        # And forward on 14 March 2027 and 28 March 2027.
        ("America/New_York", datetime(2027, 3, 8, 9), [14, 13]),
        ("Europe/Berlin", datetime(2027, 3, 22, 9), [8, 7]),
    ],
)
async def test_a_series_keeps_its_local_time_across_a_dst_change(
    graphql: GraphQL, zone: str, first_local: datetime, utc_hours: list[int]
) -> None:
    ada = await sign_up(graphql, name="Ada Zone")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = first_local.replace(tzinfo=ZoneInfo(zone))
    await create_series(graphql, ada, calendar_id=calendar, title="Weekly", start=first, end=first + HOUR,
                        time_zone=zone)  # fmt: skip

    shown = await week_events(graphql, ada, start=first.astimezone(UTC) - HOUR, days=14)

    starts = [start for start, _ in spans(shown)]
    assert [start.astimezone(UTC).hour for start in starts] == utc_hours
    assert [start.astimezone(ZoneInfo(zone)).hour for start in starts] == [9, 9]
    assert all(end - start == HOUR for start, end in spans(shown))


async def test_an_all_day_series_covers_the_persons_days_and_skips_its_exception_dates(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada = await sign_up(graphql, name="Ada All Day")
    await work_always(graphql, ada, horizon_days=10)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    day = datetime.now(UTC).date() + timedelta(days=1)
    variables = {"input": {"calendarId": calendar, "title": "Offsite", "allDay": True,
                           "startDate": day.isoformat(), "endDate": (day + timedelta(days=1)).isoformat(),
                           "recurrence": {"rrule": "FREQ=DAILY;INTERVAL=2",
                                          "exceptionDates": [(day + timedelta(days=2)).isoformat()]}}}  # fmt: skip
    series = await result_of(graphql, "createCalendarEvent", CREATE_EVENT, variables, ada)

    busy = await busy_of(sessions, ada)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    shown = await week_events(graphql, ada, start=start, days=6)

    assert series["recurrence"]["timeZone"] is None
    assert [date.fromisoformat(e["startDate"]) for e in shown] == [day, day + timedelta(days=4)]
    assert covers(busy, start, start + timedelta(days=1))
    assert not touches(busy, start + timedelta(days=2), start + timedelta(days=3))
    assert covers(busy, start + timedelta(days=4), start + timedelta(days=5))


async def test_a_series_in_one_company_keeps_a_plan_of_another_company_away(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Cross")
    acme = await create_company(graphql, ada, name="Acme Recurring")
    globex = await create_company(graphql, ada, name="Globex Recurring")
    await work_always(graphql, ada, horizon_days=2)
    calendar = await create_calendar(graphql, ada, company_id=globex)
    # Every day from an hour ago for 20 hours: only four hours a day are left, between the occurrences.
    first = datetime.now(UTC).replace(microsecond=0) - HOUR
    await create_series(graphql, ada, calendar_id=calendar, title="Globex shifts", start=first,
                        end=first + 20 * HOUR, rrule="FREQ=DAILY")  # fmt: skip
    task = await create_task(graphql, ada, company_id=acme, title="Acme work", estimatedMinutes=120,
                             assigneeId=ada.user_id)  # fmt: skip

    preview = await plan(graphql, ada, apply=False)

    [block] = [b for b in preview["blocks"] if b["task"]["id"] == task["id"]]
    start, end = parse(block["startsAt"]), parse(block["endsAt"])
    for day in range(3):
        shift = first + day * timedelta(days=1)
        assert not (start < shift + 20 * HOUR and shift < end), "the block overlaps a shift"


@pytest.mark.parametrize(
    ("rrule", "code"),
    [
        ("WEEKLY ON MONDAYS", "RRULE_INVALID"),
        ("FREQ=WEEKLY;BYDAY=XX", "RRULE_INVALID"),
        ("INTERVAL=2;BYDAY=MO", "RRULE_FREQ_MISSING"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20300101T000000Z", "RRULE_COUNT_AND_UNTIL"),
        ("FREQ=MINUTELY", "RRULE_TOO_FREQUENT"),
        ("FREQ=SECONDLY;COUNT=10", "RRULE_TOO_FREQUENT"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "RRULE_TOO_FREQUENT"),
    ],
)
async def test_a_bad_rule_is_refused_with_its_code(graphql: GraphQL, rrule: str, code: str) -> None:
    ada = await sign_up(graphql, name="Ada Rules")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    made = await graphql(CREATE_EVENT, {"input": {"calendarId": calendar, "title": "Bad", "startsAt": iso(first),
                         "endsAt": iso(first + HOUR), "recurrence": {"rrule": rrule}}}, caller=ada)  # fmt: skip
    single = await create_series(graphql, ada, calendar_id=calendar, title="Fine", start=first, end=first + HOUR)
    changed = await graphql(UPDATE_EVENT, {"input": {"id": single["id"], "recurrence": {"rrule": rrule}}}, caller=ada)

    for result in (made["createCalendarEvent"], changed["updateCalendarEvent"]):
        assert result["__typename"] == "ValidationFailed"
        assert [(f["field"], f["code"]) for f in result["fields"]] == [("recurrence.rrule", code)]


async def test_series_changes_are_recorded_for_the_replanner(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Outbox Series")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    series = await create_series(graphql, ada, calendar_id=calendar, title="Plan", start=first, end=first + HOUR)
    moved = await change_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(first + WEEK),
                                    title="Plan (moved)")  # fmt: skip
    await cancel_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(first + WEEK))
    single = await graphql(UPDATE_EVENT, {"input": {"id": series["id"], "recurrence": None}}, caller=ada)
    gone = await week_events(graphql, ada, start=first + WEEK - HOUR, days=1)

    rows = await owner.fetch(
        "SELECT type, subject_id, payload FROM outbox WHERE subject_id = ANY($1::uuid[]) ORDER BY created_at",
        [uuid_of(series["id"]), uuid_of(moved["id"])],
    )
    assert [(row["type"], str(row["subject_id"])) for row in rows] == [
        ("event.created", str(uuid_of(series["id"]))),
        ("event.created", str(uuid_of(moved["id"]))),
        ("event.updated", str(uuid_of(moved["id"]))),
        ("event.updated", str(uuid_of(series["id"]))),
    ]
    payloads = [json.loads(row["payload"])["event"] for row in rows]
    assert {payload["user_id"] for payload in payloads} == {str(uuid_of(ada.user_id))}
    assert payloads[1]["recurring_event_id"] == str(uuid_of(series["id"]))
    assert single["updateCalendarEvent"]["recurrence"] is None
    assert gone == [], "a single event again, without its overrides"


async def test_deleting_a_series_takes_its_changed_occurrences_with_it(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Delete Series")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    series = await create_series(graphql, ada, calendar_id=calendar, title="Gone", start=first, end=first + HOUR)
    moved = await change_occurrence(graphql, ada, eventId=series["id"], originalStart=iso(first + WEEK),
                                    startsAt=iso(first + HOUR), endsAt=iso(first + 2 * HOUR))  # fmt: skip

    deleted = await graphql(
        "mutation($input: CalendarEventIdInput!) { deleteCalendarEvent(input: $input) { __typename } }",
        {"input": {"id": series["id"]}},
        caller=ada,
    )
    left = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": moved["id"]}, caller=ada)

    assert deleted["deleteCalendarEvent"]["__typename"] == "Deleted"
    assert left["node"] is None
    assert await week_events(graphql, ada, start=first - HOUR, days=14) == []
