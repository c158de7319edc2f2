"""The coach over GraphQL: a reply streamed token by token over a subscription, the conversation (the person's
own only), clearing it, and the weekly summary."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

# Registers AiSource and AiReason with their descriptions before this module's types name them.
import resolvers.ai.types  # noqa: F401
from base.clock import utcnow
from db.models import AiFeature, AiReason, AiSource
from db.tenant import tenant_session
from domain.ai import coach
from domain.ai.calls import Call, ask_json, meter_stream, reserve, settle_and_record
from domain.ai.client import ModelUnavailable, Reply
from domain.ai.prompts import SYSTEM_DATA_RULE, coach_messages, estimate_tokens
from domain.ai.schemas import ModelSummary, response_format
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person

CompanyArgument = Annotated[relay.GlobalID, strawberry.argument(description="The company the conversation is in.")]


@strawberry.type(description="A piece of the coach's reply; the last one has `done` and says who answered.")
class CoachChunk:
    delta: str = strawberry.field(description="The next piece of text.")
    done: bool = strawberry.field(description="Whether the reply is complete.")
    source: AiSource | None = strawberry.field(description="MODEL or HEURISTIC, on the last piece.")
    reason: AiReason | None = strawberry.field(description="Why the heuristic answered, on the last piece.")


@strawberry.type(description="One message of the viewer's coach conversation.")
class CoachMessage:
    role: str = strawberry.field(description="`user` or `assistant`.")
    content: str = strawberry.field(description="What was said.")
    created_at: datetime = strawberry.field(description="When.")


@strawberry.type(description="A few sentences about the viewer's week, from the numbers Rhythm has.")
class WeeklySummary:
    summary: str = strawberry.field(description="The summary.")
    source: AiSource = strawberry.field(description="MODEL or HEURISTIC.")
    reason: AiReason | None = strawberry.field(description="Why the heuristic answered; null for the model.")


@strawberry.type(description="How many messages were removed.")
class CoachCleared:
    removed: int = strawberry.field(description="Messages removed.")


@strawberry.input(description="Names the company of a coach conversation.")
class CoachConversationInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")


CoachClearedResult = Annotated[
    CoachCleared | ErrorType, strawberry.union("CoachClearedResult", description="CoachCleared, or a typed error.")
]


@strawberry.type
class CoachSubscription:
    @strawberry.subscription(
        description="Ask the coach about one's own tasks, plan and focus history in a company: the reply streams "
        "piece by piece, and both messages are kept in the person's conversation (theirs alone)."
    )
    async def coach_reply(
        self,
        info: Info,
        company_id: CompanyArgument,
        message: Annotated[str, strawberry.argument(description="What the person asks (1-4000 characters).")],
    ) -> AsyncGenerator[CoachChunk, None]:
        user_id = person(info)
        coach.check_message(message)
        company = uuid_of(company_id, "Company")
        services, caller = info.context.services, info.context.caller
        now = utcnow()
        async with tenant_session(services.sessions, caller) as session:
            context = await coach.context_of(session, company, user_id, now)
            past = [(m.role, m.content) for m in await coach.history(session, company, user_id)]
            await coach.add_message(session, company_id=company, user_id=user_id, role="user", content=message, at=now)
            call = Call(
                feature=AiFeature.COACH, company_id=company, user_id=user_id,
                messages=coach_messages(context.as_prompt(), past, message),
            )  # fmt: skip
            await reserve(session, services.ai, call, now)
        pieces: list[str] = []
        kept = False
        try:
            async for piece in _reply(info, call, coach.heuristic_reply(context)):
                pieces.append(piece)
                yield CoachChunk(delta=piece, done=False, source=None, reason=None)
            # Kept before the last piece goes out, so a client that then reads the conversation finds the reply.
            await _keep(info, call, company, user_id, "".join(pieces))
            kept = True
            yield CoachChunk(delta="", done=True, source=call.metered.source, reason=call.metered.reason)
        finally:
            if not kept:
                # The subscriber left mid-stream: what was said so far, and its usage, are kept all the same.
                await asyncio.shield(_keep(info, call, company, user_id, "".join(pieces)))


async def _reply(info: Info, call: Call, fallback: str) -> AsyncGenerator[str, None]:
    client = info.context.services.ai.client
    if client is not None and call.reservation is not None:
        started = False
        try:
            async for item in client.stream(call.messages):
                if isinstance(item, Reply):
                    meter_stream(call, client, item.tokens_in, item.tokens_out, item.latency_ms)
                    call.metered.source, call.metered.reason = AiSource.MODEL, None
                    return
                if not started:
                    started = True
                    call.metered.model, call.metered.source, call.metered.reason = client.model, AiSource.MODEL, None
                yield item
        except ModelUnavailable as error:
            if started:
                # Cut mid-answer: what came is the model's (and is metered as such).
                return
            call.metered.reason = error.reason
    call.metered.reason = call.metered.reason or AiReason.NO_MODEL
    for index, word in enumerate(fallback.split(" ")):
        yield word if index == 0 else f" {word}"


async def _keep(info: Info, call: Call, company: uuid.UUID, user_id: uuid.UUID, text: str) -> None:
    services, caller = info.context.services, info.context.caller
    client = services.ai.client
    if client is not None and call.metered.source == AiSource.MODEL and call.metered.tokens_in == 0:
        # Cut before the last chunk, which carries the usage: metered from the prompt's estimate and the text.
        meter_stream(call, client, estimate_tokens(call.messages), len(text) // 4 + 1, 0)
    async with tenant_session(services.sessions, caller) as session:
        if text:
            await coach.add_message(
                session, company_id=company, user_id=user_id, role="assistant", content=text,
                source=call.metered.source.value, at=utcnow(),
            )  # fmt: skip
        await settle_and_record(session, call)


@strawberry.type
class CoachQueries:
    @strawberry.field(description="The viewer's own coach conversation in a company, oldest first.")
    async def coach_conversation(self, info: Info, company_id: CompanyArgument) -> list[CoachMessage]:
        user_id = person(info)
        async with info.context.transaction.exclusive_session() as session:
            rows = await coach.history(session, uuid_of(company_id, "Company"), user_id)
        return [CoachMessage(role=row.role, content=row.content, created_at=row.created_at) for row in rows]

    @strawberry.field(
        description="A few sentences about the viewer's week in a company (tasks done, focus, what is open and "
        "planned), written by the model from these numbers alone, or by the heuristic."
    )
    async def weekly_summary(self, info: Info, company_id: CompanyArgument) -> WeeklySummary:
        user_id = person(info)
        company = uuid_of(company_id, "Company")
        services, caller = info.context.services, info.context.caller
        now = utcnow()
        async with tenant_session(services.sessions, caller) as session:
            context = await coach.context_of(session, company, user_id, now)
            done = await coach.done_since(session, company, user_id, now - timedelta(days=7))
            numbers = {**context.as_prompt(), "open_tasks": len(context.open_tasks), "done_last_7_days": done}
            system = "Summarise a person's week in two or three encouraging, factual sentences. " + SYSTEM_DATA_RULE
            messages = [{"role": "system", "content": system}, {"role": "user", "content": json.dumps(numbers)}]
            call = Call(feature=AiFeature.WEEKLY_SUMMARY, company_id=company, user_id=user_id, messages=messages)
            await reserve(session, services.ai, call, now)
        answer = await ask_json(
            services.ai, call, ModelSummary, response_format(ModelSummary, "summary"),
            lambda result: result.summary.strip(), lambda: coach.weekly_summary(context, done),
        )  # fmt: skip
        async with tenant_session(services.sessions, caller) as session:
            await settle_and_record(session, call)
        return WeeklySummary(summary=answer.value, source=answer.source, reason=answer.reason)


@strawberry.type
class CoachMutations:
    @strawberry.mutation(description="Remove the viewer's whole coach conversation in a company.")
    async def clear_coach_conversation(self, info: Info, input: CoachConversationInput) -> CoachClearedResult:
        async def work(session: AsyncSession) -> CoachCleared:
            return CoachCleared(removed=await coach.clear(session, uuid_of(input.company_id, "Company"), person(info)))

        return await as_person(info, work)
