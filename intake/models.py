"""Database tables of the core, as typed SQLAlchemy 2 models.

Personal data (names, phones, e-mails, chat ids) never sits in these columns in plain
text: it lives sealed in `people` and `drafts`, with keyed hashes for equality look-ups.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, datetime: Timestamp}


class Person(Base):
    """A reporter's or a victim's identity and contact details, sealed."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]


class Draft(Base):
    """A report in progress, saved after every answer so nothing is lost on a restart."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_owner", "channel", "owner_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    owner_hash: Mapped[str] = mapped_column(String(64))
    sealed_state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    # The tracking code and PIN, sealed, so a repeated submit shows the same receipt.
    sealed_receipt: Mapped[bytes | None] = mapped_column(LargeBinary)


class Tip(Base):
    """One structured report."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    answers: Mapped[dict]
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="tip", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )


class StatusEvent(Base):
    """One step of a tip's timeline: a public message for the reporter, a note for staff."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(80))
    # {"template": id, "params": {...}} or {"text": ..., "language": ..., "translations": {...}}
    public_message: Mapped[dict | None]
    internal_note: Mapped[str | None] = mapped_column(Text)

    tip: Mapped[Tip] = relationship(back_populates="events")
