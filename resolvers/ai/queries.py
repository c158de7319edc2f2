"""Reading AI usage: everyone their own, a company's owners and admins the company's (the policies decide)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from base.clock import utcnow
from domain.ai.service import budget_of
from domain.ai.usage import usage_groups
from domain.validation import Checks
from resolvers.ai.types import AiBudget, AiUsageGroup, AiUsageGroupBy
from resolvers.context import Info
from resolvers.ids import uuid_of
from resolvers.mutation import signed_in


@strawberry.type
class AiQueries:
    @strawberry.field(
        description="AI usage of one company from `start` (included) to `end` (excluded), grouped by day, feature "
        "or person: the company's for its owners and admins, one's own for everyone else."
    )
    async def ai_usage(
        self,
        info: Info,
        company_id: Annotated[relay.GlobalID, strawberry.argument(description="The company.")],
        start: Annotated[datetime, strawberry.argument(description="From this instant (included).")],
        end: Annotated[datetime, strawberry.argument(description="To this instant (excluded).")],
        group_by: Annotated[
            AiUsageGroupBy, strawberry.argument(description="By day (UTC), feature or person.")
        ] = AiUsageGroupBy.DAY,
    ) -> list[AiUsageGroup]:
        signed_in(info)
        checks = Checks()
        if end <= start:
            checks.fail("end", "Must be after start.")
        checks.raise_if_any()
        async with info.context.transaction.exclusive_session() as session:
            groups = await usage_groups(
                session, company_id=uuid_of(company_id, "Company"), start=start, end=end, group_by=group_by.value
            )
        return [
            AiUsageGroup(
                key=g.key,
                calls=g.calls,
                model_calls=g.model_calls,
                tokens_in=g.tokens_in,
                tokens_out=g.tokens_out,
                cost_usd=g.cost_usd,
            )
            for g in groups
        ]

    @strawberry.field(description="A company's AI budget and this month's spending; its members may read it.")
    async def ai_budget(
        self, info: Info, company_id: Annotated[relay.GlobalID, strawberry.argument(description="The company.")]
    ) -> AiBudget:
        signed_in(info)
        async with info.context.transaction.exclusive_session() as session:
            settings, month = await budget_of(session, uuid_of(company_id, "Company"), utcnow())
        return AiBudget(
            monthly_token_limit=settings.monthly_token_limit if settings else None,
            monthly_cost_limit_usd=settings.monthly_cost_limit_usd if settings else None,
            classify_tasks=settings.classify_tasks if settings else False,
            spent_tokens=month.spent_tokens if month else 0,
            spent_cost_usd=month.spent_cost_usd if month else Decimal(0),
            reserved_tokens=month.reserved_tokens if month else 0,
        )
