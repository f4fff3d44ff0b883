"""A WeChat reporter answers the officer's question in the chat (as on the bot): a report sent
through the account, staff ask (needs_info), the notice says to reply here, and what the person
sends next (words, a photo, a voice message) is the answer, on the officer's tip page. More in the
hour after is added only when they reply 1; bad input is refused with nothing stored; a photo with
no question waiting is still not kept. Signed posts to the real callback, the fake WeChat API
over real HTTP for the notices and the files."""
from __future__ import annotations

import itertools
import re

from sqlalchemy import select

from i18n import Translator
from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.platform.attachments import list_for_tip
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Tip
from tests.console_support import client_for, make_staff, sign_in
from tests.factories import a_photo, staff
from tests.fake_wechat_api import fake_api  # noqa: F401 - fixture
from tests.test_voice_files import AMR_VOICE
from tests.test_wechat_callback import script
from tests.test_wechat_notices import GRANDSON, UNIT, deliver_all, outbox, service, wechat, wechat_tip  # noqa: F401 - fixtures
from tests.wechat_harness import FakeWeChat, message_xml
from wechat import texts

ADDED = "Thank you: your information was added to the report."
ASK = "Add this to your report?\nReply 1 to add it, or 2 if not."
IN_CHAT = "To answer, reply here in this chat"
TIBETAN = re.compile(r"[\u0F00-\u0FFF]")
_msg_ids = itertools.count(7200000000000000001)


async def send_media(wechat: FakeWeChat, openid: str, kind: str, media_id: str) -> str:
    extra = {"Format": "amr"} if kind == "voice" else {"PicUrl": "http://mmbiz.qpic.cn/x"}
    xml = message_xml(openid, int(wechat.now()), kind, MediaId=media_id, **extra, MsgId=str(next(_msg_ids)))
    return wechat.opened(await wechat.post(xml))


async def ask(core, tip_id: int, question: str, language: str = "en") -> None:
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
    officer = await staff(core, f"li{tip_id}", "officer", tip.lead_unit)
    for step in ("accepted", "verifying"):
        await move_tip(core, tip_id, step, staff=officer)
    await move_tip(core, tip_id, "needs_info", staff=officer, public=PublicMessage(text=question, language=language))


async def replies_of(core, tip_id: int) -> list[str]:
    async with core.db.session() as session:
        rows = await session.scalars(select(ReporterMessage.text).where(ReporterMessage.tip_id == tip_id).order_by(ReporterMessage.id))
        return list(rows.all())


async def status_of(core, tip_id: int) -> str:
    async with core.db.session() as session:
        return (await session.get(Tip, tip_id)).status


async def a_question_waiting(core, wechat: FakeWeChat, language: str = "en", openid: str = GRANDSON) -> int:
    """A reporter with no report in progress whose WeChat tip waits for their answer."""
    await wechat.say(openid, {"zh_Hans": "1", "bo": "2", "en": "3"}[language])
    await wechat.say(openid, Translator(language)(texts.CANCEL_WORD))  # the language began a report: not this time
    receipt = await wechat_tip(core, language, email=False, phone=False, contact_mode="anonymous")
    await ask(core, receipt.tip_id, "Which company sold the pills?", language)
    return receipt.tip_id


async def test_a_wechat_reporter_answers_the_officers_question_here_and_the_officer_sees_the_words_and_the_photo(
        service, fake_api, wechat, clock, tmp_path):
    core = service
    fake_api.media["RECEIPT"] = a_photo(gps=True)
    await wechat.say(GRANDSON, "3")  # English
    lines = script("Free lectures, then pills for 2000 yuan a box.")
    lines[16] = "1"  # notices: yes
    for line in lines:
        receipt = "\n".join(await wechat.read(GRANDSON, line))
    assert "Your tracking code is:" in receipt
    fake_api.open_window(GRANDSON)  # the person wrote: customer-service messages may go
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    await deliver_all(outbox(core, tmp_path), clock)
    fake_api.delivered.clear()

    await ask(core, tip.id, "Which company sold the pills?")
    await deliver_all(outbox(core, tmp_path), clock)
    notices = [m.text for m in fake_api.received(GRANDSON)]
    assert len(notices) == 3 and IN_CHAT not in notices[0]  # accepted, being checked, the question
    notice = notices[-1]
    assert "The officer writes: Which company sold the pills?" in notice and IN_CHAT in notice

    assert await wechat.say(GRANDSON, "Kangshou Health Technology") == ADDED
    assert await status_of(core, tip.id) == "verifying"
    assert await send_media(wechat, GRANDSON, "image", "RECEIPT") == ASK  # in the hour after the answer: asked first
    assert len(await list_for_tip(core, tip.id)) == 0
    assert await wechat.say(GRANDSON, "1") == ADDED
    assert await replies_of(core, tip.id) == ["Kangshou Health Technology", "(a photo or file)"]

    await make_staff(core, "zhao", "officer", tip.lead_unit, language="en")
    async with client_for(core) as client:
        await sign_in(client, "zhao")
        page = (await client.get(f"/tips/{tip.id}")).text
        photo = await client.get(f"/tips/{tip.id}/files/1")
    assert "Kangshou Health Technology" in page and "(a photo or file)" in page
    assert f'src="/tips/{tip.id}/files/1"' in page and "Photo 1 sent by the reporter" in page
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


