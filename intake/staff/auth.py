"""Staff sign-in: argon2 password hashes, a TOTP second factor, and a wait that slows guessing.

The console and the `tipline rewards` commands call these; they hold no web code. Every sign-in,
failure and enrolment is audited. The TOTP secret is sealed at rest. A new password or second
factor ends the person's console sessions (intake/staff/staff_sessions.py).

Guessing (intake/staff/sign_in_backoff.py): failures are counted per user name as typed, per client
address, and per browser where the person signed in before; past a few, the next attempt waits.
An unknown name, a wrong password and a name in a wait get the same answer ("refused") after the
same work: one real argon2 verification (against a dummy hash when there is no such user), the
same reads and writes. The owner of a name that is being guessed at is told (staff_alerts.py).
"""
from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.platform import audit
from intake.domain import purposes
from intake.staff import sign_in_backoff, staff_sessions
from intake.notify import staff_alerts
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.staff.sign_in_backoff import BROWSER, NAME, ADDRESS, Reservation

MIN_PASSWORD_CHARS = 10

#: argon2's parameters by the deployment's `password_hashing`: "standard" is argon2-cffi's own
#: (RFC 9106's low-memory profile, about a third of a second here); "fast" only for test runs,
#: which production refuses (intake.platform.settings).
HASH_COSTS: dict[str, dict[str, int]] = {"standard": {}, "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}}


@functools.cache
def _hasher_for(cost: str) -> PasswordHasher:
    return PasswordHasher(**HASH_COSTS[cost])


def hasher(core: Core) -> PasswordHasher:
    """The password hasher at the cost the settings ask for."""
    return _hasher_for(core.settings.password_hash_cost)


@functools.cache
def _dummy_hash(cost: str) -> str:
    # Verified against when the user name is unknown (or has no password), with the hasher's own
    # parameters: a wrong name costs exactly the work of a wrong password. Made on first use.
    return _hasher_for(cost).hash("not a password of anyone")


class AuthError(ValueError):
    """A refused change (a too short password, an unknown user), as a message id."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class SignIn:
    """Where a sign-in attempt stands: done ("ok"), a second factor to give ("totp") or to
    enrol first ("enrol"), or refused: "refused" (whatever the reason, at the password step),
    "wait" (at the code step: too many failures just now), "used" (a code used before)."""

    status: Literal["ok", "totp", "enrol", "refused", "wait", "used"]
    user_id: int | None = None


@dataclass(frozen=True)
class Attempt:
    """Where an attempt comes from: the client's address, and the browser's mark (user id,
    browser id) when that browser completed a sign-in before (a signed cookie of the console)."""

    address: str | None = None
    browser: tuple[int, str] | None = None


def _counted_keys(core: Core, username: str, user: StaffUser | None, attempt: Attempt) -> tuple[str, ...]:
    """The back-off rows this attempt counts under, the one whose owner is told first: the
    person's own browser alone, else the name as typed and the address."""
    if user is not None and attempt.browser is not None and attempt.browser[0] == user.id:
        return (sign_in_backoff.key(core, BROWSER, attempt.browser[1]),)
    keys = [sign_in_backoff.key(core, NAME, username)]
    if attempt.address:
        keys.append(sign_in_backoff.key(core, ADDRESS, attempt.address))
    return tuple(keys)


async def _failed(session: AsyncSession, core: Core, username: str, user: StaffUser | None, reservation: Reservation,
                  step: str) -> None:
    """Audit a failed attempt (already counted) and tell the person once their name is slowed."""
    actor = user.username if user is not None else (username[:60] or "-")
    audit.record(session, core, actor, "staff.sign_in_failed", None, step=step, **({} if user else {"known": False}))
    primary = reservation.keys[0]
    wait = reservation.wait_set(primary)
    if wait is not None:
        audit.record(session, core, actor, "staff.sign_in_slowed", None, until=wait.isoformat(),
                     failures=reservation.failures(primary))
    if user is not None and await sign_in_backoff.time_to_tell(session, core, reservation, primary):
        staff_alerts.queue_guessing_alert(core, session, user, reservation.failures(primary),
                                          longest_wait=int(sign_in_backoff.LONGEST_WAIT.total_seconds() // 60))


def totp_required(core: Core, staff: StaffUser) -> bool:
    return staff.role in core.settings.console_totp_required_roles


async def set_password(core: Core, username: str, password: str, *, actor: str = "system") -> None:
    """Set (or reset) a member of staff's password; lifts any wait on their name and ends their sessions."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(N_("A password has at least %(n)s characters."), n=MIN_PASSWORD_CHARS)
    hashed = hasher(core).hash(password)
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise AuthError(N_("Unknown user %(user)s."), user=username)
        user.password_hash = hashed
        await sign_in_backoff.forget(session, [sign_in_backoff.key(core, NAME, username)])
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, actor, "staff.password_set", None, user=username)


async def get_staff_by_id(core: Core, user_id: int) -> StaffUser | None:
    async with core.db.session() as session:
        return await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))


async def check_password(core: Core, username: str, password: str, attempt: Attempt = Attempt()) -> SignIn:
    """The first step of signing in. An unknown name, a wrong password and a name or address in
    a wait all answer "refused", after the same reads, writes and one argon2 verification."""
    async with core.db.session() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))
    reservation = await sign_in_backoff.reserve(core, _counted_keys(core, username, user, attempt))
    usable = user is not None and bool(user.password_hash)
    passwords = hasher(core)
    known = user.password_hash if usable else _dummy_hash(core.settings.password_hash_cost)
    right = _verify(passwords, known, password) and usable  # type: ignore[union-attr, arg-type]
    async with core.db.transaction() as session:
        if reservation.waiting:  # not checked: the answer to a wrong password
            actor = user.username if user is not None else (username[:60] or "-")
            audit.record(session, core, actor, "staff.sign_in_refused", None, step="waiting")
            return SignIn("refused")
        if not right or user is None:
            await _failed(session, core, username, user, reservation, "password")
            return SignIn("refused")
        # The password was right: this attempt's count is taken back. The name's earlier failures
        # are cleared only by a whole sign-in, so someone who knows the password but not the
        # code still has each wrong code counted.
        whole = not user.totp_sealed and not totp_required(core, user)
        await sign_in_backoff.succeeded(session, reservation, clear=reservation.keys[:1] if whole else ())
        if passwords.check_needs_rehash(user.password_hash):  # e.g. made at an older cost: brought up to today's
            await session.execute(update(StaffUser).where(StaffUser.id == user.id).values(password_hash=passwords.hash(password)))
        if user.totp_sealed:
            return SignIn("totp", user.id)
        if not whole:
            return SignIn("enrol", user.id)
        audit.record(session, core, user.username, "staff.sign_in", None, factors=1)
        return SignIn("ok", user.id)


def _verify(passwords: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return passwords.verify(hashed, password)
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


async def check_totp(core: Core, user_id: int, code: str, attempt: Attempt = Attempt()) -> SignIn:
    """The second step: the code from the authenticator app, each code once only (and none older
    than the last one used). Failures count with the password's, under the same name."""
    async with core.db.session() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))
    if user is None or not user.totp_sealed:
        return SignIn("refused")
    reservation = await sign_in_backoff.reserve(core, _counted_keys(core, user.username, user, attempt))
    async with core.db.transaction() as session:
        if reservation.waiting:
            audit.record(session, core, user.username, "staff.sign_in_refused", None, step="waiting")
            return SignIn("wait")
        secret = core.keys.open_text(user.totp_sealed, purpose=purposes.TOTP)
        step = _code_step(core, secret, code)
        if step is None:
            await _failed(session, core, user.username, user, reservation, "totp")
            return SignIn("refused")
        if not await _use_step(session, user.id, step):
            await _failed(session, core, user.username, user, reservation, "totp_used")
            return SignIn("used")
        await sign_in_backoff.succeeded(session, reservation, clear=reservation.keys[:1])
        audit.record(session, core, user.username, "staff.sign_in", None, factors=2)
        return SignIn("ok", user.id)


async def enrol_totp(core: Core, user_id: int, secret: str, code: str, *, signing_in: bool = False) -> bool:
    """Store a new second factor once the person proved their app shows the right code, ending
    their sessions made before (the caller starts a new one); `signing_in` when this completes a
    sign-in (a role that must have one enrols on first sign-in)."""
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.active.is_(True)))
        if user is None:
            return False
        step = _code_step(core, secret, code)
        if step is None:  # nothing to guess here: the secret is the one just shown to this person
            audit.record(session, core, user.username, "staff.totp_enrol_failed", None)
            return False
        user.totp_sealed = core.keys.seal(secret, purpose=purposes.TOTP)
        user.totp_last_step = step  # the code just typed does not sign in afterwards
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, user.username, "staff.totp_enrolled", None)
        if signing_in:  # a whole sign-in: its name's count starts again
            await sign_in_backoff.forget(session, [sign_in_backoff.key(core, NAME, user.username)])
            audit.record(session, core, user.username, "staff.sign_in", None, factors=2)
        return True
