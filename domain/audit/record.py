"""The one way an audit entry is written: in the caller's transaction, naming the caller as the actor.

The actor comes from the transaction's caller (db.tenant) and the origin from the session (domain.audit.origin), so
a call names only what happened. The insert is a plain INSERT without RETURNING: most people who may record an
entry (any member leaving, say) may not read the log back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry
from db.tenant import caller_of
from domain.audit.actions import AuditAction
from domain.audit.origin import origin_of

# A target: the GraphQL type of what changed and its id, e.g. ("ApiKey", key.id).
Target = tuple[str, uuid.UUID]

# Details describe a change; they never carry a credential. A key that looks like one is a bug at the call site.
_SECRET_WORDS = ("secret", "password", "token", "hash", "credential")


def _checked(details: Mapping[str, Any]) -> dict[str, Any]:
    suspicious = [name for name in details if any(word in name.lower() for word in _SECRET_WORDS)]
    if suspicious:
        raise ValueError(f"Audit details must not carry secrets: {sorted(suspicious)}")
    return dict(details)


async def record(
    session: AsyncSession,
    action: AuditAction,
    *,
    company_id: uuid.UUID,
    target: Target | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    caller = caller_of(session)
    origin = origin_of(session)
    await session.execute(
        sa.insert(AuditEntry).values(
            id=uuid.uuid4(),
            company_id=company_id,
            actor_user_id=caller.user_id,
            actor_api_key_id=caller.api_key_id,
            action=action.value,
            target_type=None if target is None else target[0],
            target_id=None if target is None else target[1],
            details=_checked(details or {}),
            ip_address=origin.ip_address,
            user_agent=origin.user_agent,
            request_id=origin.request_id,
        )
    )


async def record_for_member(
    session: AsyncSession, action: AuditAction, *, details: Mapping[str, Any] | None = None
) -> None:
    """A change a person makes to themselves (their second factor, an export of their data), entered in the log of
    every company they reach now, so each company's owners see it of their member."""
    caller = caller_of(session)
    if caller.user_id is None:
        return
    # Reachable: the companies the log's own policy lets the caller write to (a company requiring a second factor
    # is not, from a session that has not passed one).
    reachable = sa.text("SELECT unnest(rhythm.company_ids('company', 'read'))")
    companies = await session.execute(reachable)
    for company_id in companies.scalars():
        await record(session, action, company_id=company_id, target=("User", caller.user_id), details=details)
