"""Replies a chat channel keeps for a short while (`answered_messages`): the reply to a message,
for the channel's retry of it, and the rest of a reply too long for one message. Sealed (a reply
may hold a tracking code and PIN) and kept an hour; the daily housekeeping purges what is older,
so no old key stays in use by them (`tipline keys retire`)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from intake.platform.core import Core
from intake.platform.models.reporting import AnsweredMessage

KEPT = timedelta(hours=1)


async def purge(core: Core) -> int:
    async with core.db.transaction() as session:
        result = await session.execute(delete(AnsweredMessage).where(AnsweredMessage.at < core.clock.now() - KEPT))
        return result.rowcount or 0
