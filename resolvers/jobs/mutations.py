from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.dead_letters import service as dead_letters
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.jobs.types import DeadLetter
from resolvers.mutation import person, run, signed_in


@strawberry.input(description="Send a dead job again (owners of its company, platform administrators).")
class ReplayDeadLetterInput:
    id: relay.GlobalID = strawberry.field(description="The dead letter (`DeadLetter.id`).")


@strawberry.input(description="Drop a dead job for good (owners of its company, platform administrators).")
class DiscardDeadLetterInput:
    id: relay.GlobalID = strawberry.field(description="The dead letter (`DeadLetter.id`).")


DeadLetterResult = Annotated[
    DeadLetter | ErrorType, strawberry.union("DeadLetterResult", description="DeadLetter, or a typed error.")
]


async def _ask(info: Info, id: relay.GlobalID, action: dead_letters.Action) -> DeadLetterResult:
    async def work(session: AsyncSession) -> DeadLetter:
        by = person(info)
        row = await dead_letters.ask(session, uuid_of(id, "DeadLetter"), action, by=by, now=datetime.now(UTC))
        return DeadLetter.from_model(row)

    signed_in(info)
    return await run(info, work)


@strawberry.type
class JobMutations:
    @strawberry.mutation(
        description="Replay a dead job: a worker sends the original message again soon after, with its retries and "
        "attempt count reset, and takes it out of the broker's dead-letter queue. It answers REPLAYING until then."
    )
    async def replay_dead_letter(self, info: Info, input: ReplayDeadLetterInput) -> DeadLetterResult:
        return await _ask(info, input.id, "replay")

    @strawberry.mutation(
        description="Discard a dead job: a worker takes it out of the broker's dead-letter queue soon after; it is "
        "never run again. It answers DISCARDING until then."
    )
    async def discard_dead_letter(self, info: Info, input: DiscardDeadLetterInput) -> DeadLetterResult:
        return await _ask(info, input.id, "discard")
