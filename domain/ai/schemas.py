"""What the model may answer, as pydantic models: its output is checked like a person's input.

The JSON schemas sent as `response_format` are made from these same models, so the model is asked for exactly
what is validated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.models import TaskPriority

PRIORITY_NAMES = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]


class ProposedTask(BaseModel):
    """One task proposed from plain language; nothing is created until the person asks for it."""

    title: str = Field(min_length=1, max_length=500)
    due_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=100_000)
    priority: TaskPriority = TaskPriority.MEDIUM
    project_id: str | None = None
    # Indexes of earlier tasks of the same answer that this one waits for.
    depends_on: list[int] = Field(default_factory=list)


class ModelTask(BaseModel):
    """A task as the model writes it: times as ISO 8601 text with their offset, priorities by name."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    due_at: str | None
    duration_minutes: int | None = Field(ge=1, le=100_000)
    priority: PRIORITY_NAMES
    project_id: str | None
    depends_on: list[int]

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: str | None) -> str | None:
        if value is not None and datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("a due time needs its UTC offset")
        return value


class ModelTasks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[ModelTask] = Field(max_length=20)


class PlanRequest(BaseModel):
    """A scheduling request read from plain language, which previewSchedule can plan."""

    title: str = Field(min_length=1, max_length=500)
    duration_minutes: int = Field(ge=5, le=24 * 60 * 5)
    deadline: datetime | None = None
    earliest_start: datetime | None = None
    # Minutes after local midnight between which the work should preferably happen.
    preferred_start_minute: int | None = Field(default=None, ge=0, le=24 * 60)
    preferred_end_minute: int | None = Field(default=None, ge=0, le=24 * 60)


class ModelPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    duration_minutes: int = Field(ge=5, le=24 * 60 * 5)
    deadline: str | None
    preferred_hours: Literal["morning", "afternoon", "evening", "any"]


class ModelClassification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=40)
    depth: Literal["deep", "shallow"]
    effort: int = Field(ge=1, le=5)
    estimated_minutes: int = Field(ge=1, le=100_000)


def response_format(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The `response_format` asking an OpenAI-compatible endpoint for JSON that fits `model`."""
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": _strict(model)}}


def _strict(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    _close(schema)
    return schema


def _close(node: Any) -> None:
    # Strict structured outputs need every property required and no others allowed.
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["required"] = sorted(node["properties"])
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


class ModelSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=2000)
