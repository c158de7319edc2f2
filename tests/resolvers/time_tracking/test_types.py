"""The viewer's time: the running timer and every entry, most recent first, across all their companies."""

from __future__ import annotations

from typing import Any

from tests.factories import Person, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL

START_TIMER = """
mutation($input: StartTimerInput!) {
  startTimer(input: $input) { __typename ... on TimeEntry { id } ... on Error { message } }
}"""
STOP_TIMER = "mutation { stopTimer { __typename } }"
VIEWER_TIME = """
query($first: Int, $after: String) {
  viewer {
    runningTimer { id note task { title } }
    timeEntries(first: $first, after: $after) {
      nodes { note running company { id } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def start(graphql: GraphQL, caller: Person, **input: Any) -> str:
    data = await graphql(START_TIMER, {"input": input}, caller=caller)
    assert data["startTimer"]["__typename"] == "TimeEntry", data
    return str(data["startTimer"]["id"])


async def test_the_viewer_sees_the_running_timer_with_its_task(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Running")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Read the letters")
    entry = await start(graphql, ada, taskId=task["id"], note="Chapter one")

    data = await graphql(VIEWER_TIME, caller=ada)

    assert data["viewer"]["runningTimer"] == {"id": entry, "note": "Chapter one", "task": {"title": "Read the letters"}}


async def test_the_viewer_has_no_running_timer_when_all_are_stopped(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Stopped")
    await start(graphql, ada, companyId=ada.personal_company_id)
    await graphql(STOP_TIMER, caller=ada)

    data = await graphql(VIEWER_TIME, caller=ada)

    assert data["viewer"]["runningTimer"] is None


async def test_time_entries_are_listed_newest_first_across_companies(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Diary")
    company = await create_company(graphql, ada)
    await start(graphql, ada, companyId=ada.personal_company_id, note="Morning")
    await start(graphql, ada, companyId=company, note="Noon", stopRunning=True)
    await start(graphql, ada, companyId=ada.personal_company_id, note="Evening", stopRunning=True)

    data = await graphql(VIEWER_TIME, caller=ada)

    assert data["viewer"]["timeEntries"]["nodes"] == [
        {"note": "Evening", "running": True, "company": {"id": ada.personal_company_id}},
        {"note": "Noon", "running": False, "company": {"id": company}},
        {"note": "Morning", "running": False, "company": {"id": ada.personal_company_id}},
    ]


async def test_time_entries_page_newest_first(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Pages")
    for note in ("One", "Two", "Three"):
        await start(graphql, ada, companyId=ada.personal_company_id, note=note, stopRunning=True)

    first = await graphql(VIEWER_TIME, {"first": 2}, caller=ada)
    after = first["viewer"]["timeEntries"]["pageInfo"]["endCursor"]
    rest = await graphql(VIEWER_TIME, {"first": 2, "after": after}, caller=ada)

    pages = [first["viewer"]["timeEntries"], rest["viewer"]["timeEntries"]]
    assert [[entry["note"] for entry in page["nodes"]] for page in pages] == [["Three", "Two"], ["One"]]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, False]


async def test_a_colleagues_time_in_a_shared_company_is_not_the_viewers(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Tracker")
    bob = await sign_up(graphql, name="Bob Colleague")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob)
    await start(graphql, ada, companyId=company)

    data = await graphql(VIEWER_TIME, caller=bob)

    assert data["viewer"]["runningTimer"] is None
    assert data["viewer"]["timeEntries"]["nodes"] == []
