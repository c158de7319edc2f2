"""Connecting a calendar (the consent's callback, from the person's browser) and asking to disconnect it are in the
company's audit log, with the address the browser came from."""

from __future__ import annotations

from typing import Any, cast

from tests.audit.conftest import CLIENT_ADDRESS, USER_AGENT
from tests.audit.world import audit_log
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_connections_api import DISCONNECT, connected
from tests.factories import result_of
from tests.graphql import GraphQL


async def test_connecting_and_disconnecting_a_calendar_are_recorded(
    located: GraphQL, session_google: FakeGoogle
) -> None:
    someone, company_id, connection = await connected(located, cast(Any, located.client), session_google)

    await result_of(located, "disconnectCalendarConnection", DISCONNECT, {"input": {"id": connection["id"]}}, someone)
    entries = await audit_log(located, someone, company_id)

    assert entries is not None
    assert [(entry["action"], entry["actorId"], entry["targetId"]) for entry in entries] == [
        ("CALENDAR_CONNECTION_DISCONNECTED", someone.user_id, connection["id"]),
        ("CALENDAR_CONNECTION_CONNECTED", someone.user_id, connection["id"]),
    ]
    assert [entry["details"] for entry in entries] == [{"provider": "google"}] * 2
    assert {(entry["ipAddress"], entry["userAgent"]) for entry in entries} == {(CLIENT_ADDRESS, USER_AGENT)}
