"""What a list of tasks loads ahead for its items: the related rows its selection asks for, one batch each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from db import models
from domain.tasks.queries import TaskRow
from resolvers.context import Info
from resolvers.lookahead import item_fields, warm


async def load_task_relations(info: Info, rows: Sequence[models.Task | TaskRow]) -> None:
    """Warm the dataloaders for the fields selected on these tasks, so those fields resolve synchronously."""
    if not rows:
        return
    selected = item_fields(info)
    loaders = info.context.get_loaders()
    loads: list[Awaitable[None]] = []
    people = [
        *(row.assignee_id for row in rows if "assignee" in selected),
        *(row.created_by for row in rows if "createdBy" in selected),
    ]
    if people:
        loads.append(warm(loaders.user, people))
    if "subtasks" in selected:
        loads.append(warm(loaders.subtasks_of_task, (row.id for row in rows)))
    if "project" in selected:
        loads.append(warm(loaders.project, (row.project_id for row in rows)))
    if "company" in selected:
        loads.append(warm(loaders.company, (row.company_id for row in rows)))
    if loads:
        await asyncio.gather(*loads)
