"""Linking a web tip to a chat: a single-use token for t.me/<bot>?start=<token>.

The token is random and short-lived, never the tracking code, and only its keyed hash is
stored; using it makes the chat the tip's notice channel.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from intake.domain import purposes
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.reporting import LinkToken
from intake.platform.models.tips import Person, Tip

TOKEN_LIFETIME = timedelta(days=7)


def _hash(core: Core, token: str) -> str:
    return core.keys.lookup_hash(token, purpose="link-token")


async def new_link_token(core: Core, tip_id: int) -> str:
    token = secrets.token_urlsafe(24)  # Telegram start parameters allow A-Z a-z 0-9 _ - up to 64
    async with core.db.transaction() as session:
        session.add(LinkToken(token_hash=_hash(core, token), tip_id=tip_id, expires_at=core.clock.now() + TOKEN_LIFETIME))
    return token


async def use_link_token(core: Core, token: str, *, channel: str, address: str, user_hash: str) -> int | None:
    """Link the tip to this chat; returns the tip id, or None for an unknown, used or expired token."""
    async with core.db.transaction() as session:
        link = await session.scalar(  # every hash key: the token may predate a key rotation
            select(LinkToken).where(LinkToken.token_hash.in_(core.keys.lookup_candidates(token, purpose="link-token"))).with_for_update()
        )
        if link is None or link.used_at is not None or aware(link.expires_at) <= core.clock.now():
            return None
        link.used_at = core.clock.now()
        tip = await session.get(Tip, link.tip_id, with_for_update=True)
        person = await session.get(Person, tip.reporter_id) if tip.reporter_id else None
        data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE) if person else {}
        data.update({"channel": channel, "channel_address": address})
        if person is None:
            person = Person(sealed=core.keys.seal(data, purpose=purposes.PEOPLE), created_at=core.clock.now())
            session.add(person)
            await session.flush()
            tip.reporter_id = person.id
        else:
            person.sealed = core.keys.seal(data, purpose=purposes.PEOPLE)
        tip.channel = channel
        tip.channel_user_hash = user_hash
        tip.notify = True
        return tip.id
