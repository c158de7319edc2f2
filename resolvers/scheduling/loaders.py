"""Scheduling dataloaders, reached as `info.context.get_loaders().scheduling`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.models import Calendar, CalendarEvent, Habit, Task, TaskScheduling, TimeBlock
from domain import reads
from domain.pagination import Page, PageRequest
from domain.planner import DurationPrediction
from domain.schedules import queries
from domain.schedules.task_fields import dependencies_of, settings_of
from resolvers.transaction import Transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SchedulingLoaders:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self.calendar: DataLoader[uuid.UUID, Calendar | None] = self._loader(self._rows(Calendar))
        self.event: DataLoader[uuid.UUID, CalendarEvent | None] = self._loader(self._rows(CalendarEvent))
        self.block: DataLoader[uuid.UUID, TimeBlock | None] = self._loader(self._rows(TimeBlock))
        self.habit: DataLoader[uuid.UUID, Habit | None] = self._loader(self._rows(Habit))
        self.settings_of_task: DataLoader[uuid.UUID, TaskScheduling | None] = self._loader(self._settings)
        self.dependencies_of_task: DataLoader[uuid.UUID, list[uuid.UUID]] = self._loader(self._dependencies)
        self.blocks_of_task: DataLoader[uuid.UUID, list[TimeBlock]] = self._loader(self._blocks)
        self.prediction: DataLoader[uuid.UUID, DurationPrediction | None] = self._loader(self._predictions)
        self.events_of_calendar: DataLoader[tuple[uuid.UUID, PageRequest], Page[CalendarEvent]] = self._loader(
            self._events
        )

    def _loader(self, load: Callable[[AsyncSession, list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        async def batch(keys: list[K]) -> Sequence[V]:
            async with self._transaction.exclusive_session() as session:
                return await load(session, keys)

        return DataLoader(load_fn=batch)

    @staticmethod
    def _rows(entity: type[V]) -> Callable[[AsyncSession, list[uuid.UUID]], Awaitable[list[V | None]]]:
        async def load(session: AsyncSession, ids: list[uuid.UUID]) -> list[V | None]:
            return await reads.by_ids(session, entity, ids)

        return load

    @staticmethod
    async def _settings(session: AsyncSession, task_ids: list[uuid.UUID]) -> list[TaskScheduling | None]:
        found = await settings_of(session, task_ids)
        return [found.get(task_id) for task_id in task_ids]

    @staticmethod
    async def _dependencies(session: AsyncSession, task_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
        found = await dependencies_of(session, task_ids)
        return [found[task_id] for task_id in task_ids]

    @staticmethod
    async def _blocks(session: AsyncSession, task_ids: list[uuid.UUID]) -> list[list[TimeBlock]]:
        found = await queries.blocks_per_task(session, task_ids)
        return [found.get(task_id, []) for task_id in task_ids]

    async def _predictions(self, session: AsyncSession, task_ids: list[uuid.UUID]) -> list[DurationPrediction | None]:
        tasks = [task for task in await reads.by_ids(session, Task, task_ids) if task is not None]
        found = await queries.predictions(session, tasks, self._transaction.caller.user_id)
        return [found.get(task_id) for task_id in task_ids]

    @staticmethod
    async def _events(session: AsyncSession, keys: list[tuple[uuid.UUID, PageRequest]]) -> list[Page[CalendarEvent]]:
        by_request: dict[PageRequest, list[uuid.UUID]] = defaultdict(list)
        for calendar_id, request in keys:
            by_request[request].append(calendar_id)
        found: dict[tuple[uuid.UUID, PageRequest], Page[CalendarEvent]] = {}
        for request, calendar_ids in by_request.items():
            for calendar_id, page in (await queries.events_per_calendar(session, calendar_ids, request)).items():
                found[(calendar_id, request)] = page
        return [found[key] for key in keys]
