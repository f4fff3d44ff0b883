"""Database tables of the core, as typed SQLAlchemy 2 models.

Personal data (names, phones, e-mails, chat ids) never sits in these columns in plain
text: it lives sealed in `people` and `drafts`, with keyed hashes for equality look-ups.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, SmallInteger, String, Text, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.util import identity_key

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


PRIORITY_RANKS = {"urgent": 0, "high": 1}


def priority_rank(priority: str | None) -> int:
    """The queue's order of priorities: urgent first (0), then high (1), then normal (2)."""
    return PRIORITY_RANKS.get(priority or "normal", 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, datetime: Timestamp}


class Person(Base):
    """A reporter's or a victim's identity and contact details, sealed."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Look-up hashes are "<hash key id>:<hex>" (intake/platform/crypto.py lookup_hash), hence 100 characters.
    phone_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime]


class Draft(Base):
    """A report in progress, saved after every answer so nothing is lost on a restart."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_owner", "channel", "owner_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    owner_hash: Mapped[str] = mapped_column(String(100))
    sealed_state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    # The tracking code and PIN, sealed, so a repeated submit shows the same receipt.
    sealed_receipt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # An API report sent with an Idempotency-Key: the keyed hash of its body, so the same key
    # with another body is refused instead of answered with this draft's receipt.
    request_hash: Mapped[str | None] = mapped_column(String(64))


class Tip(Base):
    """One structured report."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_hash: Mapped[str] = mapped_column(String(100), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(100))
    draft_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    answers: Mapped[dict]
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_hash: Mapped[str | None] = mapped_column(String(100), index=True)
    anonymous: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    # Routing (routing.py) and the suggested category (suggest.py), with their reasons.
    lead_unit: Mapped[str | None] = mapped_column(String(60), index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    routing: Mapped[dict | None]
    suggestion: Mapped[dict | None]
    # The 核查 clocks (workflow.py): due dates, the pause while waiting for the reporter,
    # the one extension.
    accept_due: Mapped[datetime | None]
    finish_due: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    # Staff translations of the reporter's own words (intake/casework/translations.py), marked with who made them.
    reporter_words_translation: Mapped[dict | None]
    # When retention (intake/admin/retention.py) erased the reporter's personal data; the facts stay.
    personal_erased_at: Mapped[datetime | None]
    # The queue's columns (intake/casework/queues.py, intake/casework/assignment.py), kept by the workflow so a
    # page reads an index in the queue's order: 0 urgent, 1 high, 2 normal; the lead unit's
    # member the tip is assigned to; the reporter wrote after staff last acted.
    queue_rank: Mapped[int] = mapped_column(SmallInteger, default=lambda ctx: priority_rank(ctx.get_current_parameters().get("priority")))
    assignee: Mapped[str | None] = mapped_column(String(60))
    reporter_answered: Mapped[bool] = mapped_column(default=False)

    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="tip", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )
    __table_args__ = (
        Index("ix_tips_queue", "queue_rank", id.desc()),
        Index("ix_tips_assignee_queue", "assignee", "queue_rank", id.desc()),
        Index("ix_tips_answered_queue", "reporter_answered", "queue_rank", id.desc()),
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
    # "status" for a status change; "reroute", "extension", "reply" keep the status.
    action: Mapped[str] = mapped_column(String(20), default="status")
    # Facts of an internal step, for staff: a call with the reporter (intake/casework/contacts.py), a
    # category change (intake/casework/categorising.py). Never shown to the reporter.
    detail: Mapped[dict | None]

    tip: Mapped[Tip] = relationship(back_populates="events")


class Assignment(Base):
    """A tip given to a unit, as lead or assisting; inactive once re-routed away."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(10))  # "lead" or "assisting"
    assigned_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
    # The tip's queue_rank, copied when the row is written (see _copy_queue_rank): a unit's
    # queue is then one walk of ix_assignments_queue.
    queue_rank: Mapped[int] = mapped_column(SmallInteger, default=2)

    __table_args__ = (
        Index("ix_assignments_unit_active", "unit_code", "active"),
        Index("ix_assignments_queue", "unit_code", "active", "queue_rank", tip_id.desc()),
    )


@event.listens_for(Assignment, "before_insert")
def _copy_queue_rank(_mapper, connection, target: Assignment) -> None:  # noqa: ANN001 - SQLAlchemy's types
    """Every assignment row carries its tip's rank, whoever writes it (submission, re-routing):
    from the tip in the same session when it is there (no query), else from the database."""
    session = object_session(target)
    tip = session.identity_map.get(identity_key(Tip, target.tip_id)) if session is not None else None
    rank = tip.__dict__.get("queue_rank") if tip is not None else None
    if rank is None:
        rank = connection.scalar(select(Tip.queue_rank).where(Tip.id == target.tip_id))
    target.queue_rank = 2 if rank is None else rank


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


class AuditEvent(Base):
    """Who did what to which tip, and who looked at personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40), index=True)
    tip_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict | None]


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
    payload: Mapped[dict | None]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ConfigVersion(Base):
    """A deployment configuration as applied: the newest is in force."""

    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    applied_at: Mapped[datetime]
    applied_by: Mapped[str] = mapped_column(String(60))
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict]


class Attachment(Base):
    """Evidence (a photo, a document, a voice note), sealed like other personal data.

    Uploaded into a draft first, then linked to the tip when the draft is submitted.
    """

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(String(32), index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    reporter_message_id: Mapped[int | None] = mapped_column(ForeignKey("reporter_messages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))  # image, document, audio
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ChannelUser(Base):
    """A person on a chat channel (a Telegram chat), known by a keyed hash: their language
    survives finishing a report, and their chat can be linked to web tips."""

    __tablename__ = "channel_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_hash: Mapped[str] = mapped_column(String(100), unique=True)
    language: Mapped[str] = mapped_column(String(10))
    blocked: Mapped[bool] = mapped_column(default=False)  # the person blocked the bot (403)
    updated_at: Mapped[datetime]


class LinkToken(Base):
    """A single-use token that links a web tip to a chat (t.me/<bot>?start=<token>); never the code."""

    __tablename__ = "link_tokens"

    token_hash: Mapped[str] = mapped_column(String(100), primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Rating(Base):
    """The reporter's view of how the tip was handled, once it is closed (回访/评价)."""

    __tablename__ = "ratings"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    satisfied: Mapped[str] = mapped_column(String(10))  # yes, partly, no
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class RateCounter(Base):
    """Fixed-window counters for rate limits, shared by every process through the database."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)


class Partner(Base):
    """A partner app allowed to submit reports through the JSON API: its key is kept only as a
    keyed hash (shown once when the partner is added), and can be revoked."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(100), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    reports_per_hour: Mapped[int | None] = mapped_column(Integer)  # None: the API's default limit


class RewardExclusion(Base):
    """Why a tip's reporter may not receive a reward (staff, a relative of staff, a participant
    in the scheme), recorded on the tip by staff (intake/rewards/rewards.py)."""

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
    (intake/rewards/rewards.py): the shares add up to the award; the first share is the case tip's."""

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
    is judged by the version in force when it was reported (intake/rewards/rewards.py)."""

    __tablename__ = "reward_scheme_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    effective_from: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime]
    content: Mapped[dict]


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


class UnitDigest(Base):
    """A unit's daily digest (intake/notify/unit_alerts.py), one per unit and local day: the key makes
    a second run on the same day send nothing twice; `covered_until` is where the next starts."""

    __tablename__ = "unit_digests"

    unit_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, local
    covered_from: Mapped[datetime]
    covered_until: Mapped[datetime]
    created_at: Mapped[datetime]
