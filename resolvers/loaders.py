"""Dataloaders for every relation: the statements an operation sends depend on its shape, not on its rows.

Each loader batches the keys one tick of the event loop asks for; pages of children are keyed by parent and
by the page's arguments, and one statement serves all parents that share the arguments.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.models import ApiKey, Company, Membership, Project, Subtask, Task, TimeEntry, User
from domain import reads
from domain.auth import queries as key_queries
from domain.companies import queries as company_queries
from domain.pagination import Page, PageRequest
from domain.projects import queries as project_queries
from domain.projects.queries import ProjectRow
from domain.tasks import queries as task_queries
from domain.tasks.queries import SubtaskRow, TaskFilter, TaskOrderField, TaskRow
from resolvers.scheduling.loaders import SchedulingLoaders
from resolvers.transaction import Transaction
from resolvers.webhooks.loaders import WebhookLoaders

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
ArgsT = TypeVar("ArgsT", bound=Hashable)

TaskListArgs = tuple[TaskFilter, TaskOrderField, bool, PageRequest]


class Loaders:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self.user = self._rows(User)
        self.company = self._rows(Company)
        self.project = self._rows(Project)
        self.task = self._rows(Task)
        self.subtask = self._rows(Subtask)
        self.time_entry = self._rows(TimeEntry)
        self.api_key = self._rows(ApiKey)
        self.webhooks = WebhookLoaders(transaction)
        self.scheduling = SchedulingLoaders(transaction)
        self.subtasks_of_task: DataLoader[uuid.UUID, list[SubtaskRow]] = self._loader(self._subtasks)
        self.api_keys_of_company: DataLoader[uuid.UUID, list[ApiKey]] = self._loader(self._api_keys)
        self.viewer_role: DataLoader[uuid.UUID, str | None] = self._loader(self._viewer_roles)
        self.projects_of_company: DataLoader[tuple[uuid.UUID, tuple[bool | None, PageRequest]], Page[Project]] = (
            self._loader(self._per_args(self._projects))
        )
        self.members_of_company: DataLoader[tuple[uuid.UUID, PageRequest], Page[Membership]] = self._loader(
            self._per_args(self._members)
        )
        self.tasks_of_project: DataLoader[tuple[uuid.UUID, TaskListArgs], Page[TaskRow]] = self._loader(
            self._per_args(self._tasks_by("project_id"))
        )
        self.tasks_of_company: DataLoader[tuple[uuid.UUID, TaskListArgs], Page[TaskRow]] = self._loader(
            self._per_args(self._tasks_by("company_id"))
        )
        # Projects with their tasks in one statement, for a list whose selection asks for both; it fills
        # tasks_of_project, where each project's `tasks` then finds its page.
        self.projects_with_tasks_of_company: DataLoader[
            tuple[uuid.UUID, tuple[bool | None, PageRequest, TaskListArgs]], Page[ProjectRow]
        ] = self._loader(self._per_args(self._projects_with_tasks))

    def _loader(self, load: Callable[[AsyncSession, list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        async def batch(keys: list[K]) -> Sequence[V]:
            async with self._transaction.exclusive_session() as session:
                return await load(session, keys)

        return DataLoader(load_fn=batch)

    def _rows(self, entity: type[V]) -> DataLoader[uuid.UUID, V | None]:
        async def load(session: AsyncSession, ids: list[uuid.UUID]) -> list[V | None]:
            return await reads.by_ids(session, entity, ids)

        return self._loader(load)

    def _per_args(
        self, fetch: Callable[[AsyncSession, list[uuid.UUID], ArgsT], Awaitable[dict[uuid.UUID, V]]]
    ) -> Callable[[AsyncSession, list[tuple[uuid.UUID, ArgsT]]], Awaitable[list[V]]]:
        async def load(session: AsyncSession, keys: list[tuple[uuid.UUID, ArgsT]]) -> list[V]:
            parents_by_args: dict[ArgsT, list[uuid.UUID]] = defaultdict(list)
            for parent_id, args in keys:
                parents_by_args[args].append(parent_id)
            found: dict[tuple[uuid.UUID, ArgsT], V] = {}
            for args, parent_ids in parents_by_args.items():
                for parent_id, value in (await fetch(session, parent_ids, args)).items():
                    found[(parent_id, args)] = value
            return [found[key] for key in keys]

        return load

    async def _subtasks(self, session: AsyncSession, task_ids: list[uuid.UUID]) -> list[list[SubtaskRow]]:
        grouped = await task_queries.subtasks_of(session, task_ids)
        return [grouped[task_id] for task_id in task_ids]

    async def _api_keys(self, session: AsyncSession, company_ids: list[uuid.UUID]) -> list[list[ApiKey]]:
        grouped = await key_queries.api_keys_of(session, company_ids)
        return [grouped[company_id] for company_id in company_ids]

    async def _viewer_roles(self, session: AsyncSession, company_ids: list[uuid.UUID]) -> list[str | None]:
        user_id = self._transaction.caller.user_id
        roles = {} if user_id is None else await company_queries.roles_of(session, user_id, company_ids)
        return [roles.get(company_id) for company_id in company_ids]

    @staticmethod
    async def _projects(
        session: AsyncSession, company_ids: list[uuid.UUID], args: tuple[bool | None, PageRequest]
    ) -> dict[uuid.UUID, Page[Project]]:
        archived, request = args
        return await project_queries.projects_per_company(session, company_ids, archived, request)

    async def _projects_with_tasks(
        self, session: AsyncSession, company_ids: list[uuid.UUID], args: tuple[bool | None, PageRequest, TaskListArgs]
    ) -> dict[uuid.UUID, Page[ProjectRow]]:
        archived, request, task_args = args
        task_filter, field, descending, task_request = task_args
        sort = task_queries.task_sort(field, descending=descending)
        projects, tasks = await task_queries.projects_with_tasks_per_company(
            session, company_ids, archived, request, (task_filter, sort, task_request)
        )
        for project_id, page in tasks.items():
            self.tasks_of_project.prime((project_id, task_args), page)
        return projects

    @staticmethod
    async def _members(
        session: AsyncSession, company_ids: list[uuid.UUID], request: PageRequest
    ) -> dict[uuid.UUID, Page[Membership]]:
        return await company_queries.members_per_company(session, company_ids, request)

    @staticmethod
    def _tasks_by(
        parent_column: str,
    ) -> Callable[[AsyncSession, list[uuid.UUID], TaskListArgs], Awaitable[dict[uuid.UUID, Page[TaskRow]]]]:
        async def fetch(
            session: AsyncSession, parent_ids: list[uuid.UUID], args: TaskListArgs
        ) -> dict[uuid.UUID, Page[TaskRow]]:
            task_filter, field, descending, request = args
            sort = task_queries.task_sort(field, descending=descending)
            return await task_queries.tasks_per_parent(session, parent_column, parent_ids, task_filter, sort, request)

        return fetch
