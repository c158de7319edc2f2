"""Recovery codes: ten random codes shown once, stored as SHA-256 hashes, each good for one use."""

from __future__ import annotations

import hashlib
import secrets

COUNT = 10
# Lower-case base32 without the letters people misread; 12 characters are 60 random bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 12


def new_codes() -> list[str]:
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


def normalised(code: str) -> str:
    """As typed: case, spaces and hyphens do not matter."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_recovery_code(code: str) -> bool:
    plain = normalised(code)
    return len(plain) == LENGTH and all(character in ALPHABET for character in plain)


def hash_of(code: str) -> str:
    return hashlib.sha256(normalised(code).encode()).hexdigest()
