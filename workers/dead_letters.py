"""Dead letters on the workers' side: record each message the broker rejects, and carry out the replays and
discards people asked for.

A message is rejected into the broker's dead-letter queue when its retries run out (the actor kept raising or
kept running past its time limit), when the attempt cap stops a message that keeps killing its worker, or when
an actor's `throws` says not to retry. `DeadLetterRecorder` records it, with the reason, in the `dead_letters`
table of the company the message acts for. The replayer then does what people decided, after their commit:
a replay sends the original message again with its retries and its attempt count reset, a discard drops it, and
both take it out of the broker's dead-letter queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import structlog
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import q_name
from dramatiq.middleware import Middleware
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import ANONYMOUS, tenant_session, worker_for
from domain.dead_letters import service as dead_letters
from domain.dead_letters.reasons import limited, reason_of
from workers import runtime
from workers.attempts import AttemptCap
from workers.loop_runs import loop_pass

log = structlog.get_logger("rhythm.dead_letters")

Sessions = async_sessionmaker[AsyncSession]
#: Options that belong to one run of a message, not to the message: a replay starts without them.
RUN_OPTIONS = frozenset(
    {"retries", "traceback", "requeue_timestamp", "redis_message_id", "eta", "starts", "gave_up", "max_starts"}
)
BATCH = 100


def company_of(broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> uuid.UUID | None:
    """The company a message acts for: its actor's `company_id` argument, if it has one."""
    try:
        actor = broker.get_actor(message.actor_name)
        parameters = list(inspect.signature(actor.fn).parameters)
        value = message.kwargs.get("company_id")
        if value is None and "company_id" in parameters and parameters.index("company_id") < len(message.args):
            value = message.args[parameters.index("company_id")]
        return None if value is None else uuid.UUID(str(value))
    except (dramatiq.ActorNotFound, ValueError, TypeError):
        return None


def kept_options(options: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if name not in RUN_OPTIONS}


def given_up(broker: dramatiq.Broker, message: dramatiq.MessageProxy, company_id: uuid.UUID) -> dead_letters.GivenUp:
    exception = getattr(message, "_exception", None)
    reason = message.options.get("gave_up")
    if reason is None:
        reason = reason_of(exception) if exception is not None else "Rejected without an error."
    retries = int(message.options.get("retries", 0))
    return dead_letters.GivenUp(
        company_id=company_id,
        queue=q_name(message.queue_name),
        actor=message.actor_name,
        message_id=message.message_id,
        broker_message_id=message.options.get("redis_message_id"),
        message={
            "queue_name": q_name(message.queue_name),
            "actor_name": message.actor_name,
            "args": list(message.args),
            "kwargs": dict(message.kwargs),
            "options": kept_options(dict(message.options)),
        },
        reason=limited(str(reason)),
        attempts=int(message.options.get("starts", retries + 1)),
        failed_at=datetime.now(UTC),
    )


