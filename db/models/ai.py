"""AI: metered usage, a company's AI settings and monthly budget, task classifications and the coach."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.models._base import id_field, tenant_field, timestamp_field


class AiSource(enum.StrEnum):
    MODEL = "MODEL"
    HEURISTIC = "HEURISTIC"


class AiReason(enum.StrEnum):
    """Why the heuristic answered instead of the model."""

    NO_MODEL = "NO_MODEL"
    BUDGET_REACHED = "BUDGET_REACHED"
    MODEL_ERROR = "MODEL_ERROR"
    TIMEOUT = "TIMEOUT"
    INVALID_OUTPUT = "INVALID_OUTPUT"
    RATE_LIMITED = "RATE_LIMITED"


class AiFeature(enum.StrEnum):
    PARSE_TASKS = "parse_tasks"
    PLAN = "plan"
    CLASSIFY = "classify"
    COACH = "coach"
    WEEKLY_SUMMARY = "weekly_summary"


def _money() -> sa.Column[Decimal]:
    return sa.Column(sa.Numeric(14, 6), nullable=False, default=Decimal(0))


class AiUsage(SQLModel, table=True):
    __tablename__ = "ai_usage"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID | None = None
    feature: str
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    latency_ms: int = 0
    source: str = AiSource.HEURISTIC.value
    reason: str | None = None
    created_at: datetime = timestamp_field(default_now=True)


class AiCompanySettings(SQLModel, table=True):
    __tablename__ = "ai_company_settings"

    company_id: uuid.UUID = Field(primary_key=True)
    monthly_token_limit: int | None = None
    monthly_cost_limit_usd: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(14, 6)))
    classify_tasks: bool = False
    classify_tasks_since: datetime | None = timestamp_field(nullable=True)
    updated_by: uuid.UUID | None = None
    updated_at: datetime = timestamp_field(default_now=True)


class AiBudgetMonth(SQLModel, table=True):
    __tablename__ = "ai_budget_months"

    company_id: uuid.UUID = Field(primary_key=True)
    month: date = Field(primary_key=True)
    spent_tokens: int = 0
    spent_cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    reserved_tokens: int = 0
    reserved_cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())


class AiBudgetReservation(SQLModel, table=True):
    __tablename__ = "ai_budget_reservations"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    month: date
    tokens: int
    cost_usd: Decimal = Field(default=Decimal(0), sa_column=_money())
    created_at: datetime = timestamp_field(default_now=True)


class AiTaskClassification(SQLModel, table=True):
    __tablename__ = "ai_task_classifications"

    company_id: uuid.UUID = Field(primary_key=True)
    task_id: uuid.UUID = Field(primary_key=True)
    category: str
    depth: str
    effort: int
    estimated_minutes: int
    source: str
    created_at: datetime = timestamp_field(default_now=True)


class AiCoachMessage(SQLModel, table=True):
    __tablename__ = "ai_coach_messages"

    id: uuid.UUID = id_field()
    company_id: uuid.UUID = tenant_field()
    user_id: uuid.UUID
    role: str
    content: str = Field(max_length=20000)
    source: str | None = None
    created_at: datetime = timestamp_field(default_now=True)
