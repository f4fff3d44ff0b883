"""Console sessions on the server: one row per signed-in session. The console's signed cookie
carries the session's id; every request reads that row together with its staff member in one
indexed read, and a session whose row is gone is over.

Every way a session must end deletes rows, in the same transaction as its cause: signing out
(that one session), and a new password, a new second factor, a change of role or unit and a
disabled account (every session of that person). Idle and absolute expiry stay in the signed
cookie (console/sessions.py), so an ordinary request writes nothing.

The rows live in the database even when Redis is configured: the read is joined with the staff
row that every request reads anyway (no extra round trip), and deleting them commits with the
password reset, role change or disabling that causes it, so no store can disagree with the
other, and a Redis outage can neither sign everyone out nor bring a revoked session back.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform.core import Core
from intake.platform.models.staff import StaffSession, StaffUser

#: However busy, a session ends this long after signing in (the cookie says so too).
LIFETIME = timedelta(hours=12)


def _row_id(session_id: str) -> str:
    # Only a digest is stored: a copy of the table (a backup) holds no usable session id.
    return hashlib.sha256(session_id.encode()).hexdigest()


async def start(core: Core, user_id: int) -> str:
    """A new session for this person; returns the id the cookie carries. Sessions of theirs
    older than LIFETIME are cleared on the way (nothing else needs to sweep them)."""
    session_id = secrets.token_urlsafe(32)
    now = core.clock.now()
    async with core.db.transaction() as session:
        await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id, StaffSession.created_at < now - LIFETIME))
        session.add(StaffSession(id=_row_id(session_id), user_id=user_id, created_at=now))
    return session_id


async def signed_in_staff(core: Core, session_id: str, user_id: int) -> StaffUser | None:
    """The active staff member of this live session, or None (signed out, ended, disabled)."""
    if not session_id:
        return None
    async with core.db.session() as session:
        return await session.scalar(
            select(StaffUser).join(StaffSession, StaffSession.user_id == StaffUser.id)
            .where(StaffSession.id == _row_id(session_id), StaffUser.id == user_id, StaffUser.active.is_(True))
        )


async def end(core: Core, session_id: str) -> None:
    """Sign out: this one session ends."""
    if session_id:
        async with core.db.transaction() as session:
            await session.execute(delete(StaffSession).where(StaffSession.id == _row_id(session_id)))


async def end_all(session: AsyncSession, user_id: int) -> None:
    """Every session of this person ends, inside the caller's transaction (with its cause)."""
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


async def purge(core: Core) -> int:
    """Delete the rows of sessions past LIFETIME (the daily retention run)."""
    async with core.db.transaction() as session:
        result = await session.execute(delete(StaffSession).where(StaffSession.created_at < core.clock.now() - LIFETIME))
        return result.rowcount or 0
