from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import DeadLetterState
from domain.dead_letters import service as dead_letters
from domain.pagination import PageRequest
from domain.queue_figures import QueueFigures
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.ids import global_id, optional_uuid_of

if TYPE_CHECKING:
    from resolvers.companies.types import Company

DeadLetterStateEnum = strawberry.enum(
    DeadLetterState,
    name="DeadLetterState",
    description="Where a dead letter stands: DEAD waits for a decision; REPLAYING and DISCARDING were asked for "
    "and wait for a worker to tell the broker; REPLAYED was sent again; DISCARDED was dropped.",
)


@strawberry.type(
    description="A background job the workers gave up on: its retries ran out, it kept running past its time "
    "limit, or it kept stopping its worker. Visible to the company's owners and to platform administrators."
)
class DeadLetter:
    company_id: strawberry.Private[uuid.UUID]
    id: relay.GlobalID = strawberry.field(description="The dead letter's id, to replay or discard it.")
    queue: str = strawberry.field(description="The queue the job ran on (events, webhooks, notifications...).")
    actor: str = strawberry.field(description="The job, as `area.event` (e.g. `notifications.email`).")
    message_id: str = strawberry.field(description="The message's id; a replay sends it again under this id.")
    reason: str = strawberry.field(description="Why the job was given up: the last error, without secrets.")
    attempts: int = strawberry.field(description="How many times the job started, runs that never ended included.")
    failed_at: datetime = strawberry.field(description="When the job was given up.")
    state: DeadLetterState = strawberry.field(description="Where the dead letter stands.")
    replay_count: int = strawberry.field(description="How many times it was replayed.")
    resolved_at: datetime | None = strawberry.field(description="When a replay or discard was asked for, if one was.")

    @classmethod
    def from_model(cls, row: models.DeadLetter) -> DeadLetter:
        return cls(
            company_id=row.company_id,
            id=global_id("DeadLetter", row.id),
            queue=row.queue,
            actor=row.actor,
            message_id=row.message_id,
            reason=row.reason,
            attempts=row.attempts,
            failed_at=row.failed_at,
            state=DeadLetterState(row.state),
            replay_count=row.replay_count,
            resolved_at=row.resolved_at,
        )

    @strawberry.field(description="How long ago the job was given up, in seconds.")
    def age_seconds(self) -> int:
        return max(int((datetime.now(UTC) - self.failed_at).total_seconds()), 0)

    @strawberry.field(description="The company the job acted for; null if the caller cannot see the company.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")] | None:
        from resolvers.companies.types import Company

        row = await info.context.get_loaders().company.load(self.company_id)
        return None if row is None else Company.from_model(row)


@strawberry.type(description="One broker queue's figures, with the dead letters waiting for a decision.")
class JobQueue:
    name: str = strawberry.field(description="The queue's name.")
    ready: int = strawberry.field(description="Messages waiting for a worker.")
    delayed: int = strawberry.field(description="Messages waiting for their time (retries with backoff).")
    in_flight: int = strawberry.field(description="Messages a worker took and has not finished.")
    dead: int = strawberry.field(description="Messages in the broker's dead-letter queue.")
    waiting_dead_letters: int = strawberry.field(description="Recorded dead letters nobody decided on yet.")
    oldest_waiting_at: datetime | None = strawberry.field(
        description="When the oldest of those was given up; null if there is none."
    )

    @classmethod
    def of(cls, figures: QueueFigures, waiting: dead_letters.Waiting | None) -> JobQueue:
        return cls(
            name=figures.queue,
            ready=figures.ready,
            delayed=figures.delayed,
            in_flight=figures.in_flight,
            dead=figures.dead,
            waiting_dead_letters=0 if waiting is None else waiting.count,
            oldest_waiting_at=None if waiting is None else waiting.oldest,
        )


@strawberry.type(description="The latest pass of one of a worker process's periodic loops.")
class WorkerLoopRun:
    loop: str = strawberry.field(
        description="The loop: outbox_relay, webhook_dispatcher, reminder_scan, calendar_sync_scan,"
        " dead_letter_replayer or broker_maintenance."
    )
    started_at: datetime = strawberry.field(description="When the pass started.")
    finished_at: datetime | None = strawberry.field(description="When it finished; null while it runs.")
    outcome: str = strawberry.field(description="`running`, `ok` or `failed`.")
    error: str | None = strawberry.field(description="The error's kind when it failed (its class, no message).")


@strawberry.type(description="A worker process the broker heard from, and when it last did.")
class WorkerHeartbeat:
    id: str = strawberry.field(description="The broker's id for the worker process.")
    last_heartbeat_at: datetime = strawberry.field(description="When it last told the broker it is alive.")
    alive: bool = strawberry.field(
        description="Whether that was within the heartbeat timeout; past it, its unfinished messages are requeued."
    )
    loops: list[WorkerLoopRun] = strawberry.field(
        description="The latest pass of each of its periodic loops, as it published them every few seconds"
        " (empty until it first did)."
    )


StateArgument = Annotated[
    list[DeadLetterState] | None, strawberry.argument(description="Only dead letters in these states; all if omitted.")
]


@strawberry.type(
    description="Background jobs: the dead letters the caller may decide on (of the companies they own; of every "
    "company for a platform administrator) and, for platform administrators, the broker's queues."
)
class Jobs:
    @strawberry.field(description="Dead letters, newest first.")
    async def dead_letters(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        company_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this company's dead letters.")
        ] = None,
        queue: Annotated[str | None, strawberry.argument(description="Only dead letters of this queue.")] = None,
        state: StateArgument = None,
    ) -> Connection[DeadLetter]:
        request: PageRequest = page_request(first, after, info.context.services.max_page_size)
        where = dead_letters.DeadLetterFilter(
            company_id=optional_uuid_of(company_id, "Company"),
            queue=queue,
            states=[value.value for value in state or []],
        )
        async with info.context.transaction.exclusive_session() as session:
            page = await dead_letters.page(session, where, request)
        return connection_of(page, DeadLetter.from_model)

    @strawberry.field(description="Every queue's figures from the broker; null unless a platform administrator asks.")
    async def queues(self, info: Info) -> list[JobQueue] | None:
        async with info.context.transaction.exclusive_session() as session:
            if not await dead_letters.caller_is_platform_admin(session):
                return None
            waiting = await dead_letters.waiting_per_queue(session)
        reader = info.context.services.queues
        figures = [] if reader is None else await asyncio.to_thread(reader)
        return [JobQueue.of(figure, waiting.get(figure.queue)) for figure in figures]

    @strawberry.field(
        description="The worker processes the broker knows, latest heartbeat first; null unless a platform"
        " administrator asks, empty where the jobs run inside the API process."
    )
    async def workers(self, info: Info) -> list[WorkerHeartbeat] | None:
        async with info.context.transaction.exclusive_session() as session:
            if not await dead_letters.caller_is_platform_admin(session):
                return None
        reader = info.context.services.workers
        beats = [] if reader is None else await asyncio.to_thread(reader)
        return [
            WorkerHeartbeat(
                id=beat.worker_id,
                last_heartbeat_at=beat.last_beat_at,
                alive=beat.alive,
                loops=[
                    WorkerLoopRun(
                        loop=run.loop,
                        started_at=run.started_at,
                        finished_at=run.finished_at,
                        outcome=run.outcome,
                        error=run.error,
                    )
                    for run in beat.loops
                ],
            )
            for beat in beats
        ]
