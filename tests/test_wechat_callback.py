"""The WeChat callback: the server check, signatures, timestamps, retries, hostile XML and
bodies, and the report conversation as WeChat's servers would carry it (signed posts to the
callback; over real HTTP against `tipline serve` for the whole reports)."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from i18n import Translator
from intake.domain.tracking import format_code, new_code
from intake.platform.models.reporting import AnsweredMessage, ChannelUser, Draft
from intake.platform.models.tips import Tip
from intake.reporting.tips import public_view
from tests.test_serve import free_port
from tests.wechat_harness import AES_KEY, APPID, TOKEN, FakeWeChat, message_xml
from tipline.bootstrap import bootstrap
from tipline.serve import serve
from wechat.app import CALLBACK_PATH, MAX_BODY_BYTES, Account, callback_app
from wechat.crypto import signature
from wechat.split import MAX_BYTES

GRANDMA = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"

#: A report in the person's words: numbers for choices, "skip" for an optional question, a letter
#: for a typed question's other answers, 0 at "check your answers" to send it.
def script(description: str) -> list[str]:
    return [
        "2",          # money being paid now: no
        "1",          # reporting for myself
        "3",          # health products
        description,
        "2",          # know who did it: no
        "2",          # region 2
        "skip",       # place: left out
        "a",          # when: don't know
        "0",          # still going on: don't know
        "2000",       # money lost
        "1",          # paid in cash
        "4",          # 80 or older
        "1",          # evidence: none ("reply 1 when you have sent them all")
        "1",          # stay anonymous
        "skip",       # phone
        "skip",       # e-mail
        "2",          # notices: no
        "1",          # consent: yes
        "0",          # send
    ]


def wechat_of(core, client: httpx.AsyncClient, url: str = CALLBACK_PATH, aes_key: str = "") -> FakeWeChat:
    return FakeWeChat(client, url, lambda: core.clock.now().timestamp(), aes_key=aes_key)


@pytest.fixture
async def plain(core):
    app = callback_app(core, Account(TOKEN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as client:
        yield wechat_of(core, client)


@pytest.fixture
async def safe(core):
    app = callback_app(core, Account(TOKEN, appid=APPID, aes_key=AES_KEY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as client:
        yield wechat_of(core, client, aes_key=AES_KEY)


async def count(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


# --- the server check ------------------------------------------------------------------------

async def test_the_server_check_echoes_only_to_a_signed_call(plain):
    query = plain.signed_query()
    answered = await plain.client.get(CALLBACK_PATH, params={**query, "echostr": "4075181314397890557"})
    assert answered.status_code == 200 and answered.text == "4075181314397890557"
    forged = {**plain.signed_query(token="someone-elses-token"), "echostr": "1"}
    assert (await plain.client.get(CALLBACK_PATH, params=forged)).status_code == 403
    assert (await plain.client.get(CALLBACK_PATH, params={"echostr": "1"})).status_code == 403


async def test_the_server_check_refuses_an_old_timestamp(plain):
    old = plain.signed_query(timestamp=int(plain.now()) - 3600)
    assert (await plain.client.get(CALLBACK_PATH, params={**old, "echostr": "1"})).status_code == 403


# --- what is refused --------------------------------------------------------------------------

async def test_a_forged_or_old_message_is_refused_and_nothing_is_stored(core, plain):
    xml = message_xml(GRANDMA, int(plain.now()), "event", Event="subscribe")
    forged = await plain.client.post(CALLBACK_PATH, params=plain.signed_query(token="guessed"), content=xml.encode())
    old = await plain.post(xml, timestamp=int(plain.now()) - 301)
    assert (forged.status_code, old.status_code) == (403, 403)
    assert await count(core, ChannelUser) == 0 and await count(core, AnsweredMessage) == 0


async def test_safe_mode_refuses_plain_posts_and_bad_message_signatures(core, safe):
    xml = message_xml(GRANDMA, int(safe.now()), "event", Event="subscribe")
    plain_post = await safe.client.post(CALLBACK_PATH, params=safe.signed_query(), content=xml.encode())
    assert plain_post.status_code == 403
    query = safe.signed_query("not-the-encrypted-text")  # msg_signature over something else
    body = "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"
    assert (await safe.client.post(CALLBACK_PATH, params=query, content=body.encode())).status_code == 403
    assert await count(core, ChannelUser) == 0


@pytest.mark.parametrize("body", [
    # An entity expanded a billion times.
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><FromUserName>o</FromUserName><Content>&lol3;</Content></xml>',
    # An external entity reading a file of the server.
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>',
    "not xml at all",
    "",
])
async def test_hostile_xml_is_refused_without_expanding_anything(core, plain, body):
    response = await plain.client.post(CALLBACK_PATH, params=plain.signed_query(), content=body.encode())
    assert response.status_code == 400 and "root:" not in response.text
    assert await count(core, AnsweredMessage) == 0


async def test_hostile_xml_inside_a_safe_mode_message_is_refused(core, safe):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><FromUserName>o</FromUserName><Content>&a;</Content></xml>'
    assert (await safe.post(bomb)).status_code == 400
    assert await count(core, AnsweredMessage) == 0


async def test_an_oversized_body_is_refused(core, plain):
    xml = message_xml(GRANDMA, int(plain.now()), "text", Content="x" * MAX_BODY_BYTES, MsgId="1")
    assert (await plain.post(xml)).status_code == 413
    assert await count(core, AnsweredMessage) == 0


async def test_an_event_without_a_user_is_taken_and_nothing_stored(core, plain):
    xml = f"<xml><ToUserName>gh</ToUserName><CreateTime>{int(plain.now())}</CreateTime><MsgType>event</MsgType></xml>"
    assert plain.opened(await plain.post(xml)) == ""
    assert await count(core, AnsweredMessage) == 0


# --- retries ----------------------------------------------------------------------------------

async def test_a_retried_message_is_answered_once_with_the_same_reply(core, plain):
    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    first = await plain.say(GRANDMA, "2", msg_id=777)  # "no money is being paid now"
    again = await plain.say(GRANDMA, "2", msg_id=777)  # WeChat heard no answer: the same message again
    assert first == again and "Who are you reporting for?" in first
    following = await plain.say(GRANDMA, "1")
    assert "What was it about?" in following  # the retry answered nothing: "2" was not taken twice
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Draft)) == 1


async def test_a_retried_event_is_taken_once(plain):
    created = int(plain.now())
    question = await plain.event(GRANDMA, "subscribe", created=created)
    chosen = await plain.say(GRANDMA, "3")
    assert "Language: English" in chosen
    # WeChat posts the same subscribe again (no MsgId: the sender and CreateTime tell it):
    assert await plain.event(GRANDMA, "subscribe", created=created) == question
    # ...and it did not open the language question again: the next answer answers the report.
    assert "Who are you reporting for?" in await plain.say(GRANDMA, "2")


async def test_a_retry_in_safe_mode_gets_the_same_reply_sealed_again(safe):
    await safe.event(GRANDMA, "subscribe")
    first = await safe.say(GRANDMA, "3", msg_id=4242)
    assert await safe.say(GRANDMA, "3", msg_id=4242) == first and "Language: English" in first


# --- the conversation -------------------------------------------------------------------------

async def test_other_kinds_of_message_get_a_polite_answer_and_the_question_again(plain):
    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    video = message_xml(GRANDMA, int(plain.now()), "shortvideo", MediaId="m1", MsgId="9001")
    reply = plain.opened(await plain.post(video))
    assert "text, photos and voice messages here, not this kind" in reply and "Is money being paid" in reply
    odd = message_xml(GRANDMA, int(plain.now()), "shortvideo_of_the_future", MsgId="9002")
    assert "not this kind of message" in plain.opened(await plain.post(odd))


async def test_a_draft_survives_a_restart_and_the_language_can_be_changed(core, settings, clock):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=callback_app(core, Account(TOKEN))),
                                 base_url="http://tipline.test") as client:
        wechat = wechat_of(core, client)
        await wechat.event(GRANDMA, "subscribe")
        await wechat.say(GRANDMA, "1")  # 中文
        await wechat.say(GRANDMA, "2")
        assert Translator("zh_Hans")("What was it about?") in await wechat.say(GRANDMA, "1")
    restarted = await bootstrap(settings, clock=clock)  # a new process on the same database
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=callback_app(restarted, Account(TOKEN))),
                                     base_url="http://tipline.test") as client:
            wechat = wechat_of(restarted, client)
            asked = await wechat.say(GRANDMA, "语言")
            assert "Please choose your language." in asked and "བོད་ཡིག" in asked
            english = await wechat.say(GRANDMA, "3")  # English now, at the same question
            assert "Language: English" in english and "What was it about?" in english
    finally:
        await restarted.db.dispose()


async def test_the_progress_of_a_code_is_shown_and_guessing_is_limited(core, plain):
    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    receipt = None
    for line in script("Free lectures, then pills for 2000 yuan a box."):
        receipt = await plain.say(GRANDMA, line)
    code = receipt.split("Your tracking code is:\n")[1].split("\n")[0]
    shown = await plain.say(GRANDMA, f"查进度 {code}")
    assert f"Report {code}: Received" in shown
    assert "tracking code after “progress”" in await plain.say(GRANDMA, "查进度")
    refused = [await plain.say(GRANDMA, f"progress {format_code(new_code())}") for _ in range(11)]
    assert refused[0].startswith("We could not find a report")
    assert "too many tries with tracking codes" in refused[-1]


def test_every_command_word_is_read_in_each_language():
    from wechat.commands import Command, command_of

    assert command_of("查进度 4821 0937 5562") == (Command.PROGRESS, "4821 0937 5562")
    assert command_of("进度很慢，他们还在卖药") is None  # an answer that begins like the word
    for word in ("跳过", "skip"):
        assert command_of(word) == (Command.SKIP, "")
    assert command_of("ཕྱིར་ལོག") == (Command.BACK, "")


# --- whole reports, over real HTTP against `tipline serve` --------------------------------------

@pytest.mark.parametrize("language,number,description,thanks,mode", [
    ("zh_Hans", "1", "他们办免费讲座，然后卖保健品，一盒两千元。", "谢谢", "safe"),
    ("bo", "2", "ཁོ་ཚོས་རིན་མེད་ཀྱི་གསུང་བཤད་བྱས་ནས་སྨན་སྒམ་རེར་སྒོར་མོ་2000ལ་བཙོངས།", "ཐུགས་རྗེ་ཆེ", "plain"),
])
async def test_a_whole_report_through_signed_callbacks_to_a_running_server(core, caplog, language, number, description, thanks,
                                                                          mode):
    core.settings.wechat_token = TOKEN
    if mode == "safe":
        core.settings.wechat_appid, core.settings.wechat_aes_key = APPID, AES_KEY
    web_port, console_port = free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        async with httpx.AsyncClient() as client:
            wechat = wechat_of(core, client, f"http://127.0.0.1:{web_port}{CALLBACK_PATH}",
                               aes_key=AES_KEY if mode == "safe" else "")
            replies = [await wechat.event(GRANDMA, "subscribe"), *await wechat.read(GRANDMA, number)]
            for line in script(description):
                replies.extend(await wechat.read(GRANDMA, line))
            site = await client.get(f"http://127.0.0.1:{web_port}/")
        assert site.status_code == 200  # the public site is still the public site
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
    assert all(len(reply.encode("utf-8")) <= MAX_BYTES for reply in replies)  # each fits one passive reply
    assert "was cut" not in caplog.text  # ...as its page: nothing was lost on the way
    receipt = replies[-1]
    assert thanks in receipt
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert tip.language == language and tip.channel == "wechat" and tip.answers["description"] == description
    code = receipt.split("\n\n")[1].split("\n")[1]
    view = await public_view(core, code.replace(" ", ""))
    assert view is not None and format_code(code.replace(" ", "")) in receipt
    assert GRANDMA not in str(tip.channel_user_hash)  # the openid is kept only as a keyed hash


def test_the_reply_signature_is_the_one_wechat_checks():
    assert signature(TOKEN, "1", "2", "x") == signature("x", "2", "1", TOKEN)  # sorted, whatever the order


async def test_a_retry_while_the_first_post_is_still_handled_waits_for_its_reply(core, plain, monkeypatch):
    """WeChat gives up on a post after five seconds and posts again: the retry must not handle
    the message a second time; it answers with the first post's reply once that is ready."""
    from wechat import conversation

    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    handled, release = [], asyncio.Event()
    reply = conversation.reply

    async def slow_reply(core_, message):
        handled.append(message.text)
        await release.wait()
        return await reply(core_, message)

    monkeypatch.setattr(conversation, "reply", slow_reply)
    first = asyncio.create_task(plain.say(GRANDMA, "2", msg_id=31337))
    while not handled:
        await asyncio.sleep(0)
    retry = asyncio.create_task(plain.say(GRANDMA, "2", msg_id=31337))
    release.set()
    assert await first == await retry and "Who are you reporting for?" in await retry
    assert handled == ["2"]  # handled once


