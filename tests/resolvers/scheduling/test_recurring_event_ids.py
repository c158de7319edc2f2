"""Occurrences of a recurring event as objects of their own: ids apart from each other and from the series, the same
in every request, found again by `node(id:)` while the occurrence stands, and taken by the occurrence mutations."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.factories import Person, result_of, sign_up
from tests.graphql import GraphQL
from tests.resolvers.scheduling.recurring_world import (
    CREATE_EVENT,
    EVENT_FIELDS,
    UPDATE_EVENT,
    cancel_occurrence,
    change_occurrence,
    create_series,
    next_day_at,
    spans,
    week_events,
)
from tests.resolvers.scheduling.world import create_calendar, iso, parse

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NODE = "query($id: ID!) { node(id: $id) { __typename ... on CalendarEvent {" + EVENT_FIELDS + "} } }"


async def node_of(graphql: GraphQL, person: Person, node_id: str) -> dict[str, Any] | None:
    data = await graphql(NODE, {"id": node_id}, caller=person)
    found: dict[str, Any] | None = data["node"]
    return found


async def weekly_series(graphql: GraphQL, name: str) -> tuple[Person, dict[str, Any], datetime]:
    """A person with a weekly series from tomorrow 10:00 UTC, an hour long."""
    ada = await sign_up(graphql, name=name)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    series = await create_series(graphql, ada, calendar_id=calendar, title="Weekly", start=first, end=first + HOUR)
    return ada, series, first


async def test_two_occurrences_in_one_week_have_ids_of_their_own_the_same_in_every_request(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Occurrence Ids")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    first = next_day_at(10)
    days = f"{WEEKDAYS[first.weekday()]},{WEEKDAYS[(first + 2 * DAY).weekday()]}"
    series = await create_series(graphql, ada, calendar_id=calendar, title="Twice a week", start=first,
                                 end=first + HOUR, rrule=f"FREQ=WEEKLY;BYDAY={days}")  # fmt: skip

    shown = await week_events(graphql, ada, start=first - HOUR, days=7)
    again = await week_events(graphql, ada, start=first - HOUR, days=7)

    ids = [event["id"] for event in shown]
    assert spans(shown) == [(first, first + HOUR), (first + 2 * DAY, first + 2 * DAY + HOUR)]
    assert len(set(ids)) == 2
    assert series["id"] not in ids
    assert [event["id"] for event in again] == ids
    assert [event["series"] for event in shown] == [{"id": series["id"]}] * 2


async def test_node_of_an_occurrence_returns_it_with_its_times(graphql: GraphQL) -> None:
    ada, series, first = await weekly_series(graphql, "Ada Occurrence Node")
    [occurrence] = await week_events(graphql, ada, start=first + WEEK - HOUR, days=1)

    found = await node_of(graphql, ada, occurrence["id"])

    assert found == {"__typename": "CalendarEvent", **occurrence}
    assert (parse(found["startsAt"]), parse(found["endsAt"])) == (first + WEEK, first + WEEK + HOUR)
    assert parse(found["originalStart"]) == first + WEEK
    assert found["series"] == {"id": series["id"]}


async def test_an_exception_on_its_date_makes_the_occurrence_id_find_nothing(graphql: GraphQL) -> None:
    ada, series, first = await weekly_series(graphql, "Ada Occurrence Exception")
    [skipped] = await week_events(graphql, ada, start=first + WEEK - HOUR, days=1)
    [kept] = await week_events(graphql, ada, start=first + 2 * WEEK - HOUR, days=1)

    recurrence = {"rrule": "FREQ=WEEKLY", "timeZone": "UTC", "exceptionStarts": [iso(first + WEEK)]}
    await result_of(graphql, "updateCalendarEvent", UPDATE_EVENT,
                    {"input": {"id": series["id"], "recurrence": recurrence}}, ada)  # fmt: skip

    assert await node_of(graphql, ada, skipped["id"]) is None
    still = await node_of(graphql, ada, kept["id"])
    assert still is not None
    assert (still["id"], still["startsAt"]) == (kept["id"], kept["startsAt"])


async def test_an_occurrence_changed_by_its_id_becomes_an_event_of_its_own(graphql: GraphQL) -> None:
    ada, series, first = await weekly_series(graphql, "Ada Occurrence Change")
    second = first + WEEK
    [occurrence] = await week_events(graphql, ada, start=second - HOUR, days=1)

    moved = await change_occurrence(graphql, ada, eventId=occurrence["id"], startsAt=iso(second + 2 * HOUR),
                                    endsAt=iso(second + 3 * HOUR))  # fmt: skip
    shown = await week_events(graphql, ada, start=second - HOUR, days=1)

    assert moved["id"] not in (occurrence["id"], series["id"])
    assert moved["series"] == {"id": series["id"]}
    assert parse(moved["originalStart"]) == second
    assert [(e["id"], parse(e["startsAt"])) for e in shown] == [(moved["id"], second + 2 * HOUR)]
    assert await node_of(graphql, ada, occurrence["id"]) is None


async def test_an_occurrence_cancelled_by_its_id_leaves_the_week(graphql: GraphQL) -> None:
    ada, series, first = await weekly_series(graphql, "Ada Occurrence Cancel")
    [occurrence] = await week_events(graphql, ada, start=first + WEEK - HOUR, days=1)

    both = await graphql(
        "mutation($input: CalendarEventOccurrenceInput!) { cancelCalendarEventOccurrence(input: $input) {"
        " __typename ... on ValidationFailed { fields { field } } } }",
        {"input": {"eventId": occurrence["id"], "originalStart": iso(first + WEEK)}},
        caller=ada,
    )
    cancelled = await cancel_occurrence(graphql, ada, eventId=occurrence["id"])

    assert both["cancelCalendarEventOccurrence"] == {"__typename": "ValidationFailed",
                                                     "fields": [{"field": "originalStart"}]}  # fmt: skip
    assert cancelled["cancelled"] is True
    assert cancelled["series"] == {"id": series["id"]}
    assert await week_events(graphql, ada, start=first + WEEK - HOUR, days=1) == []


async def test_an_all_day_occurrence_has_an_id_of_its_own_found_by_node(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Occurrence All Day")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    day = datetime.now(UTC).date() + DAY
    variables = {"input": {"calendarId": calendar, "title": "Offsite", "allDay": True, "startDate": day.isoformat(),
                           "endDate": (day + DAY).isoformat(), "recurrence": {"rrule": "FREQ=DAILY"}}}  # fmt: skip
    series = await result_of(graphql, "createCalendarEvent", CREATE_EVENT, variables, ada)

    shown = await week_events(graphql, ada, start=datetime.combine(day, datetime.min.time(), tzinfo=UTC), days=2)
    found = await node_of(graphql, ada, shown[1]["id"])

    assert [date.fromisoformat(e["originalDate"]) for e in shown] == [day, day + DAY]
    assert len({e["id"] for e in shown} | {series["id"]}) == 3
    assert found == {"__typename": "CalendarEvent", **shown[1]}
    assert found["startDate"] == (day + DAY).isoformat()


async def test_an_id_naming_a_start_the_series_never_has_finds_nothing(graphql: GraphQL) -> None:
    ada, _, first = await weekly_series(graphql, "Ada Occurrence Wrong Start")
    [occurrence] = await week_events(graphql, ada, start=first + WEEK - HOUR, days=1)
    type_name, node_id = base64.b64decode(occurrence["id"]).decode().split(":", 1)
    series_part, start_part = node_id.split("_")
    half_past = start_part.replace("T1000", "T1030")

    wrong = base64.b64encode(f"{type_name}:{series_part}_{half_past}".encode()).decode()

    assert half_past != start_part
    assert await node_of(graphql, ada, wrong) is None


async def test_an_occurrence_after_a_dst_change_is_found_by_its_id(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Occurrence Zone")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    zone = ZoneInfo("America/New_York")
    # Clocks go back on 1 November 2026 in New York: 9:00 there is 13:00 UTC, then 14:00 UTC.
    first = datetime(2026, 10, 26, 9, tzinfo=zone)
    await create_series(graphql, ada, calendar_id=calendar, title="Weekly", start=first, end=first + HOUR,
                        time_zone="America/New_York")  # fmt: skip
    [after] = await week_events(graphql, ada, start=datetime(2026, 11, 2, tzinfo=UTC), days=1)

    found = await node_of(graphql, ada, after["id"])

    assert found is not None
    assert parse(found["startsAt"]) == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert found["id"] == after["id"]