async def test_a_tibetan_reporter_is_told_and_answered_in_tibetan(service, fake_api, wechat, clock, tmp_path):
    core = service
    fake_api.media["VOICE"] = AMR_VOICE
    fake_api.open_window(GRANDSON)
    tip_id = await a_question_waiting(core, wechat, "bo")
    await deliver_all(outbox(core, tmp_path), clock)
    notice = fake_api.received(GRANDSON)[-1].text
    bo = Translator("bo")
    assert bo("To answer, reply here in this chat, or on the status page with your tracking code and reply PIN.") in notice
    voice = await send_media(wechat, GRANDSON, "voice", "VOICE")  # the answer, spoken
    assert voice == bo(texts.REPLY_SAVED)
    more = await wechat.say(GRANDSON, "ཚོང་ཁང་གི་མིང་མི་ཤེས།")
    assert more == bo(texts.ADD_QUESTION) + "\n" + bo(texts.ADD_HOW, yes="1", no="2")
    not_added = await wechat.say(GRANDSON, "2")
    assert not_added.startswith(bo(texts.NOT_ADDED))
    for said in (voice, more, not_added):
        assert TIBETAN.search(said) and not re.search(r"[A-Za-z]{2,}|[\u4E00-\u9FFF]", said), said
    assert await replies_of(core, tip_id) == [bo(texts.VOICE_ANSWER, seconds=2)]
    [kept] = await list_for_tip(core, tip_id)
    assert kept.kind == "audio"


async def test_more_after_the_answer_is_added_only_on_1_and_after_the_hour_not_at_all(service, fake_api, wechat, clock):
    core = service
    fake_api.media["PHOTO"] = a_photo()
    tip_id = await a_question_waiting(core, wechat)
    code_reply = await wechat.say(GRANDSON, "hello")
    assert code_reply == ADDED  # the answer, at once
    assert await wechat.say(GRANDSON, "They also called my neighbour.") == ASK
    said = await wechat.say(GRANDSON, "2")
    assert said.startswith("This message was not added to your report.") and "To report a scam" in said
    assert await wechat.say(GRANDSON, "2") != ADDED  # nothing waits now: "2" is asked about like any message
    assert await wechat.say(GRANDSON, "Their van was white.") == ASK  # the latest message waits, only it
    assert await wechat.say(GRANDSON, "1") == ADDED
    assert await replies_of(core, tip_id) == ["hello", "Their van was white."]

    clock.advance(hours=1, minutes=1)
    assert "To report a scam" in await wechat.say(GRANDSON, "One more thing.")
    assert "kept only as part of a report" in await send_media(wechat, GRANDSON, "image", "PHOTO")
    assert await replies_of(core, tip_id) == ["hello", "Their van was white."]
    assert await list_for_tip(core, tip_id) == []


async def test_a_tracking_code_or_a_command_word_while_a_question_waits_is_not_an_answer(service, fake_api, wechat):
    core = service
    await wechat.say(GRANDSON, "3")
    await wechat.say(GRANDSON, "cancel")
    receipt = await wechat_tip(core, "en", email=False, phone=False, contact_mode="anonymous")
    await ask(core, receipt.tip_id, "Which company?")
    shown = await wechat.say(GRANDSON, receipt.code)
    assert shown.startswith("Report ") and "Waiting for your answer" in shown
    for word in ("back", "跳过", "help"):  # the words that act are never an answer either
        assert "To report a scam" in await wechat.say(GRANDSON, word)
    assert await replies_of(core, receipt.tip_id) == []


