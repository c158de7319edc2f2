"""Companies (tenants) and memberships. The policies decide who may change what; this module only says
which typed failure a refusal is: NotFound when the caller cannot see the row, Forbidden when they can."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, Membership, MembershipRole
from db.tenant import caller_of
from domain import audit
from domain.audit import AuditAction
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden, NotFound
from domain.events.service import EventType, record, snapshot
from domain.lookups import get_one, require_company
from domain.validation import Checks


def _check_name(name: str | None) -> None:
    checks = Checks()
    checks.text("name", name, max_length=120)
    checks.raise_if_any()


async def create_company(session: AsyncSession, *, created_by: uuid.UUID, name: str) -> Company:
    _check_name(name)
    company = Company(name=name.strip(), created_by=created_by)
    async with refusals():
        session.add(company)
        await session.flush()
    return company


async def rename_company(session: AsyncSession, company_id: uuid.UUID, name: str) -> Company:
    _check_name(name)
    updated = (
        await session.execute(
            sa.update(Company).where(col(Company.id) == company_id).values(name=name.strip()).returning(col(Company.id))
        )
    ).first()
    company = await require_company(session, company_id)
    if updated is None:
        raise Forbidden("Only owners and admins may rename a company.")
    await session.refresh(company)
    data = {"company": snapshot(company, ("id", "name", "is_personal")), "changed": ["name"]}
    await record(session, EventType.COMPANY_UPDATED, company_id=company.id, subject_id=company.id, data=data)
    return company


async def delete_company(session: AsyncSession, company_id: uuid.UUID) -> None:
    company = await require_company(session, company_id)
    if company.is_personal:
        raise Conflict("A personal company cannot be deleted.")
    deleted = await session.execute(sa.delete(Company).where(Company.id == company_id))  # type: ignore[arg-type]
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise Forbidden("Only owners may delete a company.")


async def invite_member(
    session: AsyncSession, *, company_id: uuid.UUID, email: str, role: MembershipRole
) -> Membership:
    await require_company(session, company_id)
    # A member sees the company but may not invite: that is Forbidden, not the NotFound of an unknown email.
    may_invite = (
        await session.execute(
            sa.text("SELECT CAST(:company_id AS uuid) = ANY (rhythm.company_ids('company', 'admin'))"),
            {"company_id": company_id},
        )
    ).scalar()
    if not may_invite:
        raise Forbidden("Only owners and admins invite members.")
    checks = Checks()
    checks.email("email", email.strip())
    checks.raise_if_any()
    user_id = (
        await session.execute(
            sa.text("SELECT rhythm.user_id_for_invite(:company_id, :email)"),
            {"company_id": company_id, "email": email.strip()},
        )
    ).scalar()
    if user_id is None:
        # Admins learn whether an address has an account; nobody else gets this far.
        raise NotFound("No person with this email, or you may not invite to this company.")
    if await session.get(Membership, (company_id, user_id)) is not None:
        raise Conflict("This person is already a member.")
    membership = Membership(company_id=company_id, user_id=user_id, role=role.value)
    async with refusals(refused=Forbidden("Only owners invite owners, and only admins invite members.")):
        session.add(membership)
        await session.flush()
    await _record(session, EventType.MEMBERSHIP_ADDED, membership)
    await audit.record(
        session,
        AuditAction.MEMBERSHIP_ADDED,
        company_id=company_id,
        target=("User", user_id),
        details={"role": role.value},
    )
    return membership


async def _membership(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    # A person sees their own memberships everywhere, but a request narrowed to another company
    # (X-Company-Id) does not see this company: that is NotFound, before any write is tried.
    await require_company(session, company_id)
    return await get_one(session, Membership, (company_id, user_id), what="User")


def _key(company_id: uuid.UUID, user_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [Membership.company_id == company_id, Membership.user_id == user_id]  # type: ignore[list-item]


async def change_role(
    session: AsyncSession, *, company_id: uuid.UUID, user_id: uuid.UUID, role: MembershipRole
) -> Membership:
    membership = await _membership(session, company_id, user_id)
    previous = membership.role
    async with refusals(refused=Forbidden("Only owners may grant or change the owner role.")):
        changed = await session.execute(sa.update(Membership).where(*_key(company_id, user_id)).values(role=role.value))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        raise Forbidden("Only owners and admins change roles, and only owners change an owner's.")
    await session.refresh(membership)
    await _record(session, EventType.MEMBERSHIP_CHANGED, membership)
    await audit.record(
        session,
        AuditAction.MEMBERSHIP_ROLE_CHANGED,
        company_id=company_id,
        target=("User", user_id),
        details={"from": previous, "to": membership.role},
    )
    return membership


async def remove_member(session: AsyncSession, *, company_id: uuid.UUID, user_id: uuid.UUID) -> None:
    membership = await _membership(session, company_id, user_id)
    # Recorded first: a member who leaves may no longer write the company's events afterwards. A refused
    # removal rolls the event back with it.
    await _record(session, EventType.MEMBERSHIP_REMOVED, membership)
    left = caller_of(session).user_id == user_id
    await audit.record(
        session,
        AuditAction.MEMBERSHIP_LEFT if left else AuditAction.MEMBERSHIP_REMOVED,
        company_id=company_id,
        target=("User", user_id),
        details={"role": membership.role},
    )
    async with refusals():
        removed = await session.execute(sa.delete(Membership).where(*_key(company_id, user_id)))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise Forbidden("Only owners and admins remove members, and only owners remove an owner.")


async def _record(session: AsyncSession, event_type: EventType, membership: Membership) -> None:
    data = {"membership": snapshot(membership, ("company_id", "user_id", "role"))}
    await record(session, event_type, company_id=membership.company_id, subject_id=membership.user_id, data=data)


async def require_second_factor(session: AsyncSession, company_id: uuid.UUID, *, required: bool) -> Company:
    """Owners decide whether members reach the company only from sessions that passed a second factor."""
    company = await require_company(session, company_id)
    if company.is_personal:
        raise Conflict("A personal company cannot require a second factor: its person must always reach it to enrol.")
    is_owner = (
        await session.execute(
            sa.text("SELECT CAST(:company_id AS uuid) = ANY (rhythm.company_ids('company', 'owner'))"),
            {"company_id": company_id},
        )
    ).scalar()
    if not is_owner:
        raise Forbidden("Only owners decide whether the company requires a second factor.")
    if required and not caller_of(session).second_factor:
        # Otherwise the owner would lock themselves out with the statement that sets it.
        raise Forbidden("Enable a second factor and sign in with it before requiring one of everyone.")
    await session.execute(
        sa.update(Company).where(col(Company.id) == company_id).values(require_second_factor=required)
    )
    await audit.record(
        session, AuditAction.COMPANY_SECOND_FACTOR_REQUIREMENT_CHANGED, company_id=company_id,
        target=("Company", company_id), details={"required": required},
    )  # fmt: skip
    await session.refresh(company)
    return company
