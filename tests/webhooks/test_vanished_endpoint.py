"""An endpoint deleted while its event fans out leaves nothing to deliver, never a failed job."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import tenant_session
from domain.webhooks import endpoints
from tests.webhooks.world import T0, delivery, fan_out, make_endpoint, make_task_event, make_tenant

Sessions = async_sessionmaker[AsyncSession]
WAITING_ON_A_ROW_LOCK = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')"


async def _until_someone_waits_on_a_lock(sessions: Sessions) -> None:
    # The fan-out has read the endpoint and now waits for the deleting transaction to decide.
    for _ in range(1200):
        async with sessions() as session:
            if (await session.execute(sa.text(WAITING_ON_A_ROW_LOCK))).scalar_one() > 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the fan-out never waited on the endpoint being deleted")


async def test_an_endpoint_deleted_while_its_event_fans_out_gets_no_delivery_and_no_error(quiet: Sessions) -> None:
    tenant = await make_tenant(quiet, "Vanishing Hooks")
    kept, _ = await make_endpoint(quiet, tenant, "http://127.0.0.1:9/kept")
    doomed, _ = await make_endpoint(quiet, tenant, "http://127.0.0.1:9/doomed")
    event = await make_task_event(quiet, tenant)

    async with tenant_session(quiet, tenant.person) as deleting:
        await endpoints.delete_endpoint(deleting, doomed)
        # The delete is not committed yet: the fan-out still sees the endpoint, and commits after it.
        fanning_out = asyncio.create_task(fan_out(quiet, event, T0))
        await _until_someone_waits_on_a_lock(quiet)

    made = await fanning_out
    assert [(await delivery(quiet, tenant, due.id)).endpoint_id for due in made] == [kept]
