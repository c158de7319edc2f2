"""AI jobs: classify a new task when its company turned classification on.

The model is asked between two transactions, never inside one: the first reads the task and reserves the
budget as a worker of the task's company, the second stores the classification with its usage record.
"""

from __future__ import annotations

import structlog

from base.clock import utcnow
from db.models import AiFeature, OutboxEvent
from domain.ai.calls import AiRuntime, Call, ask_json, reserve, settle_and_record
from domain.ai.classify import classify_heuristic, classify_messages, save_classification, wants_classification
from domain.ai.schemas import ModelClassification, response_format
from domain.events.service import EventType
from workers import runtime
from workers.events import reacts
from workers.runtime import acting_for

log = structlog.get_logger("rhythm.ai")

_runtime: AiRuntime | None = None


def ai_runtime() -> AiRuntime:
    global _runtime
    if _runtime is None:
        _runtime = AiRuntime.from_settings(runtime.settings())
    return _runtime


@reacts
async def classify_new_task(event: OutboxEvent) -> None:
    if event.type != EventType.TASK_CREATED.value or event.subject_id is None:
        return
    ai = ai_runtime()
    async with acting_for(event.company_id) as session:
        task = await wants_classification(session, event.company_id, event.subject_id)
        if task is None:
            return
        call = Call(
            feature=AiFeature.CLASSIFY, company_id=task.company_id, user_id=task.created_by,
            messages=classify_messages(task),
        )  # fmt: skip
        await reserve(session, ai, call, utcnow())
    fallback = classify_heuristic(task.title, task.estimated_minutes)
    answer = await ask_json(
        ai, call, ModelClassification, response_format(ModelClassification, "classification"),
        lambda result: result, lambda: fallback,
    )  # fmt: skip
    async with acting_for(event.company_id) as session:
        await save_classification(session, task, answer.value, answer.source)
        await settle_and_record(session, call)
    log.info("task_classified", task_id=str(task.id), source=answer.source.value)
