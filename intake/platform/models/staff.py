"""Staff accounts, their sign-in back-off and sessions, and the audit log of what staff did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class StaffUser(Base):
    """A member of staff: a role, scoped to a unit (and through it, a region)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Sign-in (the console): an argon2 hash, an optional TOTP secret (sealed). Failed attempts
    # are counted per user name as typed, known or not (SignInBackoff), not here.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last 30-second step whose code was accepted: that code and earlier ones never work again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Their own work address (like the display name, not sealed): told there when someone is
    # guessing at their sign-in; without one, their unit's alert addresses are.
    email: Mapped[str | None] = mapped_column(String(254))


class SignInBackoff(Base):
    """Failed sign-ins of one user name, client address or browser (a keyed hash of it), and the
    wait they impose before the next attempt is checked (intake/staff/sign_in_backoff.py)."""

    __tablename__ = "sign_in_backoff"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)  # "name:…", "address:…", "browser:…"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[datetime | None]
    last_at: Mapped[datetime] = mapped_column(index=True)  # the last attempt: forgotten a day after it
    alerted_at: Mapped[datetime | None]  # when the person was last told of it


class StaffSession(Base):
    """A signed-in console session (intake/staff/staff_sessions.py): the cookie carries its id, every
    request reads it; deleting the row ends the session."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's session id
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Who did what to which tip, and who looked at personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40), index=True)
    tip_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict | None]
