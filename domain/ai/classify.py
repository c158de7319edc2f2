"""Classifying a new task (category, deep or shallow work, effort 1-5, estimated minutes) when its company has
turned classification on. The result sits beside the task; the task's own estimate stays the person's, and their
history keeps correcting it as before."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiCompanySettings, AiSource, Task
from domain.ai.prompts import SYSTEM_DATA_RULE
from domain.ai.schemas import ModelClassification

CATEGORIES: list[tuple[str, str, bool, int]] = [
    # category, words, deep work, default minutes
    ("engineering", r"fix|debug|refactor|deploy|code|implement|migrat|test|bug|api|server|build", True, 120),
    ("writing", r"write|draft|edit|proofread|document|report|spec|proposal|essay|blog|newsletter", True, 90),
    ("learning", r"study|read|learn|research|course|chapter|review the literature", True, 60),
    ("planning", r"plan|roadmap|okr|budget|strategy|outline|agenda", True, 60),
    ("review", r"review|check|verify|approve|audit", False, 30),
    ("communication", r"call|email|e-mail|reply|message|text|ring|phone|meet|meeting|sync|1:1|follow up", False, 15),
    ("errand", r"buy|pay|order|pick up|drop off|book|renew|return|cancel|groceries|clean", False, 30),
]
GENERAL = ("general", "", False, 30)


def classify_heuristic(title: str, estimated_minutes: int | None) -> ModelClassification:
    lowered = title.lower()
    category, _words, deep, minutes = next(
        (entry for entry in CATEGORIES if re.search(rf"\b(?:{entry[1]})", lowered)), GENERAL
    )
    minutes = estimated_minutes or minutes
    effort = 1 if minutes <= 15 else 2 if minutes <= 45 else 3 if minutes <= 120 else 4 if minutes <= 240 else 5
    return ModelClassification(
        category=category, depth="deep" if deep or minutes >= 90 else "shallow", effort=effort,
        estimated_minutes=minutes,
    )  # fmt: skip


def classify_messages(task: Task) -> list[dict[str, str]]:
    system = (
        "Classify one task of a task manager: a short lowercase category (one or two words), whether it is deep"
        " (focused, uninterrupted) or shallow work, an effort from 1 to 5 and an estimate in minutes. "
        + SYSTEM_DATA_RULE
    )
    data = {"title": task.title, "description": task.description[:2000], "estimated_minutes": task.estimated_minutes}
    return [{"role": "system", "content": system}, {"role": "user", "content": json.dumps(data)}]


async def wants_classification(session: AsyncSession, company_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
    """The task, when its company classifies tasks and this one is not classified yet."""
    settings = await session.get(AiCompanySettings, company_id)
    if settings is None or not settings.classify_tasks:
        return None
    done = await session.execute(
        text("SELECT 1 FROM ai_task_classifications WHERE company_id = :c AND task_id = :t"),
        {"c": company_id, "t": task_id},
    )
    if done.first() is not None:
        return None
    task = await session.get(Task, task_id)
    since = settings.classify_tasks_since
    if task is None or (since is not None and task.created_at < since):
        return None
    return task


async def save_classification(session: AsyncSession, task: Task, result: ModelClassification, source: AiSource) -> None:
    await session.execute(
        text(
            "INSERT INTO ai_task_classifications (company_id, task_id, category, depth, effort, estimated_minutes,"
            " source) VALUES (:c, :t, :category, :depth, :effort, :minutes, :source) ON CONFLICT DO NOTHING"
        ),
        {"c": task.company_id, "t": task.id, "category": result.category.strip().lower()[:40] or "general",
         "depth": result.depth, "effort": result.effort, "minutes": result.estimated_minutes,
         "source": source.value},
    )  # fmt: skip
