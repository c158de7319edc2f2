"""Timers: a person runs one at a time, across all their companies; starting may stop the running one first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from base.clock import reset, set_time
from tests.factories import Person, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL

ENTRY = "id startedAt endedAt note running durationSeconds user { id } company { id } task { id }"
RESULT = f"""
__typename
... on TimeEntry {{ {ENTRY} }}
... on ValidationFailed {{ fields {{ field message }} }}
... on Error {{ message }}
"""
START_TIMER = f"mutation($input: StartTimerInput!) {{ startTimer(input: $input) {{ {RESULT} }} }}"
STOP_TIMER = f"mutation {{ stopTimer {{ {RESULT} }} }}"
RUNNING = "{ viewer { runningTimer { id } } }"
ENTRIES = "{ viewer { timeEntries { nodes { id running } } } }"


async def start(graphql: GraphQL, caller: Person, **input: Any) -> dict[str, Any]:
    data = await graphql(START_TIMER, {"input": input}, caller=caller)
    result: dict[str, Any] = data["startTimer"]
    return result


async def stop(graphql: GraphQL, caller: Person) -> dict[str, Any]:
    data = await graphql(STOP_TIMER, caller=caller)
    result: dict[str, Any] = data["stopTimer"]
    return result


async def running_timer(graphql: GraphQL, caller: Person) -> str | None:
    data = await graphql(RUNNING, caller=caller)
    timer = data["viewer"]["runningTimer"]
    return None if timer is None else str(timer["id"])


async def entries(graphql: GraphQL, caller: Person) -> list[tuple[str, bool]]:
    data = await graphql(ENTRIES, caller=caller)
    return [(entry["id"], entry["running"]) for entry in data["viewer"]["timeEntries"]["nodes"]]


async def test_a_timer_on_a_task_counts_for_the_tasks_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Timer")
    company = await create_company(graphql, ada)
    task = await create_task(graphql, ada, company_id=company, title="Write the notes")

    # The company given is not the task's: the task's company wins.
    entry = await start(graphql, ada, taskId=task["id"], companyId=ada.personal_company_id, note="Notes G")

    assert entry["__typename"] == "TimeEntry", entry
    assert (entry["company"], entry["task"], entry["user"]) == (
        {"id": company},
        {"id": task["id"]},
        {"id": ada.user_id},
    )
    assert (entry["note"], entry["running"], entry["endedAt"]) == ("Notes G", True, None)
    assert await running_timer(graphql, ada) == entry["id"]


async def test_a_timer_runs_in_a_company_without_a_task(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Admin Time")

    entry = await start(graphql, ada, companyId=ada.personal_company_id)

    assert (entry["__typename"], entry["company"], entry["task"]) == (
        "TimeEntry",
        {"id": ada.personal_company_id},
        None,
    )


async def test_a_timer_needs_a_company_or_a_task(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nowhere")

    result = await start(graphql, ada)

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["companyId"]


async def test_a_timer_on_a_task_the_caller_cannot_see_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    stranger = await sign_up(graphql, name="Stranger Timer")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id)

    result = await start(graphql, stranger, taskId=task["id"])

    assert result["__typename"] == "NotFound", result
    assert await running_timer(graphql, stranger) is None


async def test_starting_a_second_timer_is_a_conflict(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Busy")
    first = await start(graphql, ada, companyId=ada.personal_company_id, note="First")

    second = await start(graphql, ada, companyId=ada.personal_company_id, note="Second")

    assert second["__typename"] == "Conflict", second
    assert await running_timer(graphql, ada) == first["id"]


async def test_one_timer_runs_at_a_time_even_across_companies(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Two Jobs")
    other_company = await create_company(graphql, ada)
    first = await start(graphql, ada, companyId=ada.personal_company_id)

    second = await start(graphql, ada, companyId=other_company)

    assert second["__typename"] == "Conflict", second
    assert await entries(graphql, ada) == [(first["id"], True)]


async def test_starting_with_stop_running_stops_the_running_timer_first(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Switcher")
    other_company = await create_company(graphql, ada)
    first = await start(graphql, ada, companyId=ada.personal_company_id, note="First")

    second = await start(graphql, ada, companyId=other_company, note="Second", stopRunning=True)

    assert (second["__typename"], second["running"], second["company"]) == ("TimeEntry", True, {"id": other_company})
    assert await running_timer(graphql, ada) == second["id"]
    assert await entries(graphql, ada) == [(second["id"], True), (first["id"], False)]


async def test_stop_running_with_nothing_running_just_starts(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Idle")

    entry = await start(graphql, ada, companyId=ada.personal_company_id, stopRunning=True)

    assert (entry["__typename"], entry["running"]) == ("TimeEntry", True)


async def test_stopping_the_timer_ends_it(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Stopper")
    started = await start(graphql, ada, companyId=ada.personal_company_id)

    stopped = await stop(graphql, ada)

    assert (stopped["__typename"], stopped["id"], stopped["running"]) == ("TimeEntry", started["id"], False)
    assert datetime.fromisoformat(stopped["endedAt"]) >= datetime.fromisoformat(stopped["startedAt"])
    assert stopped["durationSeconds"] >= 0
    assert await running_timer(graphql, ada) is None


async def test_a_timer_stops_at_the_clocks_time_when_stopped_and_when_the_next_starts(graphql: GraphQL) -> None:
    """Every end and start reads the one clock (base.clock), on both the compiled and the resolvers' paths."""
    ada = await sign_up(graphql, name="Ada Clock")
    started = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    set_time(started)
    try:
        first = await start(graphql, ada, companyId=ada.personal_company_id)
        set_time(started + timedelta(minutes=90))
        second = await start(graphql, ada, companyId=ada.personal_company_id, stopRunning=True)
        set_time(started + timedelta(minutes=100))
        stopped = await stop(graphql, ada)
        data = await graphql("{ viewer { timeEntries { nodes { id startedAt endedAt } } } }", caller=ada)
    finally:
        reset()

    spans = {
        entry["id"]: (datetime.fromisoformat(entry["startedAt"]), datetime.fromisoformat(entry["endedAt"]))
        for entry in data["viewer"]["timeEntries"]["nodes"]
    }
    assert spans[first["id"]] == (started, started + timedelta(minutes=90))
    assert spans[second["id"]] == (started + timedelta(minutes=90), started + timedelta(minutes=100))
    assert stopped["durationSeconds"] == 600


async def test_stopping_with_no_timer_running_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nothing")

    result = await stop(graphql, ada)

    assert result["__typename"] == "NotFound", result


async def test_a_new_timer_starts_after_the_stopped_one(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Again")
    await start(graphql, ada, companyId=ada.personal_company_id)
    stopped = await stop(graphql, ada)

    again = await start(graphql, ada, companyId=ada.personal_company_id)

    assert again["running"] is True
    assert datetime.fromisoformat(again["startedAt"]) >= datetime.fromisoformat(stopped["endedAt"])


async def test_leaving_a_company_with_a_running_timer_does_not_block_the_next_timer(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Leaver")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob)
    await start(graphql, bob, companyId=company)
    await graphql(
        "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { __typename } }",
        {"input": {"companyId": company, "userId": bob.user_id}},
        caller=bob,
    )

    entry = await start(graphql, bob, companyId=bob.personal_company_id)

    assert entry["__typename"] == "TimeEntry", entry
