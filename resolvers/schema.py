"""The schema, assembled from every area's queries and mutations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext, ExecutionResult

from resolvers.accounts.mutations import AccountMutations
from resolvers.ai.coach import CoachMutations
from resolvers.ai.mutations import AiMutations
from resolvers.api_keys.mutations import ApiKeyMutations
from resolvers.auth.accounts import AccountMutations as EmailAndSessionMutations
from resolvers.auth.mutations import AuthMutations
from resolvers.auth.second_factor import SecondFactorMutations
from resolvers.budget import within_budget
from resolvers.calendar_sync.mutations import CalendarSyncMutations
from resolvers.calendars.mutations import CalendarMutations
from resolvers.calendars.occurrences import OccurrenceMutations
from resolvers.companies.mutations import CompanyMutations
from resolvers.connections import DEFAULT_PAGE_SIZE
from resolvers.document_cost import CostLimits, MaxDocumentCost
from resolvers.extensions import DocumentCache, ErrorFormatter, TransactionBoundary, ValidDocuments
from resolvers.feature_flags.mutations import FeatureFlagMutations
from resolvers.field_count import MaxSelectedFields
from resolvers.focus.mutations import FocusMutations
from resolvers.jobs.mutations import JobMutations
from resolvers.live.subscriptions import Subscription
from resolvers.live.transport import SubscriptionsOverWebSocket
from resolvers.metrics import OperationMetrics
from resolvers.notifications.mutations import NotificationMutations
from resolvers.projects.mutations import ProjectMutations
from resolvers.queries import Query
from resolvers.rate_limits import RateLimiting
from resolvers.scalars import SCALAR_OVERRIDES
from resolvers.scheduling.mutations import SchedulingMutations
from resolvers.sign_in.mutations import SignInMutations
from resolvers.suggestions import HideSuggestions
from resolvers.tasks.mutations import TaskMutations
from resolvers.time_tracking.mutations import TimeMutations
from resolvers.tracing import OperationSpan
from resolvers.users.mutations import UserMutations
from resolvers.webhooks.mutations import WebhookMutations


@strawberry.type(description="Every change goes through here: one `input`, a union of the result and typed errors.")
class Mutation(
    AuthMutations,
    EmailAndSessionMutations,
    AccountMutations,
    SecondFactorMutations,
    UserMutations,
    CompanyMutations,
    ProjectMutations,
    TaskMutations,
    TimeMutations,
    ApiKeyMutations,
    WebhookMutations,
    NotificationMutations,
    JobMutations,
    CalendarMutations,
    OccurrenceMutations,
    SchedulingMutations,
    FocusMutations,
    CalendarSyncMutations,
    AiMutations,
    CoachMutations,
    SignInMutations,
    FeatureFlagMutations,
):
    pass


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 12
    max_tokens: int = 2000
    # Aliases, and fields times the page sizes above them (resolvers/document_cost.py).
    max_aliases: int = 30
    max_cost: int = 1_000_000
    max_page_size: int = 100
    # Fields selected with fragments expanded (resolvers/field_count.py). A document without fragments cannot
    # reach it within the token limit; the largest Rhythm ships or tests selects 82.
    max_fields: int = 2000
    # Seconds an operation may take from parsing to its result (resolvers/budget.py).
    operation_seconds: float = 10.0
    # Off in production unless enabled: the schema's shape, and "Did you mean" hints in error messages.
    introspection: bool = True
    field_suggestions: bool = True

    @property
    def cost(self) -> CostLimits:
        return CostLimits(
            max_aliases=self.max_aliases,
            max_cost=self.max_cost,
            default_page_size=DEFAULT_PAGE_SIZE,
            max_page_size=self.max_page_size,
            max_depth=self.max_depth,
        )


class RhythmSchema(strawberry.Schema):
    # What build_schema validates every operation with, beyond the specification's rules.
    limits: Limits
    limit_rules: tuple[type[ASTValidationRule], ...]
    # The documents that parsed and validated (DocumentCache), shared with compiled reads: a document they
    # validated and declined is not validated again by the executor.
    valid_documents: ValidDocuments

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # ErrorFormatter logs the unexpected errors once, with the request id; expected ones are not news.
        return

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> ExecutionResult:
        """The operation, abandoned (and its transaction rolled back) once it overruns its time budget."""
        return await within_budget(
            self.limits.operation_seconds,
            context_value,
            super().execute(query, variable_values, context_value, *args, **kwargs),
        )


def build_schema(limits: Limits | None = None) -> RhythmSchema:
    limits = limits or Limits()
    # The limiters' rules are built once, so every operation validates with the same rule classes and the
    # document cache can recognise a document that already passed them.
    rules: list[type[ASTValidationRule]] = [*QueryDepthLimiter(max_depth=limits.max_depth).validation_rules]
    if not limits.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = ValidDocuments()
    schema = RhythmSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,  # type: ignore[arg-type]
        # Factories, so every operation gets extensions of its own.
        extensions=[
            # First, so it closes last and sees the codes ErrorFormatter gives.
            OperationMetrics,
            OperationSpan,
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: DocumentCache(documents),
            # After the cache (a document it knows passed), before validation (which expands fragments).
            lambda: MaxSelectedFields(limits.max_fields),
            lambda: MaxDocumentCost(limits.cost),
            SubscriptionsOverWebSocket,
            RateLimiting,
            ErrorFormatter,
            TransactionBoundary,
            *([] if limits.field_suggestions else [HideSuggestions]),
        ],
    )
    schema.limits = limits
    schema.limit_rules = tuple(rules)
    schema.valid_documents = documents
    return schema
