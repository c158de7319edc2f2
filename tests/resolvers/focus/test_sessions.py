"""Focus sessions through the API: start, pause, resume, complete with ratings (recording the focused time on the
task), one open session per person, ratings checked per field, and privacy from colleagues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.resolvers.focus.world import ABANDON, PAUSE, RATE, RESUME, complete, mine, rated_session, start
from tests.resolvers.scheduling.world import parse

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
START_TIMER = """
mutation($input: StartTimerInput!) { startTimer(input: $input) { __typename ... on Error { message } } }"""


async def test_a_paused_and_resumed_session_on_a_task_records_only_the_focused_time_as_a_finished_entry(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Focus")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Essay")

    started = await start(graphql, ada, kind="DEEP_WORK", taskId=task["id"], note="Draft")
    paused = (await graphql(PAUSE, caller=ada))["pauseFocusSession"]
    await asyncio.sleep(1.2)
    resumed = (await graphql(RESUME, caller=ada))["resumeFocusSession"]
    done = await complete(graphql, ada, focusRating=4, productivityRating=5)
    after = await mine(graphql, ada)

    assert (started["state"], started["plannedMinutes"], started["task"]) == ("RUNNING", 90, {"id": task["id"]})
    assert paused["state"] == "PAUSED"
    assert paused["pausedAt"] is not None
    assert resumed["state"] == "RUNNING"
    assert resumed["pausedAt"] is None
    assert resumed["pausedSeconds"] >= 1
    assert (done["state"], done["focusRating"], done["productivityRating"]) == ("COMPLETED", 4, 5)
    entry = done["timeEntry"]
    assert entry["task"] == {"id": task["id"]}
    span = parse(done["endedAt"]) - parse(done["startedAt"])
    tracked = parse(entry["endedAt"]) - parse(entry["startedAt"])
    assert tracked == span - timedelta(seconds=done["pausedSeconds"]), "the pause is not tracked"
    assert entry["endedAt"] == done["endedAt"]
    assert after["runningTimer"] is None, "no timer is left running"
    assert after["currentFocusSession"] is None
    assert [e["id"] for e in after["timeEntries"]["nodes"]] == [entry["id"]]


async def test_a_second_start_while_one_is_open_is_a_conflict_even_in_another_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Twice")
    acme = await create_company(graphql, ada, name="Acme Focus")
    await start(graphql, ada)

    second = await start(graphql, ada, companyId=acme)
    paused = (await graphql(PAUSE, caller=ada))["pauseFocusSession"]
    third = await start(graphql, ada, kind="CUSTOM", plannedMinutes=10)
    abandoned = (await graphql(ABANDON, caller=ada))["abandonFocusSession"]
    fourth = await start(graphql, ada, companyId=acme)

    assert second["__typename"] == "Conflict"
    assert paused["state"] == "PAUSED"
    assert third["__typename"] == "Conflict", "a paused session is still open"
    assert (abandoned["state"], abandoned["timeEntry"]) == ("ABANDONED", None)
    assert fourth["__typename"] == "FocusSession"
    assert fourth["company"] == {"id": acme}


async def test_a_session_on_a_task_does_not_start_over_a_running_timer_unless_asked_to_stop_it(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Timer")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Timed")
    await graphql(START_TIMER, {"input": {"taskId": task["id"]}}, caller=ada)

    refused = await start(graphql, ada, taskId=task["id"])
    started = await start(graphql, ada, taskId=task["id"], stopRunningTimer=True)
    after = await mine(graphql, ada)

    assert refused["__typename"] == "Conflict"
    assert started["__typename"] == "FocusSession"
    assert after["runningTimer"] is None


async def test_ratings_outside_one_to_five_fail_per_field_and_change_nothing(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Ratings")
    await start(graphql, ada)

    refused = await complete(graphql, ada, focusRating=0, productivityRating=6)
    still_open = await mine(graphql, ada)
    done = await complete(graphql, ada, focusRating=3)
    bad_rate = (await graphql(RATE, {"input": {"id": done["id"], "focusRating": 9}}, caller=ada))["rateFocusSession"]
    rerated = (await graphql(RATE, {"input": {"id": done["id"], "productivityRating": 2}}, caller=ada))[
        "rateFocusSession"
    ]
    custom = await start(graphql, ada, kind="CUSTOM")

    assert refused["__typename"] == "ValidationFailed"
    assert {f["field"] for f in refused["fields"]} == {"focusRating", "productivityRating"}
    assert still_open["currentFocusSession"]["state"] == "RUNNING"
    assert [f["field"] for f in bad_rate["fields"]] == ["focusRating"]
    assert (rerated["focusRating"], rerated["productivityRating"]) == (3, 2)
    assert [f["field"] for f in custom["fields"]] == ["plannedMinutes"]


async def test_open_session_mutations_without_one_are_not_found_and_only_completed_sessions_are_rated(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Nothing")

    answers = [(await graphql(doc, caller=ada)) for doc in (PAUSE, RESUME, ABANDON)]
    started = await start(graphql, ada)
    resumed = (await graphql(RESUME, caller=ada))["resumeFocusSession"]
    rated_open = await graphql(RATE, {"input": {"id": started["id"], "focusRating": 3}}, caller=ada)

    assert [next(iter(a.values()))["__typename"] for a in answers] == ["NotFound"] * 3
    assert resumed["__typename"] == "Conflict"
    assert rated_open["rateFocusSession"]["__typename"] == "Conflict"


async def test_a_colleague_in_the_same_company_sees_the_time_entry_but_not_the_session(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    grace = await sign_up(graphql, name="Grace Colleague")
    acme = await create_company(graphql, ada, name="Acme Private")
    await invite(graphql, ada, company_id=acme, member=grace)
    task = await create_task(graphql, ada, company_id=acme, title="Shared work")
    done = await rated_session(graphql, ada, focus=5, taskId=task["id"], note="felt great")

    session_seen = await graphql.post(NODE, {"id": done["id"]}, caller=grace)
    entry_seen = await graphql(NODE, {"id": done["timeEntry"]["id"]}, caller=grace)
    own = await graphql(NODE, {"id": done["id"]}, caller=ada)

    assert session_seen.json()["data"]["node"] is None
    assert "felt great" not in session_seen.text
    assert entry_seen["node"]["__typename"] == "TimeEntry"
    assert own["node"] == {"__typename": "FocusSession", "id": done["id"]}


async def test_leaving_a_company_takes_its_open_session_so_the_next_one_can_start(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    grace = await sign_up(graphql, name="Grace Leaver")
    acme = await create_company(graphql, ada, name="Acme Leaving")
    await invite(graphql, ada, company_id=acme, member=grace)
    await start(graphql, grace, companyId=acme)

    left = await graphql(
        "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { __typename } }",
        {"input": {"companyId": acme, "userId": grace.user_id}},
        caller=grace,
    )
    after = await start(graphql, grace)

    assert left["removeMember"]["__typename"] == "Deleted"
    assert after["__typename"] == "FocusSession"
