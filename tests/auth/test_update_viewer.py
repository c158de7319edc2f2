from __future__ import annotations

from typing import Any

from tests.factories import create_api_key, sign_up
from tests.graphql import Caller, GraphQL

UPDATE_VIEWER = """
mutation($input: UpdateViewerInput!) {
  updateViewer(input: $input) {
    __typename
    ... on User { displayName timeZone workDayStart workDayEnd workDays }
    ... on ValidationFailed { fields { field message } }
    ... on Error { message }
  }
}"""
PROFILE = "{ viewer { user { displayName timeZone workDayStart workDayEnd workDays } } }"


async def update_viewer(graphql: GraphQL, caller: Caller, **fields: Any) -> dict[str, Any]:
    data = await graphql(UPDATE_VIEWER, {"input": fields}, caller=caller)
    return dict(data["updateViewer"])


async def profile(graphql: GraphQL, caller: Caller) -> dict[str, Any]:
    return dict((await graphql(PROFILE, caller=caller))["viewer"]["user"])


async def test_a_person_sets_their_time_zone_and_work_hours(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Hours")

    updated = await update_viewer(
        graphql,
        ada,
        displayName="  Ada Lovelace ",
        timeZone="America/New_York",
        workDayStart="08:30:00",
        workDayEnd="16:00:00",
        workDays=[5, 1, 3, 1],
    )

    expected = {
        "displayName": "Ada Lovelace",
        "timeZone": "America/New_York",
        "workDayStart": "08:30:00",
        "workDayEnd": "16:00:00",
        "workDays": [1, 3, 5],
    }
    assert updated == {"__typename": "User", **expected}
    assert await profile(graphql, ada) == expected


async def test_omitted_fields_stay_as_they_are(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Partial", time_zone="Asia/Tokyo")

    await update_viewer(graphql, ada, workDays=[6, 7])

    assert await profile(graphql, ada) == {
        "displayName": "Ada Partial",
        "timeZone": "Asia/Tokyo",
        "workDayStart": "09:00:00",
        "workDayEnd": "17:00:00",
        "workDays": [6, 7],
    }


async def test_an_unknown_time_zone_is_refused_and_nothing_changes(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Zone", time_zone="Europe/Berlin")

    updated = await update_viewer(graphql, ada, displayName="Renamed", timeZone="Europe/Atlantis")

    assert updated["__typename"] == "ValidationFailed"
    assert updated["fields"] == [{"field": "timeZone", "message": "Must be an IANA time zone such as Europe/Berlin."}]
    after = await profile(graphql, ada)
    assert (after["displayName"], after["timeZone"]) == ("Ada Zone", "Europe/Berlin")


async def test_a_work_day_that_ends_before_it_starts_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Backwards")

    updated = await update_viewer(graphql, ada, workDayStart="18:00:00", workDayEnd="09:00:00")

    assert updated["__typename"] == "ValidationFailed"
    assert updated["fields"] == [{"field": "workDayEnd", "message": "The work day must end after it starts."}]
    assert (await profile(graphql, ada))["workDayStart"] == "09:00:00"


async def test_a_new_end_is_checked_against_the_stored_start(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Stored Start")

    updated = await update_viewer(graphql, ada, workDayEnd="08:00:00")

    assert updated["__typename"] == "ValidationFailed"
    assert [error["field"] for error in updated["fields"]] == ["workDayEnd"]


async def test_a_work_day_of_no_length_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Zero")

    updated = await update_viewer(graphql, ada, workDayStart="12:00:00", workDayEnd="12:00:00")

    assert updated["__typename"] == "ValidationFailed"


async def test_weekdays_outside_one_to_seven_are_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Weekdays")

    updated = await update_viewer(graphql, ada, workDays=[0, 1, 8])

    assert updated["__typename"] == "ValidationFailed"
    assert updated["fields"] == [{"field": "workDays", "message": "Weekdays are numbered 1 (Monday) to 7 (Sunday)."}]
    assert (await profile(graphql, ada))["workDays"] == [1, 2, 3, 4, 5]


async def test_a_work_day_time_with_an_offset_is_refused(graphql: GraphQL) -> None:
    # Work hours are wall-clock times in the person's own zone; an offset has no meaning there.
    ada = await sign_up(graphql, name="Ada Offset")

    errors = await graphql.errors(UPDATE_VIEWER, {"input": {"workDayStart": "08:00:00+05:00"}}, caller=ada)

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await profile(graphql, ada))["workDayStart"] == "09:00:00"


async def test_an_api_key_cannot_update_the_viewer(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Key Profile")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"]))

    updated = await update_viewer(graphql, key, displayName="Robot")

    assert updated["__typename"] == "Forbidden"
    assert (await profile(graphql, ada))["displayName"] == "Ada Key Profile"


async def test_updating_the_viewer_needs_a_caller(graphql: GraphQL) -> None:
    errors = await graphql.errors(UPDATE_VIEWER, {"input": {"displayName": "Nobody"}})

    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
