"""The reward scheme's records: exclusions, awards and their shares, joint reports, and the
versions of the scheme as they took effect."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class RewardExclusion(Base):
    """Why a tip's reporter may not receive a reward (staff, a relative of staff, a participant
    in the scheme), recorded on the tip by staff (intake/rewards/eligibility.py)."""

    __tablename__ = "reward_exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # staff, staff_relative, participant
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime]


class Award(Base):
    """One reward for one case (一案一奖): proposed, approved or rejected by a second
    administrator, then paid or lapsed. Amounts in integer fen."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    # The tip's id while the award is open, proposed, approved, paid or lapsed; NULL once
    # rejected: a unique column, so a case never has two awards.
    case_tip_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # proposed, approved, rejected, paid, lapsed
    tier: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(Integer)
    budget_region: Mapped[str] = mapped_column(String(12), index=True)
    budget_year: Mapped[int] = mapped_column(Integer, index=True)
    scheme_digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(60))
    proposed_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    claim_until: Mapped[datetime | None]
    id_checked_by: Mapped[str | None] = mapped_column(String(60))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    paid_on: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    paid_by: Mapped[str | None] = mapped_column(String(60))
    paid_at: Mapped[datetime | None]
    lapsed_at: Mapped[datetime | None]


class AwardShare(Base):
    """One joint reporter's share of an award, in integer fen, fixed when it is proposed
    (intake/rewards/awards.py): the shares add up to the award; the first share is the case tip's."""

    __tablename__ = "award_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)


class JointReport(Base):
    """A tip merged into a case whose reporter reported jointly with the case's first reporter
    (marked by a reward administrator): they share the case's one award."""

    __tablename__ = "reward_joint_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), unique=True)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime]


class RewardSchemeVersion(Base):
    """A version of rewards.toml as first seen in force, with the moment it took effect: a tip
    is judged by the version in force when it was reported (intake/rewards/scheme.py)."""

    __tablename__ = "reward_scheme_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    effective_from: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime]
    content: Mapped[dict]
