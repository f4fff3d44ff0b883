"""After the report, in the chat it came from (the bot, the WeChat account): the chat is the
credential. What a chat person sends while one of their tips waits for their answer to a staff
question is that answer; more sent in the hour after an answer goes to the same tip when the
person says yes. Shared by the chat channels, which keep only how they ask and what they say.

A tip is the chat person's when its channel is the chat's and its `channel_user_hash` is the
person's (`owner_hash`, the keyed hash drafts carry too).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake.casework.casework import reporter_reply
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain.workflow import Status
from intake.platform import attachments
from intake.platform.core import Core
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Tip

FOLLOW_UP_WINDOW = timedelta(hours=1)  # more text or files after answering: offered to the same tip
MAX_CHARS = 5000  # a reply's words, as on the status page
MAX_CAPTION_CHARS = 1000


def reply_words(text: str) -> str | Invalid:
    """A typed reply, tidied, or why it cannot be taken (empty, too long, hidden characters)."""
    return clean_text(text, max_chars=MAX_CHARS, min_chars=1)


async def chat_tips(core: Core, channel: str, owner_hash: str) -> list[Tip]:
    async with core.db.session() as session:
        rows = await session.scalars(
            select(Tip).where(Tip.channel == channel, Tip.channel_user_hash == owner_hash).order_by(Tip.created_at, Tip.id)
        )
        return list(rows.all())


async def waiting_tip(core: Core, channel: str, owner_hash: str) -> Tip | None:
    """The person's tip that waits for their answer to a staff question; with several, the one
    asked last (its status changed last)."""
    async with core.db.session() as session:
        return await session.scalar(
            select(Tip).where(Tip.channel == channel, Tip.channel_user_hash == owner_hash, Tip.status == Status.NEEDS_INFO)
            .order_by(Tip.updated_at.desc(), Tip.id.desc()).limit(1)
        )


async def recently_answered_tip(core: Core, channel: str, owner_hash: str) -> Tip | None:
    """The tip the person added to within the last hour (a second photo after the words)."""
    async with core.db.session() as session:
        return await session.scalar(
            select(Tip).join(ReporterMessage, ReporterMessage.tip_id == Tip.id)
            .where(Tip.channel == channel, Tip.channel_user_hash == owner_hash,
                   ReporterMessage.at >= core.clock.now() - FOLLOW_UP_WINDOW)
            .order_by(ReporterMessage.at.desc(), ReporterMessage.id.desc()).limit(1)
        )


async def add_reply(core: Core, tip_id: int, text: str, *, language: str,
                    file: bytes | Invalid | None = None, filename: str = "") -> Invalid | None:
    """Store the person's words, and their file, on their tip; or why not (then nothing is
    stored: the file is checked before the words are written). Only a store that fills up after
    the check keeps the words without the file (attachments.STORAGE_FULL says so)."""
    if isinstance(file, Invalid):
        return file
    if file is None:
        await reporter_reply(core, tip_id, text, language=language)
        return None
    checked = await attachments.check_files(core, [file])
    if isinstance(checked, Invalid):
        return checked
    reply = await reporter_reply(core, tip_id, text, language=language)
    stored = await attachments.store(core, checked[0], filename, tip_id=tip_id, reporter_message_id=reply.id)
    return stored if isinstance(stored, Invalid) else None
