"""The person behind an openid, as the core knows them: a keyed hash of the openid (the same one
drafts and tips carry), the language they chose ("" while they are choosing one), and whether
they stopped following the account (`blocked`: nothing can be sent to them then)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.reporting import ChannelUser
from intake.reporting.drafts import owner_hash

CHANNEL = "wechat"
CHOOSING = ""  # the language column while the language question is open


def user_hash(core: Core, openid: str) -> str:
    return owner_hash(core, CHANNEL, openid)


async def language_of(core: Core, openid: str) -> str | None:
    """The person's language; None before they chose one, or while they choose again."""
    async with core.db.session() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
    return row.language or None if row is not None else None


async def set_language(core: Core, openid: str, language: str, *, following: bool | None = None) -> None:
    """Record the chosen language (CHOOSING: the question is asked, the next reply answers it)
    and, when given, whether the person follows the account."""
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
        if row is None:
            session.add(ChannelUser(channel=CHANNEL, user_hash=user_hash(core, openid), language=language,
                                    blocked=following is False, updated_at=core.clock.now()))
            return
        row.language, row.updated_at = language, core.clock.now()
        if following is not None:
            row.blocked = not following


async def unfollowed(core: Core, openid: str) -> None:
    """The person stopped following the account (their language is kept for a return)."""
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
        if row is not None and not row.blocked:
            row.blocked, row.updated_at = True, core.clock.now()


async def heard_from(core: Core, openid: str) -> None:
    """The person wrote or acted (a message, following, a menu click): WeChat lets the account
    send them customer-service messages for 48 hours from now."""
    now = core.clock.now()
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
        if row is None:
            session.add(ChannelUser(channel=CHANNEL, user_hash=user_hash(core, openid), language=CHOOSING,
                                    updated_at=now, last_message_at=now))
        else:
            row.last_message_at = now


async def last_heard(core: Core, openid: str) -> tuple[datetime | None, bool]:
    """When the person last wrote or acted, and whether they stopped following the account."""
    async with core.db.session() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
    if row is None:
        return None, False
    return (aware(row.last_message_at) if row.last_message_at else None), row.blocked
