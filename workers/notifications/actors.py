"""Notification actors: the reaction that turns committed events into notifications, `notifications.email` (one
notification's email through SMTP), `notifications.remind` (the due-soon and overdue scan), and the periodic loop
each worker process (and the API, running jobs in process) runs beside its relay to enqueue that scan.

Each new notification is told to its recipient's live subscriptions once the job's transaction has committed,
straight from the job rather than through the outbox: live messages are best effort anyway (a lost one costs a
refresh), and a notification is no domain event, so webhooks and other reactions never see it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime

import dramatiq
import structlog

from base.clock import utcnow
from base.settings import Settings
from db.models import OutboxEvent
from domain.live.messages import LiveMessage
from domain.notifications.mailer import SmtpConfig, SmtpMailer
from domain.notifications.service import Notified, ToEmail
from workers import runtime
from workers.events import reacts
from workers.live import publisher
from workers.loop_runs import loop_pass
from workers.notifications import jobs

log = structlog.get_logger("rhythm.notifications")
_said_no_smtp = False


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings, or None (and a note in the log, once per process) when no host is set."""
    global _said_no_smtp
    if not settings.smtp_host:
        if not _said_no_smtp:
            _said_no_smtp = True
            log.info("notification_email_off", reason="RHYTHM_SMTP_HOST is not set")
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.email_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_start_tls,
        use_tls=settings.smtp_use_tls,
        timeout=settings.smtp_timeout_seconds,
    )


def enqueue_emails(to_email: Sequence[ToEmail]) -> None:
    if smtp_config(runtime.settings()) is None:
        return
    for item in to_email:
        email.send(str(item.notification_id), str(item.company_id))


async def announce(notified: Notified) -> None:
    """Tell the live subscriptions of what a committed transaction notified, and enqueue its emails."""
    # Announced first: a broker that fails to take the emails retries the job, and the retry makes nothing new.
    for made in notified.made:
        await publisher.publish(LiveMessage.notification_created(made.notification_id, made.company_id, made.user_id))
    if notified.to_email:
        await asyncio.to_thread(enqueue_emails, notified.to_email)


@reacts
async def notify(event: OutboxEvent) -> None:
    await announce(await jobs.react(runtime.sessions(), event))


@dramatiq.actor(
    actor_name="notifications.email",
    queue_name="notifications",
    max_retries=8,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=120_000,
)
async def email(notification_id: str, company_id: str) -> None:
    config = smtp_config(runtime.settings())
    if config is None:
        return
    await jobs.send_email(
        runtime.sessions(), SmtpMailer(config), uuid.UUID(notification_id), uuid.UUID(company_id), now=utcnow()
    )


@dramatiq.actor(actor_name="notifications.remind", queue_name="notifications", max_retries=0, time_limit=600_000)
async def remind(now: str | None = None) -> None:
    at = datetime.fromisoformat(now) if now else utcnow()
    await announce(await jobs.remind(runtime.sessions(), now=at))


async def run_reminders(stop: asyncio.Event) -> None:
    """Enqueue `notifications.remind` now and every period until `stop` is set. Several processes may each do so:
    the job ledger keeps every reminder single."""
    period = runtime.settings().notifications_reminder_period_seconds
    while not stop.is_set():
        try:
            with loop_pass("reminder_scan"):
                await asyncio.to_thread(remind.send)
        except Exception:
            log.exception("reminder_enqueue_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)
