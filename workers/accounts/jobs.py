"""The account email job, apart from Dramatiq: issue the link's token, send it, record that it went."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.models import JobRun
from db.tenant import tenant_session, worker_for
from domain.auth.account_mail import issue_link, message_for_link
from domain.auth.account_tokens import TokenPurpose
from domain.job_ledger import first_run
from domain.notifications.mailer import PermanentFailure, SmtpMailer

log = structlog.get_logger("rhythm.accounts")
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    sender: str
    base_url: str
    ttls: dict[TokenPurpose, timedelta]


def job_key(event_id: uuid.UUID) -> str:
    return f"accounts.email:{event_id}"


async def send_link(
    sessions: Sessions, mailer: SmtpMailer, event_id: uuid.UUID, company_id: uuid.UUID, policy: LinkPolicy
) -> bool:
    """Email the link an `account.*` event asks for; True when one was sent now.

    The token is issued in a transaction of its own and committed before the mail server is asked, so the link
    works when it arrives; no transaction stays open meanwhile. A retry after a failed send issues a new link (the
    earlier one stops working); a sent email is recorded in the job ledger, so a redelivered job sends nothing.
    """
    caller = worker_for(company_id)
    async with tenant_session(sessions, caller) as session:
        done = await session.execute(sa.select(col(JobRun.job_key)).where(col(JobRun.job_key) == job_key(event_id)))
        if done.first() is not None:
            return False
        link = await issue_link(session, event_id, policy.ttls)
    if link is None:
        return False
    message = message_for_link(link, sender=policy.sender, base_url=policy.base_url, ttl=policy.ttls[link.purpose])
    try:
        await mailer.deliver(message)
    except PermanentFailure as failure:
        log.warning("account_email_refused", user_id=str(link.user_id), kind=link.purpose.value, reason=str(failure))
        return False
    async with tenant_session(sessions, caller) as session:
        await first_run(session, job_key(event_id), company_id)
    log.info("account_email_sent", user_id=str(link.user_id), kind=link.purpose.value)
    return True
