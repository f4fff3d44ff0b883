"""Each message answered once. WeChat posts a message again when it heard no answer within five
seconds (three tries): the first post claims the message, by a keyed hash of its sender and
MsgId (an event: sender and CreateTime); a retry never takes it a second time, it gets the reply
the first one stored (sealed: it may hold a tracking code and PIN), waiting for it while the first
is still being handled. Rows are kept an hour, in the database every worker shares."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from intake.domain import purposes
from intake.platform.core import Core
from intake.platform.crypto import DecryptionError
from intake.platform.models.reporting import AnsweredMessage
from intake.reporting.kept_replies import KEPT

log = logging.getLogger(__name__)

CHANNEL = "wechat"
_HASHED_FOR = "wechat-message"
_SEALED_FOR = purposes.CHANNEL_REPLY
_TABLE = AnsweredMessage.__table__


def _key(core: Core, sender: str, once_key: str) -> str:
    return core.keys.keyed_hash(f"{sender}\n{once_key}", purpose=_HASHED_FOR)[:64]


async def claim(core: Core, sender: str, once_key: str) -> bool:
    """True for the first post of a message (it is ours to handle), False for a repeat."""
    now = core.clock.now()
    try:
        async with core.db.transaction() as session:
            await session.execute(delete(AnsweredMessage).where(AnsweredMessage.at < now - KEPT))
            await session.execute(insert(_TABLE).values(key_hash=_key(core, sender, once_key), channel=CHANNEL, at=now))
    except IntegrityError:
        return False
    return True


async def record(core: Core, sender: str, once_key: str, reply: str) -> None:
    sealed = core.keys.seal(reply, purpose=_SEALED_FOR)
    async with core.db.transaction() as session:
        await session.execute(update(_TABLE).where(_TABLE.c.key_hash == _key(core, sender, once_key)).values(sealed_reply=sealed))


async def forget(core: Core, sender: str, once_key: str) -> None:
    """The first handling failed: a retry may take the message afresh."""
    async with core.db.transaction() as session:
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, sender, once_key)))


async def stored_reply(core: Core, sender: str, once_key: str, *, wait_seconds: float = 0.0) -> str | None:
    """The reply given to the first post; while it is being handled, waited for up to
    `wait_seconds`. None: none yet (or it could no longer be opened)."""
    key = _key(core, sender, once_key)
    for attempt in range(max(1, int(wait_seconds / 0.1) + 1)):
        async with core.db.session() as session:
            sealed = await session.scalar(select(_TABLE.c.sealed_reply).where(_TABLE.c.key_hash == key))
        if sealed is not None:
            try:
                return core.keys.open_text(sealed, purpose=_SEALED_FOR)
            except DecryptionError:
                log.warning("wechat: a stored reply could not be opened (its key is gone)")
                return None
        if attempt * 0.1 >= wait_seconds:
            break
        await asyncio.sleep(0.1)
    return None
