"""Reports coming in: drafts, evidence files, the people on chat channels and the tokens that
link a web tip to a chat, and the partner apps of the JSON API."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


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
    # When the person last wrote or acted (WeChat: customer-service messages may be sent for
    # 48 hours after it); None where the channel does not need it.
    last_message_at: Mapped[datetime | None]


class LinkToken(Base):
    """A single-use token that links a web tip to a chat (t.me/<bot>?start=<token>); never the code."""

    __tablename__ = "link_tokens"

    token_hash: Mapped[str] = mapped_column(String(100), primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


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


class AnsweredMessage(Base):
    """A chat message a channel took, by a keyed hash of its sender and id, with the reply it was
    given (sealed: it may hold a tracking code and PIN). A channel that retries a message it heard
    no answer to (WeChat, three times in 15 seconds) gets the same reply again, and the message
    is never taken twice. Kept for an hour."""

    __tablename__ = "answered_messages"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(index=True)
    sealed_reply: Mapped[bytes | None] = mapped_column(LargeBinary)  # None while the first is handled


class ApiToken(Base):
    """A channel's API access token (WeChat's, valid two hours), sealed, shared by every worker:
    fetching a new one invalidates the old one for every process, so it is fetched once and read
    by all. `name` says whose token it is ("wechat:<appid>")."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    sealed_token: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime]
