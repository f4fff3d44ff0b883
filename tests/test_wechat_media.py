"""Photos and voice messages sent to the WeChat account: evidence at the evidence question, a
voice message also the answer to a question asking for words; each file fetched through the API
(media/get on the fake WeChat API), checked and sealed by the core as the bot's are, WeChat's AMR
voice converted to Ogg/Opus staff can play. A file that cannot be fetched gets a polite answer
and nothing is kept; a retried message is kept once. The voice is a real AMR file
(tests/data/media/voice.amr, 2.4 s)."""
from __future__ import annotations

import io
import itertools

import httpx
import mutagen
import pytest
from mutagen.oggopus import OggOpus
from PIL import Image
from sqlalchemy import select

from intake.platform.attachments import load
from intake.platform.models.reporting import Attachment
from intake.platform.models.tips import Tip
from tests.factories import a_photo
from tests.fake_wechat_api import APPID, SECRET, fake_api  # noqa: F401 - fake_api is a fixture
from tests.test_voice_files import AMR_VOICE
from tests.test_wechat_callback import script
from tests.wechat_harness import TOKEN, FakeWeChat, message_xml
from wechat.app import CALLBACK_PATH, Account, callback_app

GRANDSON = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
_msg_ids = itertools.count(7100000000000000001)


@pytest.fixture
async def wechat(core, fake_api):
    s = core.settings
    s.wechat_token, s.wechat_appid, s.wechat_secret, s.wechat_api_base = TOKEN, APPID, SECRET, fake_api.base_url
    app = callback_app(core, Account(TOKEN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as client:
        yield FakeWeChat(client, CALLBACK_PATH, lambda: core.clock.now().timestamp())


async def send_media(wechat: FakeWeChat, kind: str, media_id: str, *, msg_id: int | None = None) -> str:
    extra = {"Format": "amr"} if kind == "voice" else {"PicUrl": "http://mmbiz.qpic.cn/x"}
    xml = message_xml(GRANDSON, int(wechat.now()), kind, MediaId=media_id, **extra, MsgId=str(msg_id or next(_msg_ids)))
    return wechat.opened(await wechat.post(xml))


async def files_of(core) -> list[Attachment]:
    async with core.db.session() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.created_at))).all())


async def at_the_evidence_question(wechat: FakeWeChat, description: str = "Free lectures, then pills for 2000 yuan a box.") -> str:
    await wechat.say(GRANDSON, "3")  # English
    lines = script(description)
    reply = ""
    for line in lines[:lines.index("4") + 1]:
        reply = await wechat.say(GRANDSON, line)
    return reply


async def test_a_whole_report_with_a_voice_answer_and_voice_and_photo_evidence(core, fake_api, wechat, clock):
    fake_api.media.update({"VOICE_1": AMR_VOICE, "VOICE_2": AMR_VOICE, "PHOTO_1": a_photo(gps=True)})
    await wechat.say(GRANDSON, "3")
    lines = script("(spoken)")
    for line in lines[:3]:
        reply = await wechat.say(GRANDSON, line)
    assert "What happened? Please tell us in your own words." in reply
    answered = await send_media(wechat, "voice", "VOICE_1")  # the description, spoken
    assert "we keep your voice note with the report" in answered
    for line in lines[4:lines.index("4") + 1]:
        reply = await wechat.say(GRANDSON, line)
    assert "Send photos or voice messages, one in each message" in reply and "reply 1" in reply
    clock.advance(seconds=1)
    assert "it was added (1 of 10)" in await send_media(wechat, "image", "PHOTO_1")
    clock.advance(seconds=1)
    assert "it was added (2 of 10)" in await send_media(wechat, "voice", "VOICE_2")
    rest = lines[lines.index("4") + 1:]
    replies = [await wechat.say(GRANDSON, line) for line in rest[:-1]]
    assert "2 files" in "".join(replies)  # "check your answers"
    receipt = "".join(await wechat.read(GRANDSON, rest[-1]))
    assert "Your tracking code is:" in receipt
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert tip.answers["description"] == "Voice note of 2 seconds (attached to the report)"
    assert len(tip.answers["evidence"]) == 2
    kept = await files_of(core)
    assert [(f.kind, f.media_type, f.tip_id) for f in kept] == [
        ("audio", "audio/ogg", tip.id), ("image", "image/jpeg", tip.id), ("audio", "audio/ogg", tip.id)]
    voice = await load(core, kept[0].id)
    audio = mutagen.File(io.BytesIO(voice.content))
    assert isinstance(audio, OggOpus) and abs(audio.info.length - 2.4) < 0.03  # playable in the console, all of it
    photo = Image.open(io.BytesIO((await load(core, kept[1].id)).content))
    assert 0x8825 not in photo.getexif()  # no location
    assert len(fake_api.sent_calls("cgi-bin/media/get")) == 3


