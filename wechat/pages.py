"""A reply too long for one WeChat message, in pages. A passive reply is one message of at most
2,048 bytes (Chinese and Tibetan take 3 a character): a longer reply (the language chosen with
the welcome and the first question, "check your answers", a long timeline) is cut at paragraph,
line or sentence ends, a question never apart from its answers (wechat/split.py); the first page goes now, ending "(1/2) send “more” to
read on", and the rest waits, sealed, for the person's "more" (an hour at most; any other
message drops it)."""
from __future__ import annotations

import json

from sqlalchemy import delete, insert, select

from i18n import Translator
from intake.domain import purposes
from intake.platform.core import Core
from intake.platform.crypto import DecryptionError
from intake.platform.models.reporting import AnsweredMessage
from intake.reporting.kept_replies import KEPT
from wechat import texts
from wechat.split import MAX_BYTES, pack

CHANNEL = "wechat"
BLOCK = "\x1e"  # between the blocks of a reply that a page should not cut (the welcome, a question)
FOOTER_BYTES = 240  # room for the "(1/3) send “more” to read on" line, in any language
_HASHED_FOR = "wechat-rest-of-reply"
_SEALED_FOR = purposes.CHANNEL_REPLY
_TABLE = AnsweredMessage.__table__


def _key(core: Core, openid: str) -> str:
    return core.keys.keyed_hash(openid, purpose=_HASHED_FOR)[:64]


async def first_page(core: Core, openid: str, text: str, _: Translator, more_word: str) -> str:
    """The page to send now; the rest (if any) kept for "more", replacing what was kept."""
    parts = pack(text.split(BLOCK), MAX_BYTES - FOOTER_BYTES)
    async with core.db.transaction() as session:
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, openid)))
        if len(parts) > 1:
            sealed = core.keys.seal(json.dumps({"parts": parts, "page": 1}), purpose=_SEALED_FOR)
            await session.execute(insert(_TABLE).values(key_hash=_key(core, openid), channel=CHANNEL,
                                                        at=core.clock.now(), sealed_reply=sealed))
    return _page(parts, 1, _, more_word)


async def next_page(core: Core, openid: str, _: Translator, more_word: str) -> str | None:
    """The next page of the last long reply; None when nothing is waiting."""
    async with core.db.transaction() as session:
        row = (await session.execute(select(_TABLE.c.sealed_reply).where(
            _TABLE.c.key_hash == _key(core, openid), _TABLE.c.at >= core.clock.now() - KEPT))).first()
        if row is None or row.sealed_reply is None:
            return None
        try:
            kept = json.loads(core.keys.open_text(row.sealed_reply, purpose=_SEALED_FOR))
        except DecryptionError:
            return None
        parts, page = kept["parts"], kept["page"] + 1
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, openid)))
        if page < len(parts):
            sealed = core.keys.seal(json.dumps({"parts": parts, "page": page}), purpose=_SEALED_FOR)
            await session.execute(insert(_TABLE).values(key_hash=_key(core, openid), channel=CHANNEL,
                                                        at=core.clock.now(), sealed_reply=sealed))
    return _page(parts, page, _, more_word)


def _page(parts: list[str], page: int, _: Translator, more_word: str) -> str:
    if len(parts) == 1:
        return parts[0]
    if page == len(parts):
        return f"({page}/{len(parts)})\n{parts[page - 1]}"
    return f"{parts[page - 1]}\n\n" + _(texts.READ_ON, page=page, pages=len(parts), more=more_word)
