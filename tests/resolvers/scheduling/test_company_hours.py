"""Work hours per company: a company's tasks go inside the hours the person keeps for it, in its zone, around busy
time from every company; other tasks keep the person's own hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.resolvers.scheduling.habits_world import HABITS, SET_HOURS, local, set_hours
from tests.resolvers.scheduling.world import create_calendar, create_event, now, plan, work_always

TOKYO = ZoneInfo("Asia/Tokyo")

CLEAR = """
mutation($input: ClearCompanyWorkHoursInput!) {
  clearCompanyWorkHours(input: $input) { __typename ... on Error { message } }
}"""


def first_open_window(after: datetime) -> tuple[datetime, datetime]:
    """The first 09:00-11:00 in Tokyo that ends after `after`: the one under way, or else the next."""
    day = local(after, TOKYO).date() - timedelta(days=1)
    while True:
        start = datetime.combine(day, time(9), TOKYO)
        if start + timedelta(hours=2) > after:
            return start, start + timedelta(hours=2)
        day += timedelta(days=1)


async def test_a_task_of_a_company_is_placed_inside_that_companys_hours_around_another_companys_meeting(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Hours")
    acme = await create_company(graphql, ada, name="Acme Tokyo")
    await work_always(graphql, ada, horizon_days=4)
    hours = await set_hours(graphql, ada, company_id=acme, timeZone="Asia/Tokyo", workDayStart="09:00",
                            workDayEnd="11:00", workDays=[1, 2, 3, 4, 5, 6, 7])  # fmt: skip
    # The meeting fills the first Acme window that still has time left, whatever the hour the test runs at.
    meeting_start, meeting_end = first_open_window(now())
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    await create_event(graphql, ada, calendar_id=calendar, title="Dentist", start=meeting_start, end=meeting_end)
    acme_task = await create_task(graphql, ada, company_id=acme, title="Acme report", estimatedMinutes=60,
                                  assigneeId=ada.user_id)  # fmt: skip
    own_task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Taxes", estimatedMinutes=60)

    applied = await plan(graphql, ada, apply=True)
    listed = (await graphql(HABITS, caller=ada))["viewer"]["companyWorkHours"]

    [acme_block] = [b for b in applied["blocks"] if b["task"]["id"] == acme_task["id"]]
    [own_block] = [b for b in applied["blocks"] if b["task"]["id"] == own_task["id"]]
    start, end = local(acme_block["startsAt"], TOKYO), local(acme_block["endsAt"], TOKYO)
    assert time(9) <= start.time()
    assert end.time() <= time(11)
    assert start.date() == end.date()
    assert start >= meeting_end, "the meeting of the personal company still takes that morning"
    own_start, own_end = datetime.fromisoformat(own_block["startsAt"]), datetime.fromisoformat(own_block["endsAt"])
    assert own_end <= meeting_start or own_start >= meeting_end
    assert own_start < datetime.fromisoformat(acme_block["startsAt"]), "the person's own hours are open all day"
    assert applied["quality"]["hardViolations"] == 0
    assert hours["workDays"] == [1, 2, 3, 4, 5, 6, 7]
    assert listed == [{"timeZone": "Asia/Tokyo", "workDayStart": "09:00:00", "company": {"id": acme}}]


async def test_invalid_company_hours_are_validation_failed_and_clearing_twice_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Clear")
    acme = await create_company(graphql, ada, name="Acme Clear")
    bad = {"companyId": acme, "timeZone": "Nowhere/Land", "workDayStart": "12:00", "workDayEnd": "10:00",
           "workDays": [8]}  # fmt: skip
    await set_hours(graphql, ada, company_id=acme, timeZone="UTC", workDayStart="08:00", workDayEnd="12:00",
                    workDays=[1])  # fmt: skip

    refused = (await graphql(SET_HOURS, {"input": bad}, caller=ada))["setCompanyWorkHours"]
    first = (await graphql(CLEAR, {"input": {"companyId": acme}}, caller=ada))["clearCompanyWorkHours"]
    second = (await graphql(CLEAR, {"input": {"companyId": acme}}, caller=ada))["clearCompanyWorkHours"]

    assert refused["__typename"] == "ValidationFailed"
    assert sorted(item["field"] for item in refused["fields"]) == ["timeZone", "workDayEnd", "workDays"]
    assert first["__typename"] == "Deleted"
    assert second["__typename"] == "NotFound"
    assert (await graphql(HABITS, caller=ada))["viewer"]["companyWorkHours"] == []