async def test_a_file_that_cannot_be_fetched_gets_a_polite_answer_and_nothing_is_kept(core, fake_api, wechat):
    await at_the_evidence_question(wechat)
    fake_api.fail_once("cgi-bin/media/get", 502)
    refused = await send_media(wechat, "image", "PHOTO_1")  # the API failed
    assert "We could not receive this file. Please send it again." in refused
    assert "Send photos or voice messages" in refused  # and the question again
    expired = await send_media(wechat, "voice", "NEVER_UPLOADED")  # WeChat no longer has it (40007)
    assert "We could not receive this file" in expired
    assert await files_of(core) == []
    fake_api.media["PHOTO_1"] = a_photo()
    assert "it was added (1 of 10)" in await send_media(wechat, "image", "PHOTO_1")  # sent again: taken


async def test_a_file_larger_than_we_take_is_refused_before_it_is_read_whole(core, fake_api, wechat, monkeypatch):
    from intake.platform import attachments

    await at_the_evidence_question(wechat)
    monkeypatch.setattr(attachments, "MAX_BYTES", 1024)
    fake_api.media["VOICE_1"] = AMR_VOICE  # 3.8 KB
    refused = await send_media(wechat, "voice", "VOICE_1")
    assert "the most we can take is 0 MB" in refused and "Send photos or voice messages" in refused
    assert await files_of(core) == []


async def test_a_retried_photo_is_kept_once(core, fake_api, wechat):
    await at_the_evidence_question(wechat)
    fake_api.media["PHOTO_1"] = a_photo()
    first = await send_media(wechat, "image", "PHOTO_1", msg_id=424242)
    again = await send_media(wechat, "image", "PHOTO_1", msg_id=424242)  # WeChat heard no answer in time
    assert first == again and "(1 of 10)" in first
    assert len(await files_of(core)) == 1 and len(fake_api.sent_calls("cgi-bin/media/get")) == 1


async def test_words_at_the_evidence_question_ask_for_files_or_1_and_a_photo_elsewhere_is_not_kept(core, fake_api, wechat):
    fake_api.media["PHOTO_1"] = a_photo()
    await wechat.say(GRANDSON, "3")
    early = await send_media(wechat, "image", "PHOTO_1")  # at the first question
    assert "Please send photos or files at the question about evidence" in early and "Is money being paid" in early
    for line in script("Free lectures, then pills.")[:script("x").index("4") + 1]:
        await wechat.say(GRANDSON, line)
    assert "Please send photos or voice messages here, or reply 1 to continue." in await wechat.say(GRANDSON, "the receipt")
    assert "Would you like to give your name?" in await wechat.say(GRANDSON, "skip")  # "skip" leaves it, as "1" does
    assert await files_of(core) == []


async def test_a_photo_without_a_report_is_not_kept(core, fake_api, wechat):
    fake_api.media["PHOTO_1"] = a_photo()
    await wechat.say(GRANDSON, "3")
    await wechat.say(GRANDSON, "cancel")
    reply = await send_media(wechat, "image", "PHOTO_1")
    assert "kept only as part of a report" in reply and "To report a scam" in reply
    assert await files_of(core) == [] and not fake_api.sent_calls("cgi-bin/media/get")


async def test_an_account_without_its_appsecret_cannot_fetch_files_and_says_so(core, fake_api, wechat):
    await at_the_evidence_question(wechat)
    core.settings.wechat_secret = ""
    fake_api.media["PHOTO_1"] = a_photo()
    assert "We could not receive this file" in await send_media(wechat, "image", "PHOTO_1")
    assert await files_of(core) == [] and not fake_api.calls

