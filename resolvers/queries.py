from __future__ import annotations

import inspect
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from domain.companies import queries as company_queries
from domain.tasks import queries as task_queries
from resolvers.ai.coach import CoachQueries
from resolvers.ai.queries import AiQueries
from resolvers.companies.types import Company
from resolvers.connections import After, Before, Connection, First, Last, connection_of, page_request
from resolvers.context import Info
from resolvers.jobs.types import Jobs
from resolvers.mutation import signed_in
from resolvers.tasks.inputs import FilterArgument, OrderArgument, task_list_args
from resolvers.tasks.lookahead import load_task_relations
from resolvers.tasks.types import Task
from resolvers.users.viewer import Viewer


@strawberry.type(description="Reading Rhythm: what the caller may see, and nothing else.")
class Query(AiQueries, CoachQueries):
    @strawberry.field(description="Any object by its global id; null if it does not exist or the caller cannot see it.")
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> relay.Node | None:
        # A plain ID, parsed here: an id that is not even a global id names nothing, so it is null too.
        try:
            global_id = relay.GlobalID.from_id(id)
            node_type = global_id.resolve_type(info)
        except GlobalIDValueError:
            return None
        nodes = node_type.resolve_nodes(info=info, node_ids=[global_id.node_id], required=False)
        if inspect.isawaitable(nodes):
            nodes = await nodes
        return next(iter(nodes), None)

    @strawberry.field(description="The signed-in person; null for anonymous callers and API keys.")
    def viewer(self, info: Info) -> Viewer | None:
        user_id = info.context.caller.user_id
        return None if user_id is None else Viewer(user_id=user_id)

    @strawberry.field(description="The companies the caller may see (for an API key: its own).")
    async def companies(self, info: Info, first: First = None, after: After = None) -> Connection[Company]:
        signed_in(info)
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await company_queries.companies_page(session, request)
        return connection_of(page, Company.from_model)

    @strawberry.field(description="Tasks across every company the caller may see.")
    async def tasks(
        self,
        info: Info,
        filter: FilterArgument = None,
        order_by: OrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        signed_in(info)
        task_filter, field, descending, request = task_list_args(info, filter, order_by, first, after, last, before)
        sort = task_queries.task_sort(field, descending=descending)
        async with info.context.transaction.exclusive_session() as session:
            page = await task_queries.list_tasks(session, task_filter, sort, request)
        await load_task_relations(info, page.rows)
        return connection_of(page, Task.from_model)

    @strawberry.field(
        description="Background jobs: dead letters of the companies the caller owns (every company's for a platform "
        "administrator), and the broker's queues for platform administrators."
    )
    def jobs(self, info: Info) -> Jobs:
        signed_in(info)
        return Jobs()