async def test_a_message_whose_handling_failed_is_taken_afresh_by_the_retry(core, plain, monkeypatch):
    from wechat import conversation

    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    reply, calls = conversation.reply, []

    async def failing_once(core_, message):
        calls.append(message.text)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return await reply(core_, message)

    monkeypatch.setattr(conversation, "reply", failing_once)
    xml = message_xml(GRANDMA, int(plain.now()), "text", Content="2", MsgId="5150")
    with pytest.raises(RuntimeError):  # the ASGI transport raises what a server answers with 500
        await plain.post(xml)
    assert "Who are you reporting for?" in plain.opened(await plain.post(xml))
    assert calls == ["2", "2"]


async def test_a_flood_of_messages_from_one_person_is_asked_to_slow_down(plain):
    from wechat.conversation import PERSON_LIMIT

    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    for _ in range(PERSON_LIMIT.count - 1):
        await plain.say(GRANDMA, "help")
    assert "sending messages very fast" in await plain.say(GRANDMA, "help")
    assert "Please choose your language." in await plain.event("someone-else", "subscribe")  # others unaffected


async def test_unfollowing_is_recorded_and_following_again_asks_the_language(core, plain):
    await plain.event(GRANDMA, "subscribe")
    await plain.say(GRANDMA, "3")
    assert await plain.event(GRANDMA, "unsubscribe") == ""  # "success": nothing to show
    async with core.db.session() as session:
        assert (await session.scalar(select(ChannelUser))).blocked
    assert "Please choose your language." in await plain.event(GRANDMA, "subscribe", created=int(plain.now()) + 1)
    async with core.db.session() as session:
        assert not (await session.scalar(select(ChannelUser))).blocked


