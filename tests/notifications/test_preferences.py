"""Each person's notification preferences through the API."""

from __future__ import annotations

from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.notifications.documents import PREFERENCES, UPDATE_PREFERENCES, update_preferences


async def test_a_new_person_has_the_defaults(graphql: GraphQL) -> None:
    person = await sign_up(graphql)

    data = await graphql(PREFERENCES, caller=person)

    assert data["viewer"]["notificationPreferences"] == {
        "emailEnabled": True,
        "mutedTypes": [],
        "dueSoonWindowHours": 24,
    }


async def test_omitted_preferences_stay_as_they_are(graphql: GraphQL) -> None:
    person = await sign_up(graphql)

    await update_preferences(graphql, person, dueSoonWindowHours=48, mutedTypes=["TASK_OVERDUE", "MEMBER_ADDED"])
    changed = await update_preferences(graphql, person, emailEnabled=False)

    read_back = (await graphql(PREFERENCES, caller=person))["viewer"]["notificationPreferences"]
    assert changed == {
        "__typename": "NotificationPreferences",
        "emailEnabled": False,
        "mutedTypes": ["MEMBER_ADDED", "TASK_OVERDUE"],
        "dueSoonWindowHours": 48,
    }
    assert read_back == {key: value for key, value in changed.items() if key != "__typename"}


async def test_a_due_soon_window_out_of_range_is_a_field_error(graphql: GraphQL) -> None:
    person = await sign_up(graphql)

    data = await graphql(UPDATE_PREFERENCES, {"input": {"dueSoonWindowHours": 0}}, caller=person)

    result = data["updateNotificationPreferences"]
    assert result["__typename"] == "ValidationFailed"
    assert [field["field"] for field in result["fields"]] == ["dueSoonWindowHours"]
