"""A Tibetan reporter's whole report through the WeChat account: following it, the language, every
question answered by number or in words, a voice message as the description, a photo as evidence,
"check your answers", the code and PIN, and the first progress notices (a customer-service
message, the 48-hour window open). Every reply is in Tibetan. The same conversation is run in
Chinese, and both are written side by side to tests/data/wechat_transcript_bo.md for a native
speaker's review (like tests/data/bot_transcript_bo.md for the bot)."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from i18n import LANGUAGES, Translator
from intake.casework.casework import move_tip
from intake.notify.dispatch import Dispatcher
from intake.platform.models.tips import Tip
from tests.factories import a_photo, staff
from tests.fake_wechat_api import APPID, SECRET, FakeWeChatApi, fake_api  # noqa: F401 - fake_api is a fixture
from tests.test_voice_files import AMR_VOICE
from tests.wechat_harness import PAGE_MARK, TOKEN, FakeWeChat, message_xml
from wechat import texts
from wechat.app import CALLBACK_PATH, Account, callback_app
from wechat.notifier import WeChatChannel

TRANSCRIPT = Path(__file__).parent / "data" / "wechat_transcript_bo.md"
TIBETAN = re.compile(r"[\u0F00-\u0FFF]")
HAN = re.compile(r"[\u4E00-\u9FFF]")
SUSPECT = "བཀྲ་ཤིས།"

#: (what the person sends, a note for the reader); "VOICE" and "PHOTO" send the file.
SCRIPT = [
    ("2", "no money is being paid now"),
    ("1", "reporting for myself"),
    ("3", "health products"),
    ("VOICE", "the description, spoken"),
    ("1", "they know who did it"),
    ("skip", "the company's name, left out"),
    (SUSPECT, "the suspect's name"),
    ("skip", "the suspect's phone, left out"),
    ("skip", "the suspect's address, left out"),
    ("skip", "the suspect online, left out"),
    ("2", "region 2"),
    ("skip", "the place, left out"),
    ("a", "when: does not know"),
    ("0", "still going on: does not know"),
    ("2000", "money lost"),
    ("1", "paid in cash"),
    ("4", "80 or older"),
    ("PHOTO", "a photo of the receipt"),
    ("1", "no more files"),
    ("1", "stays anonymous"),
    ("skip", "their phone, left out"),
    ("skip", "their e-mail, left out"),
    ("1", "notices: yes"),
    ("1", "consent: yes"),
    ("0", "send the report"),
]


async def converse(core, fake_api: FakeWeChatApi, openid: str, language: str) -> list[tuple[str, list[str]]]:
    """The conversation: (what the person sent, every page of the reply)."""
    fake_api.media.update({"VOICE": AMR_VOICE, "PHOTO": a_photo()})
    app = callback_app(core, Account(TOKEN))
    said: list[tuple[str, list[str]]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as client:
        wechat = FakeWeChat(client, CALLBACK_PATH, lambda: core.clock.now().timestamp())
        said.append(("(follows the account)", [await wechat.event(openid, "subscribe")]))
        number = str(LANGUAGES.index(language) + 1)
        said.append((number, await wechat.read(openid, number)))
        for sent, _note in SCRIPT:
            sent = Translator(language)(texts.SKIP_WORD) if sent == "skip" else sent  # the word in their language
            core.clock.advance(seconds=5)
            if sent in ("VOICE", "PHOTO"):
                kind = "voice" if sent == "VOICE" else "image"
                xml = message_xml(openid, int(wechat.now()), kind, MediaId=sent, MsgId=str(len(said) + 880000 + len(openid)))
                pages = [wechat.opened(await wechat.post(xml))]
                while (mark := PAGE_MARK.findall(pages[-1])) and int(mark[-1][0]) < int(mark[-1][1]):
                    pages.append(await wechat.say(openid, texts.MORE_WORD))
                said.append((f"({kind})", pages))
            else:
                said.append((sent, await wechat.read(openid, sent)))
    return steady(said, language)


def steady(said: list[tuple[str, list[str]]], language: str) -> list[tuple[str, list[str]]]:
    """The random tracking code and PIN shown as the same example each run (the transcript is kept
    in git: a run changes it only when a word changes)."""
    _ = Translator(language)
    receipt = "\n".join(said[-1][1])
    code = receipt.split(_(texts.TRACKING_CODE) + "\n")[1].split("\n")[0]
    pin = receipt.split(_(texts.REPLY_PIN) + "\n")[1].split("\n")[0]
    return [(sent, [page.replace(code, "4821 0937 5562").replace(f"\n{pin}\n", "\n1234\n") for page in pages])
            for sent, pages in said]


async def test_a_tibetan_reporter_is_answered_in_tibetan_through_the_whole_wechat_report(core, fake_api, tmp_path):
    s = core.settings
    s.wechat_token, s.wechat_appid, s.wechat_secret, s.wechat_api_base = TOKEN, APPID, SECRET, fake_api.base_url
    s.wechat_account = "service"
    tibetan = await converse(core, fake_api, "o-tibetan-reporter", "bo")
    chinese = await converse(core, fake_api, "o-chinese-reporter", "zh_Hans")
    for openid in ("o-tibetan-reporter", "o-chinese-reporter"):
        fake_api.open_window(openid)  # they wrote just now: customer-service messages may go
    async with core.db.session() as session:
        tips = {tip.language: tip for tip in (await session.scalars(select(Tip))).all()}
    officer = await staff(core, "dorje", "officer", tips["bo"].lead_unit)
    for tip in tips.values():
        await move_tip(core, tip.id, "accepted", staff=officer)
    dispatcher = Dispatcher(core, {"wechat": WeChatChannel(core)}, worker_id="t")
    while await dispatcher.run_once():
        pass
    notices = {openid: [m.text for m in fake_api.received(openid)] for openid in ("o-tibetan-reporter", "o-chinese-reporter")}
    tibetan.append(("(notices)", notices["o-tibetan-reporter"]))
    chinese.append(("(notices)", notices["o-chinese-reporter"]))
    write_transcript(tibetan, chinese)

    assert set(tips) == {"bo", "zh_Hans"} and tips["bo"].answers["suspect_person"] == SUSPECT
    assert tips["bo"].answers["description"] == Translator("bo")(texts.VOICE_ANSWER) % {"seconds": 2}
    assert len(tips["bo"].answers["evidence"]) == 1
    assert len(notices["o-tibetan-reporter"]) == 2  # received, accepted
    for sent, pages in tibetan[2:]:  # after the trilingual language question
        for page in pages:
            rest = page.replace(SUSPECT, "")
            rest = re.sub(r"^[a-j]\. ", "", rest, flags=re.MULTILINE)  # a typed question's other answers are lettered
            assert TIBETAN.search(rest), page
            assert not HAN.search(rest), f"Chinese in the Tibetan chat after {sent!r}: {page}"
            assert not re.search(r"[A-Za-z]{2,}", rest), f"English in the Tibetan chat after {sent!r}: {page}"


def write_transcript(tibetan: list[tuple[str, list[str]]], chinese: list[tuple[str, list[str]]]) -> None:
    assert len(tibetan) == len(chinese)
    notes = ["the account is followed", "the language"] + [note for _sent, note in SCRIPT] + ["progress notices"]
    lines = [
        "# The WeChat conversation in Tibetan, for review",
        "",
        "Written by `tests/test_wechat_tibetan.py` (do not edit by hand: run the test). Each reply the",
        "account sent in the Tibetan conversation, and beside it the same reply of the same conversation",
        "in Chinese, as the back-translation to check it against. `→` is what the reporter sent;",
        "a reply too long for one WeChat message comes in pages, each a row.",
        "",
    ]
    for number, ((bo_sent, bo_pages), (zh_sent, zh_pages), note) in enumerate(zip(tibetan, chinese, notes), 1):
        lines += [f"## {number}. {note}", "", "| བོད་ཡིག | 中文 |", "| --- | --- |", f"| → {bo_sent} | → {zh_sent} |"]
        for index in range(max(len(bo_pages), len(zh_pages))):
            bo = bo_pages[index] if index < len(bo_pages) else ""
            zh = zh_pages[index] if index < len(zh_pages) else ""
            lines.append(f"| {cell(bo)} | {cell(zh)} |")
        lines.append("")
    TRANSCRIPT.write_text("\n".join(lines), encoding="utf-8")


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n\n", "<br><br>").replace("\n", "<br>")