async def test_a_reply_too_long_for_one_message_comes_in_pages_and_a_question_stays_whole(plain):
    await plain.event(GRANDMA, "subscribe")
    chosen = await plain.read(GRANDMA, "2")  # Tibetan: the welcome and the first question are 2,144 bytes
    assert len(chosen) == 2 and chosen[0].endswith("“མུ་མཐུད”གཏོང་རོགས།")
    question = Translator("bo")("Is money being paid to the suspected scammer right now, or is someone about to pay today?")
    assert question in chosen[1] and "1. " in chosen[1] and question not in chosen[0]
    assert all(len(page.encode("utf-8")) <= MAX_BYTES for page in chosen)
    # Nothing more waits now: "more" shows where the person is.
    assert question in await plain.say(GRANDMA, "more")
    # Any other message drops what waited: a page is never shown out of its turn.
    first = await plain.say(GRANDMA, "语言")
    assert "Please choose your language." in first
    assert "Please choose your language." in await plain.say(GRANDMA, "继续")


async def test_check_your_answers_in_tibetan_ends_with_how_to_send_on_its_last_page(plain):
    await plain.event(GRANDMA, "subscribe")
    await plain.read(GRANDMA, "2")
    lines = script("ཁོ་ཚོས་རིན་མེད་ཀྱི་གསུང་བཤད་བྱས་ནས་སྨན་བཙོངས། " * 3)
    for line in lines[:-2]:
        await plain.read(GRANDMA, line)
    review = await plain.read(GRANDMA, lines[-2])  # consent: yes
    assert len(review) > 1
    assert Translator("bo")("Reply 0 to send the report, or the number of an answer to change it.") in review[-1]
    assert "17. " in "".join(review)