class DeadLetterRecorder(Middleware):
    """Records every rejected message in its company's `dead_letters`, on the actors' event loop."""

    def after_nack(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        company_id = company_of(broker, message)
        if company_id is None:
            # A periodic scan acts for no company; it runs again on its next period. The broker keeps the message.
            log.warning("job_dead_lettered", actor=message.actor_name, message_id=message.message_id, recorded=False)
            return
        record = given_up(broker, message, company_id)
        log.warning(
            "job_dead_lettered", actor=record.actor, message_id=record.message_id, reason=record.reason, recorded=True
        )
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            log.error("job_dead_letter_not_recorded", message_id=record.message_id, reason="no event loop")
            return
        try:
            loop_thread.run_coroutine(_record(record))
        except Exception:
            log.exception("job_dead_letter_not_recorded", message_id=record.message_id)


async def _record(record: dead_letters.GivenUp) -> None:
    async with tenant_session(runtime.sessions(), worker_for(record.company_id)) as session:
        await dead_letters.record(session, record)


@dataclass(frozen=True, slots=True)
class Asked:
    """A replay or a discard people asked for, claimed by one replayer."""

    id: uuid.UUID
    state: str
    queue: str
    actor: str
    message_id: str
    broker_message_id: str | None
    message: dict[str, Any]


def remove_dead(broker: dramatiq.Broker, queue: str, message_id: str, broker_message_id: str | None) -> None:
    """Take a message out of the broker's dead-letter queue, if it is still there."""
    if isinstance(broker, RedisBroker):
        if broker_message_id is not None:
            dead_queue = f"{broker.namespace}:{queue}.XQ"
            pipeline = broker.client.pipeline()
            pipeline.zrem(dead_queue, broker_message_id)
            pipeline.hdel(f"{dead_queue}.msgs", broker_message_id)
            pipeline.execute()
    elif isinstance(broker, StubBroker):
        kept = [dead for dead in broker.dead_letters_by_queue[queue] if dead.message_id != message_id]
        # The consumers hold this very list: change it in place.
        broker.dead_letters_by_queue[queue][:] = kept
    elif isinstance(broker, RabbitmqBroker):
        # AMQP cannot take one message out of the middle of a queue: it stays in `<queue>.XQ` until the
        # dead-message TTL (7 days) drops it. The replay or discard itself is done; only the copy stays.
        log.info("dead_letter_copy_kept", queue=queue, message_id=message_id, broker="rabbitmq")


def reset_attempts(broker: dramatiq.Broker, message_id: str) -> None:
    for middleware in broker.middleware:
        if isinstance(middleware, AttemptCap):
            middleware.counter.reset(message_id)


def replay(broker: dramatiq.Broker, asked: Asked) -> None:
    """Send the original message again, as new: same id (jobs dedupe on it), no retries, no attempts counted."""
    original = asked.message
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=asked.queue,
        actor_name=asked.actor,
        args=tuple(original.get("args", ())),
        kwargs=dict(original.get("kwargs", {})),
        options=kept_options(dict(original.get("options", {}))),
        message_id=asked.message_id,
    )
    reset_attempts(broker, asked.message_id)
    broker.enqueue(message)


def carry_out(broker: dramatiq.Broker, asked: Sequence[Asked]) -> list[uuid.UUID]:
    """Tell the broker; the ids done (a broker that fails leaves the rest to the next pass)."""
    done: list[uuid.UUID] = []
    for item in asked:
        try:
            if item.state == "replaying":
                replay(broker, item)
            remove_dead(broker, item.queue, item.message_id, item.broker_message_id)
        except Exception:
            log.exception("dead_letter_action_failed", dead_letter_id=str(item.id), state=item.state)
            continue
        done_as = "replayed" if item.state == "replaying" else "discarded"
        log.info(f"dead_letter_{done_as}", message_id=item.message_id)
        done.append(item.id)
    return done


async def claim(session: AsyncSession, hold: timedelta) -> list[Asked]:
    rows = await session.execute(
        text(
            "SELECT id, state, queue, actor, message_id, broker_message_id, message"
            " FROM rhythm.claim_dead_letter_actions(:limit, :hold)"
        ),
        {"limit": BATCH, "hold": hold},
    )
    return [
        Asked(
            id=row.id,
            state=row.state,
            queue=row.queue,
            actor=row.actor,
            message_id=row.message_id,
            broker_message_id=row.broker_message_id,
            message=row.message,
        )
        for row in rows
    ]


async def finish(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    await session.execute(text("SELECT rhythm.finish_dead_letter_actions(:ids)"), {"ids": list(ids)})


async def carry_out_asked(sessions: Sessions, broker: dramatiq.Broker, *, hold: timedelta) -> int:
    """Every replay and discard asked for, carried out; how many."""
    handled = 0
    while True:
        async with tenant_session(sessions, ANONYMOUS) as session:
            asked = await claim(session, hold)
        if not asked:
            return handled
        done = await asyncio.to_thread(carry_out, broker, asked)
        if done:
            async with tenant_session(sessions, ANONYMOUS) as session:
                await finish(session, done)
        handled += len(done)
        if len(done) < len(asked):
            return handled


async def run_replayer(sessions: Sessions, broker: dramatiq.Broker, stop: asyncio.Event) -> None:
    """`carry_out_asked` every period until `stop` is set, beside the relay of each worker process."""
    period = runtime.settings().jobs_replay_period_seconds
    hold = timedelta(seconds=max(30.0, period * 4))
    while not stop.is_set():
        try:
            with loop_pass("dead_letter_replayer"):
                await carry_out_asked(sessions, broker, hold=hold)
        except Exception:
            log.exception("dead_letter_replayer_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)
