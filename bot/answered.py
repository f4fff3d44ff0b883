"""Which message gave the last typed answer, so an edit of that message can replace the answer
(bot/edits.py) while the next question is still open.

Kept in the conversation state beside the draft pointer: the message id, the draft, the question,
where the draft went after it, and a keyed hash of the answer (not the answer: the state may live
in Redis). Lost with the state (a restart without Redis), an edit is answered as a late one.
"""
from __future__ import annotations

import json
from dataclasses import replace

from aiogram.types import Message

from bot.callbacks import draft_ref
from bot.chat import Chat
from intake.domain.conversation import DraftState
from intake.platform.core import Core
from intake.reporting.drafts import DraftRecord

KEY = "answered_by"
_HASHED_FOR = "bot-answered-by"


def _fingerprint(core: Core, value: object) -> str:
    return core.keys.keyed_hash(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), purpose=_HASHED_FOR)[:32]


async def remember(chat: Chat, record: DraftRecord, message: Message, before: DraftState) -> None:
    """After `message` was offered as the answer at `before`: remember it if it was taken."""
    if record.state is before:  # refused: the draft did not move
        return
    key = before.current
    await chat.state.update_data({KEY: {
        "m": message.message_id, "d": draft_ref(record.id), "k": key, "r": before.back_to_review,
        "next": record.state.current, "h": len(record.state.history),
        "v": _fingerprint(chat.core, record.state.answers.get(key)),
    }})


async def rewound(chat: Chat, record: DraftRecord, message: Message) -> DraftState | None:
    """The draft as it was before `message` answered, if `message` gave the last answer and
    nothing has happened since (the next question not answered, no Back, no other answer)."""
    given = (await chat.state.get_data()).get(KEY)
    state = record.state
    if not isinstance(given, dict) or given.get("m") != message.message_id or given.get("d") != draft_ref(record.id):
        return None
    key = given["k"]
    if (state.current != given["next"] or len(state.history) != given["h"]
            or given["v"] != _fingerprint(chat.core, state.answers.get(key))):
        return None
    if given["r"]:  # an answer changed from "check your answers": it goes back there again
        return replace(state, current=key, back_to_review=True)
    if not state.history or state.history[-1] != key:
        return None
    return replace(state, current=key, history=state.history[:-1])
