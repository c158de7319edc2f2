"""A task change replans its assignee through the outbox, the relay and the `scheduling.replan` worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import create_task, sign_up
from tests.graphql import GraphQL
from tests.resolvers.scheduling.world import now, week, work_always
from tests.waiting import until
from workers.scheduling import actors as scheduling


async def test_a_new_task_is_planned_by_the_worker_once_the_burst_of_changes_settles(
    graphql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduling, "REPLAN_DELAY", timedelta(seconds=1))
    ada = await sign_up(graphql, name="Ada Replan")
    await work_always(graphql, ada)

    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Planned for me",
                             estimatedMinutes=45)  # fmt: skip

    async def planned() -> list[dict[str, object]]:
        blocks = (await week(graphql, ada, start=now() - timedelta(hours=1)))["blocks"]
        return [block for block in blocks if block["task"]["id"] == task["id"]]  # type: ignore[index]

    [block] = await until(planned, what="the worker's replan")
    last = await graphql("{ viewer { lastSchedule { quality { hardViolations } } } }", caller=ada)
    assert block["state"] == "PLANNED"
    assert last["viewer"]["lastSchedule"] == {"quality": {"hardViolations": 0}}
