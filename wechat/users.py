"""The person behind an openid, as the core knows them: a keyed hash of the openid (the same one
drafts and tips carry), and the language they chose ("" while they are choosing one)."""
from __future__ import annotations

from sqlalchemy import select

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


async def set_language(core: Core, openid: str, language: str) -> None:
    """Record the chosen language (CHOOSING: the question is asked, the next reply answers it)."""
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, openid)))
        if row is None:
            session.add(ChannelUser(channel=CHANNEL, user_hash=user_hash(core, openid), language=language,
                                    blocked=False, updated_at=core.clock.now()))
        else:
            row.language, row.updated_at = language, core.clock.now()
