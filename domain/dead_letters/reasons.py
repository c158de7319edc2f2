"""Why a job was given up, as text fit to show an owner: the error's kind and message, with secrets cut out.

Tracebacks stay in the worker's log; errors quote URLs, headers and keys often enough that the message is
scrubbed before it is stored.
"""

from __future__ import annotations

import re

REASON_LIMIT = 1000

_SECRETS = [
    # user:password@ in any URL (database, Redis, SMTP).
    (re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@", re.IGNORECASE), r"\g<scheme>***@"),
    # Rhythm's own secrets: webhook signing secrets and API keys.
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), "whsec_***"),
    (re.compile(r"rk_[A-Za-z0-9_\-.]+"), "rk_***"),
    # Bearer tokens and JWTs.
    (re.compile(r"(?i)bearer\s+[A-Za-z0-9_\-.=]+"), "Bearer ***"),
    (re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"), "***"),
    # password=..., secret: ..., token=... in messages and DSNs.
    (re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key)\b(\s*[=:]\s*)\S+"), r"\1\2***"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def reason_of(error: BaseException) -> str:
    """`Kind: message`, scrubbed and cut to what the record holds."""
    message = str(error).strip()
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return limited(scrub(text))


def limited(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"
