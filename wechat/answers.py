"""After the report, in WeChat (as on the bot, intake.reporting.chat_replies): while one of the
person's tips waits for their answer to a staff question and no report is in progress, what they
send (words, a photo, a voice message) is that answer, stored at once. In the hour after an
answer, more is added only when they reply "1" to "Add this to your report?" (an account has no
buttons); what waits for that reply is kept sealed, an hour at most, in `answered_messages`
beside the rest of a long reply (wechat/pages.py), and only the latest message waits.

Each function returns the reply's text, an `Invalid` for the conversation to render (nothing
stored then: the person sends again), or None: nothing to do with the message here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from i18n import Translator
from intake.domain import purposes
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.platform.core import Core
from intake.platform.crypto import DecryptionError
from intake.platform.models.reporting import AnsweredMessage
from intake.platform.voice_files import recording_seconds
from intake.reporting.chat_replies import add_reply, chat_tips, recently_answered_tip, reply_words, waiting_tip
from intake.reporting.kept_replies import KEPT
from wechat import media, pages, texts
from wechat.messages import Incoming
from wechat.users import CHANNEL, user_hash

ADD, DONT_ADD = "1", "2"  # the replies to "Add this to your report?"
_HASHED_FOR = "wechat-pending-addition"
_SEALED_FOR = purposes.CHANNEL_REPLY
_TABLE = AnsweredMessage.__table__


@dataclass(frozen=True)
class Sent:
    """What the person sent: words, or a file by its WeChat media id."""

    text: str | None = None
    kind: str = "text"  # text, image, voice
    media_id: str = ""

    @classmethod
    def of(cls, message: Incoming) -> Sent:
        if message.kind == "text":
            return cls(text=message.text)
        return cls(kind=message.kind, media_id=message.media_id)


async def after_report(core: Core, openid: str, _: Translator, sent: Sent, *, idle: str) -> str | Invalid | None:
    """`idle`: what to do next, said after "not added"."""
    owner = user_hash(core, openid)
    waiting = await waiting_tip(core, CHANNEL, owner)
    if waiting is not None:
        await _forget(core, openid)
        sent = _tidied(sent)
        return sent if isinstance(sent, Invalid) else await _add(core, _, waiting.id, sent)
    if sent.text is not None and normalize_digits(sent.text.strip()) in (ADD, DONT_ADD):
        held = await _take(core, openid)
        if held is not None:
            if normalize_digits(sent.text.strip()) == DONT_ADD:
                return _(texts.NOT_ADDED) + pages.BLOCK + idle
            tip_id, held_sent = held
            if tip_id not in {tip.id for tip in await chat_tips(core, CHANNEL, owner)}:  # erased meanwhile
                return None
            return await _add(core, _, tip_id, held_sent)
    recent = await recently_answered_tip(core, CHANNEL, owner)
    if recent is None:
        return None
    sent = _tidied(sent)
    if isinstance(sent, Invalid):
        return sent
    await _hold(core, openid, recent.id, sent)
    return _(texts.ADD_QUESTION) + "\n" + _(texts.ADD_HOW, yes=ADD, no=DONT_ADD)


def _tidied(sent: Sent) -> Sent | Invalid:
    """Words tidied as a reply's (reply_words), or why they cannot be taken; a file as it is."""
    if sent.text is None:
        return sent
    words = reply_words(sent.text)
    return words if isinstance(words, Invalid) else Sent(text=words)


async def _add(core: Core, _: Translator, tip_id: int, sent: Sent) -> str | Invalid:
    if sent.text is not None:
        refused = await add_reply(core, tip_id, sent.text, language=_.language)
    else:
        data = await media.fetch(core, sent.media_id, kind=sent.kind)
        if isinstance(data, Invalid):
            return data
        words = _(texts.VOICE_ANSWER, seconds=recording_seconds(data)) if sent.kind == "voice" else _(texts.PHOTO_REPLY)
        refused = await add_reply(core, tip_id, words, language=_.language, file=data, filename=media.NAMES[sent.kind])
    return refused if refused is not None else _(texts.REPLY_SAVED)


# --- what waits for "1" ----------------------------------------------------------------------

def _key(core: Core, openid: str) -> str:
    return core.keys.keyed_hash(openid, purpose=_HASHED_FOR)[:64]


async def _hold(core: Core, openid: str, tip_id: int, sent: Sent) -> None:
    held = {"tip": tip_id, "text": sent.text, "kind": sent.kind, "media_id": sent.media_id}
    sealed = core.keys.seal(json.dumps(held), purpose=_SEALED_FOR)
    async with core.db.transaction() as session:
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, openid)))
        await session.execute(insert(_TABLE).values(key_hash=_key(core, openid), channel=CHANNEL, at=core.clock.now(),
                                                    sealed_reply=sealed))


async def _take(core: Core, openid: str) -> tuple[int, Sent] | None:
    """What waits for "1" or "2" (taken: either answer ends the question), if anything."""
    async with core.db.transaction() as session:
        sealed = await session.scalar(select(_TABLE.c.sealed_reply).where(
            _TABLE.c.key_hash == _key(core, openid), _TABLE.c.at >= core.clock.now() - KEPT))
        if sealed is None:
            return None
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, openid)))
    try:
        held = json.loads(core.keys.open_text(sealed, purpose=_SEALED_FOR))
    except DecryptionError:
        return None
    return int(held["tip"]), Sent(text=held["text"], kind=held["kind"], media_id=held["media_id"])


async def _forget(core: Core, openid: str) -> None:
    async with core.db.transaction() as session:
        await session.execute(delete(_TABLE).where(_TABLE.c.key_hash == _key(core, openid)))
