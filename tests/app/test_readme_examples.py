"""The README's examples, pasted as they are into a freshly seeded `rhythm serve`, work on any day."""

from __future__ import annotations

from typing import Any

import httpx

from tests.app.readme import document, fill


def run(url: str, text: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(url, json={"query": text}, headers=headers, timeout=60).json()
    assert not body.get("errors"), body
    return body["data"]


def log_in(url: str) -> str:
    payload = run(url, document("mutation { logIn("))["logIn"]
    assert payload["__typename"] == "AuthPayload", payload
    return str(payload["accessToken"])


def acme(dashboard: dict[str, Any]) -> dict[str, Any]:
    return next(company for company in dashboard["viewer"]["companies"]["nodes"] if company["name"] == "Acme Studio")


def test_the_task_the_readme_makes_shows_in_the_readme_dashboard(demo_server: str) -> None:
    token = log_in(demo_server)
    company = acme(run(demo_server, document("{ viewer { user {"), token))
    project = company["projects"]["nodes"][0]

    made = run(
        demo_server, fill(document("mutation { createTask("), company_id=company["id"], project_id=project["id"]), token
    )
    task = made["createTask"]
    assert task["__typename"] == "Task", task
    assert task["project"]["name"] == project["name"]

    again = acme(run(demo_server, document("{ viewer { user {"), token))
    shown = {node["id"] for p in again["projects"]["nodes"] for node in p["tasks"]["nodes"]}
    assert task["id"] in shown

    timer = run(demo_server, fill(document("mutation { startTimer("), task_id=task["id"]), token)["startTimer"]
    assert timer["running"] is True
    assert timer["task"]["title"] == "Write the release notes"


def test_the_readme_standup_shows_in_the_readme_week_whatever_the_day(demo_server: str) -> None:
    token = log_in(demo_server)
    company = acme(run(demo_server, document("{ viewer { user {"), token))

    calendar = run(demo_server, fill(document("mutation { createCalendar("), company_id=company["id"]), token)
    calendar_id = calendar["createCalendar"]["id"]
    event = run(demo_server, fill(document("mutation { createCalendarEvent("), calendar_id=calendar_id), token)
    assert event["createCalendarEvent"]["__typename"] == "CalendarEvent", event

    week = run(demo_server, document("{ viewer { week {"), token)["viewer"]["week"]
    standups = [item for item in week["events"] if item["title"] == "Standup"]
    # The current week, Monday to Sunday, holds the five weekday standups of the series.
    assert len(standups) == 5, week["events"]
    assert all(item["busy"] for item in standups)
