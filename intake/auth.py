"""Staff sign-in: argon2 password hashes, lock-out after repeated failures, a TOTP second factor.

The console (and later the `tipline staff` commands) call these; they hold no web code. Every
sign-in, failure, lock-out and enrolment is audited. The TOTP secret is sealed at rest. A new
password or second factor ends the person's console sessions (intake/staff_sessions.py).
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake import audit, staff_sessions
from intake.clock import aware
from intake.core import Core
from intake.models import StaffUser

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 10
TOTP_PURPOSE = "totp"

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AuthError(ValueError):
    """A refused change (a too short password, an unknown user), as a message id."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class SignIn:
    """Where a sign-in attempt stands: done ("ok"), a second factor to give ("totp") or to
    enrol first ("enrol"), or refused ("refused", "locked", or "used": a code already used)."""

    status: Literal["ok", "totp", "enrol", "refused", "locked", "used"]
    user_id: int | None = None


def totp_required(core: Core, staff: StaffUser) -> bool:
    return staff.role in core.settings.console_totp_required_roles


async def set_password(core: Core, username: str, password: str, *, actor: str = "system") -> None:
    """Set (or reset) a member of staff's password; clears any lock-out and ends their sessions."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(N_("A password has at least %(n)s characters."), n=MIN_PASSWORD_CHARS)
    hashed = _hasher.hash(password)
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise AuthError(N_("Unknown user %(user)s."), user=username)
        user.password_hash = hashed
        user.failed_logins = 0
        user.locked_until = None
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, actor, "staff.password_set", None, user=username)


async def get_staff_by_id(core: Core, user_id: int) -> StaffUser | None:
    async with core.db.session() as session:
        return await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))


def _locked(core: Core, user: StaffUser) -> bool:
    return user.locked_until is not None and core.clock.now() < aware(user.locked_until)


def _count_failure(core: Core, session, user: StaffUser, step: str) -> SignIn:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= MAX_FAILURES:
        user.failed_logins = 0
        user.locked_until = core.clock.now() + timedelta(minutes=LOCK_MINUTES)
        audit.record(session, core, user.username, "staff.locked", None, step=step)
        return SignIn("locked")
    audit.record(session, core, user.username, "staff.sign_in_failed", None, step=step)
    return SignIn("refused")


async def check_password(core: Core, username: str, password: str) -> SignIn:
    """The first step of signing in. Counts failures; the fifth locks the account for 15 minutes."""
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))
        if user is None or not user.password_hash:
            _verify(_DUMMY_HASH, password)
            audit.record(session, core, username[:60] or "-", "staff.sign_in_failed", None, step="password", known=False)
            return SignIn("refused")
        if _locked(core, user):
            audit.record(session, core, user.username, "staff.sign_in_refused", None, step="locked")
            return SignIn("locked")
        if not _verify(user.password_hash, password):
            return _count_failure(core, session, user, "password")
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        # The failure count is reset only when the whole sign-in succeeds: otherwise someone who
        # knows the password could guess second-factor codes for ever.
        if user.totp_sealed:
            return SignIn("totp", user.id)
        if totp_required(core, user):
            return SignIn("enrol", user.id)
        user.failed_logins = 0
        audit.record(session, core, user.username, "staff.sign_in", None, factors=1)
        return SignIn("ok", user.id)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, issuer: str = "tipline") -> str:
    """The otpauth:// address an authenticator app reads (typed in by hand or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _code_step(core: Core, secret: str, code: str) -> int | None:
    """The 30-second step whose code this is, one step either way of now (the app's clock may
    be a little off); None when it is none of them."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(core.clock.now())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _use_step(session: AsyncSession, user_id: int, step: int) -> bool:
    """Remember `step` as the last one used when it is later than every step used before; False
    when it is not (a code seen before, or an earlier one). One conditional statement, so two
    requests with the same code cannot both pass."""
    used = await session.execute(
        update(StaffUser).where(StaffUser.id == user_id, or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


async def check_totp(core: Core, user_id: int, code: str) -> SignIn:
    """The second step: the code from the authenticator app, each code once only (and none older
    than the last one used). Failures count towards lock-out."""
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))
        if user is None or not user.totp_sealed:
            return SignIn("refused")
        if _locked(core, user):
            audit.record(session, core, user.username, "staff.sign_in_refused", None, step="locked")
            return SignIn("locked")
        secret = core.keys.open_text(user.totp_sealed, purpose=TOTP_PURPOSE)
        step = _code_step(core, secret, code)
        if step is None:
            return _count_failure(core, session, user, "totp")
        if not await _use_step(session, user.id, step):
            counted = _count_failure(core, session, user, "totp_used")
            return SignIn("used") if counted.status == "refused" else counted
        user.failed_logins = 0
        audit.record(session, core, user.username, "staff.sign_in", None, factors=2)
        return SignIn("ok", user.id)


async def enrol_totp(core: Core, user_id: int, secret: str, code: str, *, signing_in: bool = False) -> bool:
    """Store a new second factor once the person proved their app shows the right code, ending
    their sessions made before (the caller starts a new one); `signing_in` when this completes a
    sign-in (a role that must have one enrols on first sign-in)."""
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))
        if user is None or _locked(core, user):
            return False
        step = _code_step(core, secret, code)
        if step is None:
            _count_failure(core, session, user, "totp_enrol")
            return False
        user.totp_sealed = core.keys.seal(secret, purpose=TOTP_PURPOSE)
        user.totp_last_step = step  # the code just typed does not sign in afterwards
        user.failed_logins = 0
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, user.username, "staff.totp_enrolled", None)
        if signing_in:
            audit.record(session, core, user.username, "staff.sign_in", None, factors=2)
        return True
