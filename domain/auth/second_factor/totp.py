"""TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) through pyotp, with the step a code matched.

Pure functions of the secret, the code and "now": the service passes the clock's time, so tests reach the edges
of the window by setting the clock.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime

import pyotp
import segno

ISSUER = "Rhythm"
STEP_SECONDS = 30
# One step either side of now: a phone's clock a little off, or a code typed as it turned over.
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends for HMAC-SHA1."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    """The `otpauth://totp/...` URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The URI as a QR code, an SVG document drawn in black on a transparent ground."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, scale=4, border=4)
    return out.getvalue().decode()


def current_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(step)


def is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now: datetime, *, after_step: int | None) -> int | None:
    """The step within the drift window whose code `code` is, later than `after_step` (the last one accepted:
    a code is good once); None when no step matches."""
    if not is_totp_code(code):
        return None
    now_step = current_step(now)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # Every candidate is compared, in constant time, so the timing does not tell which step matched.
        if hmac.compare_digest(code_at(secret, step), code) and (after_step is None or step > after_step):
            return step
    return None


def replays(secret: str, code: str, now: datetime, *, after_step: int | None) -> bool:
    """Whether `code` is a code of the window that was already used (at or before `after_step`)."""
    if after_step is None or not is_totp_code(code):
        return False
    now_step = current_step(now)
    return any(
        step <= after_step and hmac.compare_digest(code_at(secret, step), code)
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1)
    )
