"""`accounts.email`: the email of an `account.*` event (a verification link, a password reset link), sent through
the SMTP path of notifications. The reaction only enqueues it, so SMTP is never waited on inside `events.dispatch`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import dramatiq

from base.settings import Settings
from db.models import OutboxEvent
from domain.auth.account_tokens import TokenPurpose
from domain.auth.email_flows import AccountEvent
from domain.notifications.mailer import SmtpMailer
from workers import runtime
from workers.accounts import jobs
from workers.events import reacts
from workers.notifications.actors import smtp_config

ACCOUNT_EVENTS = frozenset(kind.value for kind in AccountEvent)


def link_policy(settings: Settings) -> jobs.LinkPolicy:
    return jobs.LinkPolicy(
        sender=settings.email_from,
        base_url=settings.account_links_base_url or settings.public_base_url,
        ttls={
            TokenPurpose.VERIFY_EMAIL: timedelta(minutes=settings.email_verification_ttl_minutes),
            TokenPurpose.RESET_PASSWORD: timedelta(minutes=settings.password_reset_ttl_minutes),
        },
    )


@reacts
async def account_emails(event: OutboxEvent) -> None:
    if event.type in ACCOUNT_EVENTS and smtp_config(runtime.settings()) is not None:
        await asyncio.to_thread(email.send, str(event.id), str(event.company_id))


@dramatiq.actor(
    actor_name="accounts.email",
    queue_name="notifications",
    max_retries=8,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=120_000,
)
async def email(event_id: str, company_id: str) -> None:
    settings = runtime.settings()
    config = smtp_config(settings)
    if config is None:
        return
    await jobs.send_link(
        runtime.sessions(), SmtpMailer(config), uuid.UUID(event_id), uuid.UUID(company_id), link_policy(settings)
    )
