"""A webhook endpoint disabled for failing tells the company's owners and admins, once."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.models import MembershipRole, NotificationType, OutboxEvent
from db.tenant import tenant_session, worker_for
from domain.events.service import EventType
from domain.notifications.reactions import endpoint_disabled_key
from domain.notifications.service import notify_company_admins
from domain.webhooks import endpoints, health
from domain.webhooks.endpoints import EndpointChanges
from tests.notifications.quiet_world import T0, Someone, make_company, make_person, seen
from workers.notifications import jobs

Sessions = async_sessionmaker[AsyncSession]


async def _disabled_endpoint(sessions: Sessions, owner: Someone, company_id: uuid.UUID) -> OutboxEvent:
    async with tenant_session(sessions, owner.caller) as session:
        issued = await endpoints.create_endpoint(
            session,
            company_id=company_id,
            created_by=owner.user_id,
            changes=EndpointChanges(url="http://127.0.0.1:9/hook"),
            allow_private=True,
            now=T0,
        )
    async with tenant_session(sessions, worker_for(company_id)) as session:
        assert await health.disable(session, issued.endpoint.id, reason=health.GONE, now=T0)
        statement = sa.select(OutboxEvent).where(
            col(OutboxEvent.type) == EventType.WEBHOOK_ENDPOINT_DISABLED.value,
            col(OutboxEvent.subject_id) == issued.endpoint.id,
        )
        return (await session.execute(statement)).scalars().one()


async def test_owners_and_admins_are_told_and_members_are_not(quiet_sessions: Sessions) -> None:
    owner = await make_person(quiet_sessions, "Olivia Owner")
    admin = await make_person(quiet_sessions, "Adam Admin")
    member = await make_person(quiet_sessions, "Mia Member")
    company_id = await make_company(
        quiet_sessions,
        owner,
        "Hooked Inc",
        **{admin.user_id.hex: MembershipRole.ADMIN, member.user_id.hex: MembershipRole.MEMBER},
    )
    event = await _disabled_endpoint(quiet_sessions, owner, company_id)

    await jobs.react(quiet_sessions, event)
    await jobs.react(quiet_sessions, event)

    told = [("webhook_endpoint_disabled", "A webhook endpoint of Hooked Inc was disabled")]
    assert [await seen(quiet_sessions, person) for person in (owner, admin, member)] == [told, told, []]


async def test_a_direct_call_with_the_same_key_adds_nothing_to_the_reaction(quiet_sessions: Sessions) -> None:
    owner = await make_person(quiet_sessions, "Otto Owner")
    company_id = await make_company(quiet_sessions, owner, "Direct Inc")
    event = await _disabled_endpoint(quiet_sessions, owner, company_id)
    endpoint = event.payload["webhook_endpoint"]

    await jobs.react(quiet_sessions, event)
    async with tenant_session(quiet_sessions, worker_for(company_id)) as session:
        await notify_company_admins(
            session,
            company_id,
            type=NotificationType.WEBHOOK_ENDPOINT_DISABLED,
            title="Disabled",
            dedupe_key=endpoint_disabled_key(endpoint["id"], endpoint["disabled_at"]),
        )

    assert len(await seen(quiet_sessions, owner)) == 1
