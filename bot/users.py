"""The person behind a chat, as the core knows them: a keyed hash of the chat id, the language
they chose (kept on the ChannelUser row, so it outlives any conversation state) and whether
they blocked the bot."""
from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import select

from i18n import DEFAULT_LANGUAGE, LANGUAGES, negotiate
from intake.platform.core import Core
from intake.prevention.subscriptions import set_chat_language
from intake.reporting.drafts import owner_hash
from intake.platform.models.reporting import ChannelUser

CHANNEL = "telegram"


def user_hash(core: Core, chat_id: int | str) -> str:
    """The same hash drafts and tips use for this chat (Tip.channel_user_hash)."""
    return owner_hash(core, CHANNEL, str(chat_id))


async def get_user(core: Core, chat_id: int | str) -> ChannelUser | None:
    async with core.db.session() as session:
        return await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, chat_id)))


#: The person the chat guard (bot/app.py, through bot/chat.read_for_update) just read for the
#: update being handled, so the handler does not read them again (bench/bot_bench.py).
_read_for_update: ContextVar[tuple[str, ChannelUser | None] | None] = ContextVar("bot_user_of_update", default=None)


def remember_for_update(chat_id: int | str, user: ChannelUser | None) -> None:
    _read_for_update.set((str(chat_id), user))


async def user_of_update(core: Core, chat_id: int | str) -> ChannelUser | None:
    """The chat's person as read at the start of this update, else from the database."""
    read = _read_for_update.get()
    if read is not None and read[0] == str(chat_id):
        return read[1]
    return await get_user(core, chat_id)


def guess_language(language_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Telegram's interface language, matched on its primary subtag (zh-hans, zh-TW -> zh_Hans).

    Telegram has no Tibetan interface, so `bo` only ever comes from the reporter's own choice.
    """
    return negotiate(language_code) or (default if default in LANGUAGES else DEFAULT_LANGUAGE)


async def set_language(core: Core, chat_id: int | str, language: str) -> None:
    assert language in LANGUAGES, language
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, chat_id)))
        if row is None:
            session.add(ChannelUser(channel=CHANNEL, user_hash=user_hash(core, chat_id), language=language,
                                    blocked=False, updated_at=core.clock.now()))
        else:
            row.language, row.updated_at = language, core.clock.now()
        await set_chat_language(session, core, CHANNEL, str(chat_id), language)  # its warnings come in it too


async def set_blocked(core: Core, chat_id: int | str, blocked: bool, *, language: str = DEFAULT_LANGUAGE) -> None:
    """Record that the person blocked the bot (a 403), or wrote to it again."""
    async with core.db.transaction() as session:
        row = await session.scalar(select(ChannelUser).where(ChannelUser.user_hash == user_hash(core, chat_id)))
        if row is None:
            session.add(ChannelUser(channel=CHANNEL, user_hash=user_hash(core, chat_id), language=language,
                                    blocked=blocked, updated_at=core.clock.now()))
        elif row.blocked != blocked:
            row.blocked, row.updated_at = blocked, core.clock.now()
