"""Messages out: the outbox of notices to deliver, and the units' daily digests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class Notification(Base):
    """One notice to deliver to a reporter on one channel, written in the same transaction
    as the event that causes it (the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a notice about no single tip (a unit's daily digest, intake/notify/unit_alerts.py).
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("status_events.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(80), index=True)  # in order within a stream
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), default="status")
    # The lane it is claimed in, lowest first: a person's own case notices and staff's alerts (0)
    # before a broadcast to subscribers (1), so thousands of warnings never delay a case notice.
    lane: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    payload: Mapped[dict | None]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class UnitDigest(Base):
    """A unit's daily digest (intake/notify/unit_alerts.py), one per unit and local day: the key makes
    a second run on the same day send nothing twice; `covered_until` is where the next starts."""

    __tablename__ = "unit_digests"

    unit_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, local
    covered_from: Mapped[datetime]
    covered_until: Mapped[datetime]
    created_at: Mapped[datetime]