def long_voice() -> bytes:
    """WeChat's AMR with its frames repeated: 62 seconds, longer than WeChat records."""
    return AMR_VOICE + AMR_VOICE[len(b"#!AMR\n"):] * 25


async def test_bad_input_is_refused_clearly_nothing_is_stored_and_the_answer_can_be_sent_again(service, fake_api, wechat,
                                                                                               monkeypatch):
    from intake.platform import attachments

    core = service
    fake_api.media.update({"EXE": b"MZ\x90\x00" + b"\x00" * 200, "LONG": long_voice(), "PHOTO": a_photo(),
                            "BIG": a_photo((200, 200), noise=True)})
    tip_id = await a_question_waiting(core, wechat)
    refused = {
        "empty": await wechat.say(GRANDSON, "   "),
        "long": await wechat.say(GRANDSON, "a" * 5001),
        "hidden": await wechat.say(GRANDSON, "pay 100\u202e yuan"),
        "exe": await send_media(wechat, GRANDSON, "image", "EXE"),
        "voice": await send_media(wechat, GRANDSON, "voice", "LONG"),
    }
    monkeypatch.setattr(attachments, "MAX_BYTES", 1024)
    refused["big"] = await send_media(wechat, GRANDSON, "image", "BIG")
    monkeypatch.undo()
    assert refused["empty"] == "This answer is needed. Please write it here."
    assert refused["long"].startswith("This is 5001 characters long; the most we can take is 5000.")
    assert "invisible special characters" in refused["hidden"]
    assert "We can take photos (JPEG, PNG), PDF documents and voice recordings. This file is not one of them." == refused["exe"]
    assert refused["voice"] == ("This voice message lasts 62 seconds; the most we can take is 60 seconds. "
                                "Please send it again in shorter parts.")
    assert "the most we can take is 0 MB" in refused["big"]
    assert await replies_of(core, tip_id) == [] and await list_for_tip(core, tip_id) == []
    assert await status_of(core, tip_id) == "needs_info"  # still waiting: the person sends again
    assert await send_media(wechat, GRANDSON, "image", "PHOTO") == ADDED
    assert await replies_of(core, tip_id) == ["(a photo or file)"] and len(await list_for_tip(core, tip_id)) == 1


async def test_a_photo_with_no_question_waiting_is_still_not_kept(service, fake_api, wechat):
    core = service
    fake_api.media["PHOTO"] = a_photo()
    await wechat.say(GRANDSON, "3")
    await wechat.say(GRANDSON, "cancel")
    receipt = await wechat_tip(core, "en", email=False, phone=False, contact_mode="anonymous")
    officer = await staff(core, "wu", "officer", UNIT)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)  # a step, not a question
    reply = await send_media(wechat, GRANDSON, "image", "PHOTO")
    assert "kept only as part of a report" in reply and "To report a scam" in reply
    assert "To report a scam" in await wechat.say(GRANDSON, "hello?")
    assert await replies_of(core, receipt.tip_id) == [] and await list_for_tip(core, receipt.tip_id) == []
    assert not fake_api.sent_calls("cgi-bin/media/get")


async def test_with_two_questions_waiting_the_answer_goes_to_the_one_asked_last(service, fake_api, wechat, clock):
    core = service
    first = await a_question_waiting(core, wechat)
    clock.advance(minutes=5)
    second = await wechat_tip(core, "en", email=False, phone=False, contact_mode="anonymous")
    await ask(core, second.tip_id, "What was the address?")
    assert await wechat.say(GRANDSON, "12 Station Road") == ADDED
    assert await replies_of(core, second.tip_id) == ["12 Station Road"] and await replies_of(core, first) == []


async def test_on_an_unverified_account_the_question_is_told_first_and_the_next_message_answers_it(service, fake_api, wechat,
                                                                                                    clock, tmp_path):
    core = service
    core.settings.wechat_account = "unverified"  # no message may carry the question: it waits for the person
    tip_id = await a_question_waiting(core, wechat)
    await deliver_all(outbox(core, tmp_path), clock)
    told = "\n".join(await wechat.read(GRANDSON, "hello"))
    assert "Which company sold the pills?" in told and IN_CHAT in told
    assert await replies_of(core, tip_id) == []  # "hello" was written before the question was read
    assert await wechat.say(GRANDSON, "Kangshou Health Technology") == ADDED
    assert await replies_of(core, tip_id) == ["Kangshou Health Technology"]
