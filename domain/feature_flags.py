"""Feature flags: a global default per flag and per-company overrides, read through one cached accessor.

Platform administrators set both (the global table only through `rhythm.set_feature_flag`, which checks them; the
overrides through their policies). A company's owners see its flags. Anyone acting in a company asks whether a flag
is on there with `is_enabled`, which keeps answers for `CACHE_SECONDS` in this process and forgets a flag as soon
as this process changes it (again once that change commits). Other processes see a change within the TTL.

The cache is keyed by company and flag, not by caller: a flag's value is no secret, and `is_enabled` is asked by
code already acting in the company (the database answers nothing, and nothing is cached, for anyone else).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import CompanyFeatureFlag, FeatureFlag
from db.tenant import caller_of
from domain.audit import AuditAction, record
from domain.db_errors import FOREIGN_KEY_VIOLATION, sqlstate
from domain.errors import Forbidden, NotFound, invalid
from domain.validation import Checks

CACHE_SECONDS = 30.0
MAX_CACHED = 100_000
NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
ONLY_ADMINS = Forbidden("Only platform administrators set feature flags.")


class FlagCache:
    """Effective values by (company, flag), each kept for `ttl` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._values: dict[tuple[uuid.UUID, str], tuple[bool, float]] = {}

    def get(self, company_id: uuid.UUID, flag: str) -> bool | None:
        kept = self._values.get((company_id, flag))
        if kept is None or kept[1] <= self._clock():
            return None
        return kept[0]

    def put(self, company_id: uuid.UUID, flag: str, value: bool) -> None:
        if len(self._values) >= MAX_CACHED:
            # A bound on memory, not an eviction policy: the next reads fill it again.
            self._values.clear()
        self._values[(company_id, flag)] = (value, self._clock() + self.ttl)

    def forget(self, flag: str, company_id: uuid.UUID | None = None) -> None:
        """One company's answer for `flag`, or every company's when the default changed."""
        for key in [key for key in self._values if key[1] == flag and company_id in (None, key[0])]:
            self._values.pop(key, None)


CACHE = FlagCache(CACHE_SECONDS)


@dataclass(frozen=True, slots=True)
class FlagState:
    """A flag as a company's owners see it: its default, the company's override if any, and the result."""

    name: str
    description: str
    default: bool
    override: bool | None

    @property
    def enabled(self) -> bool:
        return self.default if self.override is None else self.override


async def is_enabled(session: AsyncSession, company_id: uuid.UUID, flag: str) -> bool:
    """Whether `flag` is on in the company: its override, else the default, else off (an unknown flag)."""
    if not NAME.fullmatch(flag):
        # No flag has such a name (and the database would refuse some of them, a NUL for one).
        return False
    cached = CACHE.get(company_id, flag)
    if cached is not None:
        return cached
    value = (
        await session.execute(
            sa.text("SELECT rhythm.feature_enabled(:company_id, :flag)"), {"company_id": company_id, "flag": flag}
        )
    ).scalar()
    if value is None:
        # The caller does not act in this company: nothing is cached for it.
        return False
    CACHE.put(company_id, flag, bool(value))
    return bool(value)


async def company_flags(session: AsyncSession, company_id: uuid.UUID) -> list[FlagState]:
    """Every flag with the company's value, for its owners and platform administrators; empty for anyone else."""
    rows = await session.execute(
        sa.text(
            "SELECT f.name, f.description, f.enabled, o.enabled AS override FROM feature_flags f"
            " LEFT JOIN company_feature_flags o ON o.flag = f.name AND o.company_id = :company_id"
            " WHERE CAST(:company_id AS uuid) = ANY (rhythm.company_ids('company', 'owner'))"
            " OR rhythm.is_platform_admin()"
            " ORDER BY f.name"
        ),
        {"company_id": company_id},
    )
    return [FlagState(row.name, row.description, row.enabled, row.override) for row in rows]


def _forget_now_and_after_commit(session: AsyncSession, flag: str, company_id: uuid.UUID | None) -> None:
    # Now, for this transaction's own reads; and after commit, for an answer another request cached meanwhile
    # from the value this transaction had not yet committed.
    CACHE.forget(flag, company_id)

    def forget(_: Any) -> None:
        CACHE.forget(flag, company_id)

    event.listen(session.sync_session, "after_commit", forget, once=True)


def _check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise invalid("name", "Use lowercase letters, digits and underscores, starting with a letter (at most 63).")


async def set_default(session: AsyncSession, name: str, enabled: bool, description: str | None) -> FeatureFlag:
    """Create a flag or change its global default (platform administrators)."""
    _check_name(name)
    checks = Checks()
    checks.text("description", description, max_length=500, required=False)
    checks.raise_if_any()
    allowed = (
        await session.execute(
            sa.text("SELECT rhythm.set_feature_flag(:name, :enabled, :description)"),
            {"name": name, "enabled": enabled, "description": description},
        )
    ).scalar()
    if not allowed:
        raise ONLY_ADMINS
    _forget_now_and_after_commit(session, name, None)
    row = await session.get(FeatureFlag, name, populate_existing=True)
    assert row is not None
    return row


async def _may_set(session: AsyncSession) -> None:
    if not (await session.execute(sa.text("SELECT rhythm.is_platform_admin()"))).scalar():
        raise ONLY_ADMINS


async def set_override(session: AsyncSession, company_id: uuid.UUID, name: str, enabled: bool | None) -> FlagState:
    """Turn a flag on or off for one company, or (None) let it follow the default again (platform administrators)."""
    await _may_set(session)
    _check_name(name)
    flag = await session.get(FeatureFlag, name)
    if flag is None:
        raise NotFound("No such FeatureFlag.")
    try:
        await _write_override(session, company_id, name, enabled)
        await record(
            session,
            AuditAction.FEATURE_FLAG_CHANGED,
            company_id=company_id,
            target=("Company", company_id),
            details={"flag": name, "enabled": enabled},
        )
    except DBAPIError as error:
        # A platform administrator need not belong to the company, so an unknown one shows as its foreign key.
        if sqlstate(error) == FOREIGN_KEY_VIOLATION:
            raise NotFound("No such Company.") from error
        raise
    _forget_now_and_after_commit(session, name, company_id)
    return FlagState(flag.name, flag.description, flag.enabled, enabled)


async def _write_override(session: AsyncSession, company_id: uuid.UUID, name: str, enabled: bool | None) -> None:
    key = (col(CompanyFeatureFlag.company_id) == company_id, col(CompanyFeatureFlag.flag) == name)
    if enabled is None:
        await session.execute(sa.delete(CompanyFeatureFlag).where(*key))
        return
    by = caller_of(session).user_id
    statement = insert(CompanyFeatureFlag).values(
        company_id=company_id, flag=name, enabled=enabled, updated_by=by, updated_at=sa.func.now()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["company_id", "flag"],
            set_={"enabled": enabled, "updated_by": by, "updated_at": sa.func.now()},
        )
    )
