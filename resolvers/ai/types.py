"""The AI types: proposed tasks and plans, each answer's source, usage figures and a company's AI settings."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from db.models import AiReason, AiSource, TaskPriority

AiSourceEnum = strawberry.enum(AiSource, name="AiSource", description="Who answered: the model or the heuristic.")
AiReasonEnum = strawberry.enum(
    AiReason,
    name="AiReason",
    description="Why the heuristic answered: no model configured, the company's monthly budget reached, a model "
    "error or timeout, output that failed validation twice, or the person's per-minute limit.",
)


@strawberry.enum(description="How AI usage is grouped.")
class AiUsageGroupBy(enum.Enum):
    DAY = "DAY"
    FEATURE = "FEATURE"
    PERSON = "PERSON"


@strawberry.type(description="A task proposed from plain language; nothing is created until asked.")
class ProposedTask:
    title: str = strawberry.field(description="What is to be done.")
    due_at: datetime | None = strawberry.field(description="When it is due, in the person's time zone.")
    duration_minutes: int | None = strawberry.field(description="How long it takes, when the text says.")
    priority: TaskPriority = strawberry.field(description="How much it matters (MEDIUM unless the text says).")
    project_id: relay.GlobalID | None = strawberry.field(description="A project of the company the text names.")
    depends_on: list[int] = strawberry.field(description="Indexes of earlier proposed tasks this one waits for.")


@strawberry.type(description="Tasks proposed from plain language, and who proposed them.")
class ParsedTasks:
    tasks: list[ProposedTask] = strawberry.field(description="The tasks, in the order of the text.")
    source: AiSource = strawberry.field(description="MODEL or HEURISTIC.")
    reason: AiReason | None = strawberry.field(description="Why the heuristic answered; null for the model.")


@strawberry.type(description="A request for time read from plain language, for the scheduling engine.")
class PlanRequest:
    title: str = strawberry.field(description="What the time is for.")
    duration_minutes: int = strawberry.field(description="How many minutes to find.")
    deadline: datetime | None = strawberry.field(description="Before when, in the person's time zone.")
    earliest_start: datetime | None = strawberry.field(description="Not before (now, when the text says nothing).")
    preferred_start: str | None = strawberry.field(description="Preferred hours start, as HH:MM local time.")
    preferred_end: str | None = strawberry.field(description="Preferred hours end, as HH:MM local time.")
    source: AiSource = strawberry.field(description="MODEL or HEURISTIC.")
    reason: AiReason | None = strawberry.field(description="Why the heuristic answered; null for the model.")


@strawberry.type(description="AI usage of one day, feature or person.")
class AiUsageGroup:
    key: str = strawberry.field(description="The day (YYYY-MM-DD, UTC), the feature, or the person's id.")
    calls: int = strawberry.field(description="Answers given, by the model or the heuristic.")
    model_calls: int = strawberry.field(description="Answers the model gave.")
    tokens_in: int = strawberry.field(description="Prompt tokens.")
    tokens_out: int = strawberry.field(description="Completion tokens.")
    cost_usd: Decimal = strawberry.field(description="Estimated cost in US dollars, from the price table.")


@strawberry.type(description="A company's AI settings: its monthly budget and whether new tasks are classified.")
class AiSettings:
    monthly_token_limit: int | None = strawberry.field(description="Tokens a month (UTC); null: no limit.")
    monthly_cost_limit_usd: Decimal | None = strawberry.field(description="US dollars a month; null: no limit.")
    classify_tasks: bool = strawberry.field(description="Whether new tasks are classified.")


@strawberry.type(description="A company's AI budget and what it spent this month (UTC).")
class AiBudget:
    monthly_token_limit: int | None = strawberry.field(description="Tokens a month; null: no limit.")
    monthly_cost_limit_usd: Decimal | None = strawberry.field(description="US dollars a month; null: no limit.")
    classify_tasks: bool = strawberry.field(description="Whether new tasks are classified.")
    spent_tokens: int = strawberry.field(description="Tokens spent this month.")
    spent_cost_usd: Decimal = strawberry.field(description="Estimated US dollars spent this month.")
    reserved_tokens: int = strawberry.field(description="Tokens reserved by calls under way.")


@strawberry.input(description="Plain language to read in one company.")
class AiTextInput:
    company_id: relay.GlobalID = strawberry.field(description="The company (its projects, its budget).")
    text: str = strawberry.field(description="What the person wrote (at most 4000 characters).")


@strawberry.input(description="A company's AI settings; owners only.")
class SetAiBudgetInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    monthly_token_limit: int | None = strawberry.field(default=None, description="Tokens a month; null: no limit.")
    monthly_cost_limit_usd: Decimal | None = strawberry.field(
        default=None, description="US dollars a month; null: no limit."
    )
    classify_tasks: bool = strawberry.field(default=False, description="Classify new tasks.")
