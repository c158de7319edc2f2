"""The scheduling fields of `Task`, mixed into it: how it is planned, its predicted duration, its blocks."""

from __future__ import annotations

import uuid

import strawberry

from resolvers.context import Info
from resolvers.scheduling.types import TaskScheduling, TimeBlock


@strawberry.type
class TaskSchedulingFields:
    def _task_id(self) -> uuid.UUID:
        # `Task` declares the id, as its node id.
        return self.id  # type: ignore[attr-defined,no-any-return]

    @strawberry.field(description="How the task is planned: duration, chunks, deadline kind, deep or shallow work.")
    async def scheduling(self, info: Info) -> TaskScheduling:
        row = await info.context.get_loaders().scheduling.settings_of_task.load(self._task_id())
        return TaskScheduling.from_model(self._task_id(), row)

    @strawberry.field(
        description="How long the task will likely take: the estimate, corrected by how long the assignee's (or, "
        "unassigned, the viewer's) finished work of the same kind took against its estimates. Null without an estimate."
    )
    async def predicted_minutes(self, info: Info) -> int | None:
        prediction = await info.context.get_loaders().scheduling.prediction.load(self._task_id())
        return None if prediction is None else prediction.minutes

    @strawberry.field(
        description="How much history stands behind `predictedMinutes`: 0 (none, the estimate as is) toward 1."
    )
    async def prediction_confidence(self, info: Info) -> float | None:
        prediction = await info.context.get_loaders().scheduling.prediction.load(self._task_id())
        return None if prediction is None else round(prediction.confidence, 4)

    @strawberry.field(description="The task's time blocks on its people's weeks, in time order.")
    async def time_blocks(self, info: Info) -> list[TimeBlock]:
        rows = await info.context.get_loaders().scheduling.blocks_of_task.load(self._task_id())
        return [TimeBlock.from_model(row) for row in rows]
