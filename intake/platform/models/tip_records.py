"""What gathers on a tip after it is submitted: staff notes, the reporter's later messages and
rating, the outcome, and the match keys and organisations that find duplicates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class TipNote(Base):
    """Staff-only text on a tip: an assisting unit's findings (协办意见) or an internal note."""

    __tablename__ = "tip_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # "finding" or "note"
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class ReporterMessage(Base):
    """What the reporter added after submitting, e.g. the answer to a staff question."""

    __tablename__ = "reporter_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]


class Outcome(Base):
    """What came of a tip; rewards and the campaign statistics read it."""

    __tablename__ = "outcomes"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    penalty_decision_no: Mapped[str | None] = mapped_column(String(100))
    penalty_date: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    criminal_case_filed: Mapped[bool] = mapped_column(default=False)
    convicted: Mapped[bool] = mapped_column(default=False)
    money_recovered_fen: Mapped[int] = mapped_column(Integer, default=0)
    already_known: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(60))


class Rating(Base):
    """The reporter's view of how the tip was handled, once it is closed (回访/评价)."""

    __tablename__ = "ratings"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    satisfied: Mapped[str] = mapped_column(String(10))  # yes, partly, no
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class TipMatchKey(Base):
    """A normalised name, phone, address, website or credit code a tip names (intake/casework/duplicates.py):
    tips sharing a key are possible duplicates. Written with the tip."""

    __tablename__ = "tip_match_keys"
    __table_args__ = (Index("ix_tip_match_keys_kind_key", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # organisation, phone, address, website, credit_code
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(300))  # as the reporter wrote it, to show staff


class Organisation(Base):
    """An organisation tips name, with the risk colour (红橙黄绿) staff gave it."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # TipMatchKey.key of kind "organisation"
    display_name: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(10))  # green, yellow, orange, red
    note: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(60))
    set_at: Mapped[datetime]
    # The public risk list ("check before you pay", intake/casework/risk_list.py): shown only while
    # `public`, red or orange, and the official determination it rests on has not expired.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码: an organisation, never a person
    determination_unit: Mapped[str | None] = mapped_column(String(200))  # who decided (e.g. 某县市场监督管理局)
    determination_ref: Mapped[str | None] = mapped_column(String(100))  # the decision or case number
    determination_date: Mapped[date | None]
    determination_expires: Mapped[date | None]
    public_phone_key: Mapped[str | None] = mapped_column(String(40), index=True)  # the organisation's own line
    public_website: Mapped[str | None] = mapped_column(String(200))
    public_website_key: Mapped[str | None] = mapped_column(String(200), index=True)
    published_by: Mapped[str | None] = mapped_column(String(60))
    published_at: Mapped[datetime | None]


class RiskObjection(Base):
    """An organisation's objection (异议) to its entry on the public risk list, and the answer."""

    __tablename__ = "risk_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # how to answer: sealed, personal data
    language: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(10))  # "kept" or "withdrawn"
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None]
