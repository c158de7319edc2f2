"""The notification jobs, apart from Dramatiq: each takes its sessions (and its mailer, and the time it runs at),
opens its own transactions through the tenant function, and returns what to announce live and email once they have
committed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxEvent
from db.tenant import ANONYMOUS, tenant_session, worker_for
from domain.notifications import emails, reactions, reminders
from domain.notifications.mailer import Mailer, PermanentFailure
from domain.notifications.service import Notified, notify

log = structlog.get_logger("rhythm.notifications")

Sessions = async_sessionmaker[AsyncSession]
REMINDER_BATCH = 500


async def react(sessions: Sessions, event: OutboxEvent) -> Notified:
    """The notifications a committed event calls for, made in one transaction as its company's worker."""
    async with tenant_session(sessions, worker_for(event.company_id)) as session:
        drafts = await reactions.drafts_for(session, event)
        return await notify(session, event.company_id, drafts, event_id=event.id)


def _by_company(found: Sequence[reminders.Pending]) -> dict[uuid.UUID, list[reminders.Pending]]:
    grouped: dict[uuid.UUID, list[reminders.Pending]] = defaultdict(list)
    for reminder in found:
        grouped[reminder.company_id].append(reminder)
    return grouped


async def remind(sessions: Sessions, *, now: datetime, batch: int = REMINDER_BATCH) -> Notified:
    """Send every due-soon and overdue reminder pending at `now`; what to announce and email."""
    notified = Notified()
    while True:
        async with tenant_session(sessions, ANONYMOUS) as session:
            found = await reminders.pending(session, now=now, limit=batch)
        progressed = False
        for company_id, share in _by_company(found).items():
            try:
                async with tenant_session(sessions, worker_for(company_id)) as session:
                    done = await reminders.remind_in_company(session, company_id, share)
                # Only once it committed: a company whose transaction failed announces nothing.
                notified.add(done)
                progressed = True
            except Exception:
                # One company's trouble must not hold up everyone's reminders; its share stays pending.
                log.exception("reminders_failed", company_id=str(company_id))
        if len(found) < batch or not progressed:
            return notified


async def send_email(
    sessions: Sessions, mailer: Mailer, notification_id: uuid.UUID, company_id: uuid.UUID, *, now: datetime
) -> bool:
    """Email one notification if its recipient still wants it; True when it was sent now.

    No transaction is open while the mail server answers. A crash after sending and before recording it sends
    the email again on retry, with the same Message-ID.
    """
    async with tenant_session(sessions, worker_for(company_id)) as session:
        email = await emails.outgoing(session, notification_id)
    if email is None:
        return False
    try:
        await mailer.send(email)
    except PermanentFailure as failure:
        log.warning("notification_email_refused", notification_id=str(notification_id), reason=str(failure))
        return False
    async with tenant_session(sessions, worker_for(company_id)) as session:
        await emails.mark_emailed(session, notification_id, now)
    log.info("notification_emailed", notification_id=str(notification_id), type=email.notification_type.value)
    return True