async def test_kept_replies_are_purged_after_an_hour_by_the_daily_housekeeping(core, clock, plain):
    from intake.admin.retention import run_retention

    await plain.event(GRANDMA, "subscribe")
    await plain.read(GRANDMA, "2")  # a reply in pages: the rest kept
    assert await count(core, AnsweredMessage) >= 2
    clock.advance(minutes=61)
    await run_retention(core)
    assert await count(core, AnsweredMessage) == 0


async def test_a_safe_mode_message_sealed_for_another_account_is_refused(core, safe):
    from wechat.crypto import MessageCrypt
    from wechat.messages import cdata

    xml = message_xml(GRANDMA, int(safe.now()), "event", Event="subscribe")
    sealed = MessageCrypt(AES_KEY, "wx0000000000000000").encrypt(xml)  # the right key, another AppID
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{cdata(sealed)}</Encrypt></xml>"
    response = await safe.client.post(CALLBACK_PATH, params=safe.signed_query(sealed), content=body.encode())
    assert response.status_code == 403
    assert await count(core, ChannelUser) == 0


def test_the_language_is_chosen_by_its_number_in_any_digits_or_by_its_name():
    from wechat.commands import language_chosen

    assert [language_chosen(text) for text in ("1", "༢", "３", "English", "བོད་ཡིག", "中文")] == [
        "zh_Hans", "bo", "en", "en", "bo", "zh_Hans"]
    assert language_chosen("4") is None and language_chosen("hello") is None
