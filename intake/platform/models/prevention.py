"""Prevention: warnings and typical cases (预警、典型案例) that coordinators publish for everyone."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class ScamWarning(Base):
    """One warning or typical case: its texts per language, what it covers, and who wrote,
    proposed, approved and withdrew it (the two-person rule: see intake/prevention/warnings.py)."""

    __tablename__ = "warnings"
    __table_args__ = (Index("ix_warnings_status_until", "status", "visible_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # warning (预警) or case (典型案例)
    status: Mapped[str] = mapped_column(String(12))  # draft, proposed, published, withdrawn
    category: Mapped[str] = mapped_column(String(40))
    regions: Mapped[list] = mapped_column(JSON)  # region codes; a region covers those inside it
    #: {language: {"title": …, "body": …}}; Chinese always, Tibetan and English when translated.
    texts: Mapped[dict] = mapped_column(JSON)
    #: Translations added after the warning was proposed, shown once a second coordinator approves them.
    pending_texts: Mapped[dict | None] = mapped_column(JSON)
    do_not_call: Mapped[list] = mapped_column(JSON)  # phone numbers, "+86…" or as dialled
    do_not_open: Mapped[list] = mapped_column(JSON)  # web addresses, host and path, no scheme
    visible_until: Mapped[date] = mapped_column(Date)  # the last day it is shown
    #: The organisation (of the duplicates feature) the warning is about, if any: its name is shown
    #: on the warning, and the look-up of that organisation finds the warning.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    written_by: Mapped[str] = mapped_column(String(60))
    written_at: Mapped[datetime]
    edited_by: Mapped[str] = mapped_column(String(60))  # the last person who changed its texts
    proposed_by: Mapped[str | None] = mapped_column(String(60))
    proposed_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[str | None] = mapped_column(String(60))
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class WarningViews(Base):
    """How many times a published warning was opened on a local day, for the campaign's figures:
    a count only, nothing about who opened it."""

    __tablename__ = "warning_views"

    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class WarningSubscription(Base):
    """Someone who asked to hear of new warnings in one county, on one channel (a Telegram chat,
    an e-mail address): personal data, so the address is sealed with the token of the person's
    links, and found by keyed hashes (intake/prevention/subscriptions.py). Deleted when the person
    opts out."""

    __tablename__ = "warning_subscriptions"
    __table_args__ = (
        UniqueConstraint("address_hash", "region", name="uq_warning_subscriptions_address_region"),
        Index("ix_warning_subscriptions_region_status", "region", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # telegram, email
    #: drafts.owner_hash of (channel, address): for a chat, the hash its ChannelUser row has.
    address_hash: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(100), unique=True)  # of the token in its links
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # {"address": …, "token": …}
    region: Mapped[str] = mapped_column(String(12))  # a county's code
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))  # pending (e-mail not confirmed yet), active
    created_at: Mapped[datetime]
    confirmation_sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
