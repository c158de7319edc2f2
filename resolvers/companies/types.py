from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import MembershipRole
from domain import feature_flags as flags
from domain.audit import queries as audit_queries
from domain.audit.queries import AuditFilter
from domain.errors import DomainError
from resolvers.audit.types import AuditEntry, AuditFilterArgument
from resolvers.connections import After, Before, Connection, First, Last, connection_of, page_request
from resolvers.context import Info
from resolvers.feature_flags.types import CompanyFeatureFlag
from resolvers.lookahead import item_selections
from resolvers.nodes import nodes_by_ids, required
from resolvers.tasks.inputs import FilterArgument, OrderArgument, task_list_args
from resolvers.tasks.lookahead import load_task_relations
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.api_keys.types import ApiKey
    from resolvers.loaders import TaskListArgs
    from resolvers.projects.types import Project
    from resolvers.tasks.types import Task
    from resolvers.webhooks.types import WebhookEndpoint

ProjectRef = Annotated["Project", strawberry.lazy("resolvers.projects.types")]
TaskRef = Annotated["Task", strawberry.lazy("resolvers.tasks.types")]
ApiKeyRef = Annotated["ApiKey", strawberry.lazy("resolvers.api_keys.types")]
WebhookEndpointRef = Annotated["WebhookEndpoint", strawberry.lazy("resolvers.webhooks.types")]


@strawberry.type(description="A company: the tenant that owns projects, tasks and time. Everyone has a personal one.")
class Company(relay.Node):
    id: relay.NodeID[uuid.UUID]
    name: str = strawberry.field(description="The company's name.")
    is_personal: bool = strawberry.field(description="True for a person's private company, made at signup.")
    require_second_factor: bool = strawberry.field(
        description="Members reach the company only from a session that passed a second factor (set by owners)."
    )
    created_at: datetime = strawberry.field(description="When the company was made.")

    @classmethod
    def from_model(cls, row: models.Company) -> Company:
        return cls(
            id=row.id,
            name=row.name,
            is_personal=row.is_personal,
            require_second_factor=row.require_second_factor,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Company | None]:
        return await nodes_by_ids(info.context.get_loaders().company, node_ids, cls.from_model)

    @strawberry.field(description="The caller's role here; null for an API key.")
    async def viewer_role(self, info: Info) -> MembershipRole | None:
        role = await info.context.get_loaders().viewer_role.load(self.id)
        return None if role is None else MembershipRole(role)

    @strawberry.field(description="The company's members, oldest first.")
    async def members(self, info: Info, first: First = None, after: After = None) -> Connection[Membership]:
        request = page_request(first, after, info.context.services.max_page_size)
        page = await info.context.get_loaders().members_of_company.load((self.id, request))
        return connection_of(page, Membership.from_model)

    @strawberry.field(description="The company's projects, oldest first.")
    async def projects(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        archived: Annotated[bool | None, strawberry.argument(description="Only (un)archived projects.")] = None,
    ) -> Connection[ProjectRef]:
        from resolvers.projects.types import Project

        request = page_request(first, after, info.context.services.max_page_size)
        loaders = info.context.get_loaders()
        task_args = _tasks_looked_ahead(info)
        if task_args is None:
            page = await loaders.projects_of_company.load((self.id, (archived, request)))
            return connection_of(page, Project.from_model)
        rows = await loaders.projects_with_tasks_of_company.load((self.id, (archived, request, task_args)))
        return connection_of(rows, Project.from_model)

    @strawberry.field(description="The company's tasks.")
    async def tasks(
        self,
        info: Info,
        filter: FilterArgument = None,
        order_by: OrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[TaskRef]:
        from resolvers.tasks.types import Task

        args = task_list_args(info, filter, order_by, first, after, last, before)
        page = await info.context.get_loaders().tasks_of_company.load((self.id, args))
        await load_task_relations(info, page.rows)
        return connection_of(page, Task.from_model)

    @strawberry.field(description="The company's API keys; visible to owners and admins only.")
    async def api_keys(self, info: Info) -> list[ApiKeyRef]:
        from resolvers.api_keys.types import ApiKey

        rows = await info.context.get_loaders().api_keys_of_company.load(self.id)
        return [ApiKey.from_model(row) for row in rows]

    @strawberry.field(description="The company's webhook endpoints, oldest first; visible to owners and admins only.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpointRef]:
        from resolvers.webhooks.types import WebhookEndpoint

        rows = await info.context.get_loaders().webhooks.endpoints_of_company.load(self.id)
        return [WebhookEndpoint.from_model(row) for row in rows]

    @strawberry.field(
        description="Who did what here, newest first: membership and role changes, API keys, webhook endpoints and"
        " their secrets, calendar connections, feature flags. Owners and admins only; empty for anyone else."
    )
    async def audit_log(
        self, info: Info, first: First = None, after: After = None, filter: AuditFilterArgument = None
    ) -> Connection[AuditEntry]:
        request = page_request(first, after, info.context.services.max_page_size)
        where = AuditFilter() if filter is None else filter.to_domain()
        async with info.context.transaction.exclusive_session() as session:
            page = await audit_queries.audit_log(session, self.id, where, request)
        return connection_of(page, AuditEntry.from_model)

    @strawberry.field(
        description="Every feature flag with its value here; for owners and platform administrators, empty for"
        " anyone else."
    )
    async def feature_flags(self, info: Info) -> list[CompanyFeatureFlag]:
        async with info.context.transaction.exclusive_session() as session:
            states = await flags.company_flags(session, self.id)
        return [CompanyFeatureFlag.of(state) for state in states]

    @strawberry.field(description="Whether a feature flag is on here (false for a flag that does not exist).")
    async def feature_enabled(
        self, info: Info, name: Annotated[str, strawberry.argument(description="The flag's name.")]
    ) -> bool:
        async with info.context.transaction.exclusive_session() as session:
            return await flags.is_enabled(session, self.id, name)


def _tasks_looked_ahead(info: Info) -> TaskListArgs | None:
    """The arguments of the projects' `tasks`, when they can be read ahead: one `tasks` selection whose only
    argument is a valid `first`. Anything else (a filter, an order, a cursor, two aliased selections) loads
    the tasks when each project's `tasks` resolves, where a bad argument is reported on that field.
    """
    selections = [field for field in item_selections(info) if field.name == "tasks"]
    if len(selections) != 1 or not set(selections[0].arguments) <= {"first"}:
        return None
    # A literal arrives as its source text (validated as an Int), a variable as the JSON number sent.
    first = selections[0].arguments.get("first")
    if isinstance(first, str) and first.lstrip("-").isdigit():
        first = int(first)
    if first is not None and not isinstance(first, int):
        return None
    try:
        return task_list_args(info, None, None, first, None)
    except DomainError:
        return None


@strawberry.type(description="A person's membership in a company, with their role.")
class Membership:
    company_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]
    role: MembershipRole = strawberry.field(description="The member's role.")
    joined_at: datetime = strawberry.field(description="When the person joined.")

    @classmethod
    def from_model(cls, row: models.Membership) -> Membership:
        return cls(
            company_id=row.company_id, user_id=row.user_id, role=MembershipRole(row.role), joined_at=row.created_at
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))

    @strawberry.field(description="The company.")
    async def company(self, info: Info) -> Company:
        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))
