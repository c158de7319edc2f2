"""Confirming that the person at the keyboard is the account's owner before something irreversible (erasure).

Each way of confirming is a `Confirmer`: it says whether it applies to the proof given and checks it. The password
is the one Rhythm has; a second factor joins the list the same way, so `deleteAccount` takes whichever the person
gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.passwords import Passwords
from domain.errors import AuthenticationFailed, invalid


@dataclass(frozen=True, slots=True)
class Proof:
    """What the person gave to confirm; each confirmer reads its own part."""

    password: str | None = None


class Confirmer(Protocol):
    def applies(self, proof: Proof) -> bool: ...

    async def confirm(self, session: AsyncSession, proof: Proof) -> bool:
        """True when the proof is right for the session's caller."""
        ...


@dataclass(frozen=True, slots=True)
class PasswordConfirmer:
    passwords: Passwords

    def applies(self, proof: Proof) -> bool:
        return proof.password is not None

    async def confirm(self, session: AsyncSession, proof: Proof) -> bool:
        stored = (await session.execute(sa.text("SELECT rhythm.password_hash_of_caller()"))).scalar_one_or_none()
        return self.passwords.verify(stored, proof.password or "")


async def confirm_identity(session: AsyncSession, proof: Proof, confirmers: Sequence[Confirmer]) -> None:
    """Raises unless one confirmer that applies accepts the proof."""
    given = [confirmer for confirmer in confirmers if confirmer.applies(proof)]
    if not given:
        raise invalid("password", "Confirm with your password.")
    for confirmer in given:
        if await confirmer.confirm(session, proof):
            return
    raise AuthenticationFailed("That did not confirm it is you; nothing was changed.")
