"""Progress notices to WeChat reporters through the outbox, against the fake WeChat API over real
HTTP: staff move a tip (intake casework) and the reporter hears of it by a customer-service
message inside the 48-hour window, a subscription notice outside it, or their next channel; in
each account mode; the shared access token replaced once when refused; failures retried in order."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import delete, select

from i18n import Translator
from intake.casework.casework import move_tip
from intake.domain.workflow import STATUS_LABELS, Status
from intake.notify.delivery_report import delivery_report
from intake.notify.dispatch import Dispatcher
from intake.notify.outbox import Notice
from intake.platform.models.notifications import Notification
from intake.platform.models.reporting import ApiToken
from intake.platform.settings import Settings, WeChatTemplate
from tests.cli import run_tipline
from tests.console_support import client_for, make_staff, sign_in
from tests.factories import file_tip, staff
from tests.fake_wechat_api import APPID, SECRET, FakeWeChatApi, fake_api  # noqa: F401 - fake_api is a fixture
from tests.test_faults_support import redis_server  # noqa: F401 - fixture
from tests.test_serve import free_port
from tests.walk import ANSWERS_FOR_MOTHER
from tests.wechat_harness import TOKEN, FakeWeChat, message_xml
from tipline.channels.sms import LogSmsChannel
from tipline.serve import serve
from wechat.api import WeChatApi
from wechat.app import CALLBACK_PATH, Account, callback_app
from wechat.notifier import WeChatChannel, _fits
from wechat.split import MAX_BYTES, joins_previous

GRANDSON = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
UNIT = "990121-civil_affairs"
TEMPLATES = {"status_update": WeChatTemplate(id="TPL-progress-1", fields={"thing1": "status", "time2": "date"})}


@pytest.fixture
def service(core, fake_api):
    """A verified service account whose API is the fake."""
    s = core.settings
    s.wechat_token, s.wechat_appid, s.wechat_secret, s.wechat_api_base = TOKEN, APPID, SECRET, fake_api.base_url
    s.wechat_account, s.wechat_templates = "service", TEMPLATES
    return core


@pytest.fixture
async def wechat(core):
    """WeChat's servers posting the person's messages to our callback."""
    app = callback_app(core, Account(TOKEN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as client:
        yield FakeWeChat(client, CALLBACK_PATH, lambda: core.clock.now().timestamp())


def outbox(core, tmp_path, **options) -> Dispatcher:
    channels = {"wechat": WeChatChannel(core), "sms": LogSmsChannel(tmp_path / "sms.jsonl")}
    return Dispatcher(core, channels, worker_id="test", **options)


async def wechat_tip(core, language: str = "zh_Hans", *, email: bool = True, phone: bool = True, **answers):
    answers = {**{k: v for k, v in ANSWERS_FOR_MOTHER.items()
                  if (email or k != "reporter_email") and (phone or k not in ("reporter_phone", "reporter_name"))}, **answers}
    return await file_tip(core, answers, channel="wechat", channel_address=GRANDSON, owner=GRANDSON, language=language)


async def reported(core, wechat: FakeWeChat, fake_api: FakeWeChatApi, tmp_path, language: str = "zh_Hans", **contact):
    """A report sent through the account (the person wrote, the window is open), its "received"
    notice delivered and set aside."""
    await wechat.say(GRANDSON, "1")
    fake_api.open_window(GRANDSON)
    receipt = await wechat_tip(core, language, **contact)
    await deliver_all(outbox(core, tmp_path), core.clock)
    if core.settings.wechat_account == "service":
        assert [m.kind for m in fake_api.delivered] == ["custom"]
        fake_api.delivered.clear()
        fake_api.calls.clear()
    return receipt


def label(language: str, status: Status) -> str:
    return Translator(language)(STATUS_LABELS[status])


def sms_sent(tmp_path) -> list[dict]:
    path = tmp_path / "sms.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def deliver_all(dispatcher: Dispatcher, clock, rounds: int = 30) -> None:
    for _ in range(rounds):
        await dispatcher.run_once()
        async with dispatcher.core.db.session() as session:
            left = (await session.scalars(select(Notification).where(Notification.status.in_(("pending", "failed", "sending"))))).all()
        if not left:
            return
        clock.advance(hours=1)
    raise AssertionError("notices were left undelivered")


# --- a service account ---------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_inside_the_window_the_reporter_reads_the_step_in_their_language(service, fake_api, wechat, tmp_path, language):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path, language)  # the person wrote: the 48-hour window is open
    officer = await staff(core, "wang", "officer", UNIT)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    assert await outbox(core, tmp_path).run_once() == 1
    [message] = fake_api.received(GRANDSON)
    assert message.kind == "custom" and label(language, Status.ACCEPTED) in message.text
    assert "12345" in message.text  # the safety footer, whom to call
    assert not sms_sent(tmp_path)


async def test_outside_the_window_a_subscription_notice_carries_the_template_never_free_text(service, fake_api, wechat, clock, tmp_path):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path)
    officer = await staff(core, "wang", "officer", UNIT)
    clock.advance(hours=49)  # the window has closed; the person had accepted one notice
    fake_api.consent(GRANDSON)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    assert await outbox(core, tmp_path).run_once() == 1
    [notice] = fake_api.received(GRANDSON)
    assert notice.kind == "subscribe" and notice.template_id == "TPL-progress-1"
    assert notice.data["thing1"] == label("zh_Hans", Status.ACCEPTED) and "年" in notice.data["time2"]
    assert not fake_api.sent_calls("cgi-bin/message/custom/send")  # the closed window is known, not tried
    assert not sms_sent(tmp_path)


async def test_outside_the_window_without_consent_the_notice_goes_by_sms_once(service, fake_api, wechat, clock, tmp_path):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path, "bo", email=False)
    officer = await staff(core, "wang", "officer", UNIT)
    clock.advance(hours=49)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    dispatcher = outbox(core, tmp_path)
    await deliver_all(dispatcher, clock)
    assert not fake_api.received(GRANDSON)
    [sms] = sms_sent(tmp_path)
    assert sms["template"] == "status_update" and sms["params"]["status"] == label("bo", Status.ACCEPTED)
    report = await delivery_report(core, receipt.tip_id)
    steps = [(r["channel"], r["status"]) for r in report]
    assert steps == [("wechat", "sent"), ("wechat", "passed"), ("sms", "sent")]
    assert "43101" in report[-2]["last_error"] and "passed on to sms" in report[-2]["last_error"]
    await deliver_all(dispatcher, clock)
    assert len(sms_sent(tmp_path)) == 1  # none twice


@pytest.mark.parametrize("errcode", [45015, 45047])  # the window closed after all; too many messages in it
async def test_a_window_wechat_says_is_closed_falls_back_to_the_subscription_notice(service, fake_api, wechat, tmp_path, errcode):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path)
    officer = await staff(core, "wang", "officer", UNIT)
    fake_api.answer_errcode("cgi-bin/message/custom/send", errcode)  # our row says the window is open
    fake_api.consent(GRANDSON)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    assert await outbox(core, tmp_path).run_once() == 1
    assert [m.kind for m in fake_api.received(GRANDSON)] == ["subscribe"]


async def test_an_expired_token_is_replaced_once_and_the_notice_sent_once(service, fake_api, wechat, tmp_path):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path, "en")
    officer = await staff(core, "wang", "officer", UNIT)
    dispatcher = outbox(core, tmp_path)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    assert await dispatcher.run_once() == 1
    fake_api.expire_token()  # before the expiry it was given with
    await move_tip(core, receipt.tip_id, "verifying", staff=officer)
    assert await dispatcher.run_once() == 1
    assert fake_api.tokens_issued == 2
    assert len(fake_api.sent_calls("cgi-bin/message/custom/send")) == 3  # sent, refused (42001), sent
    assert len(fake_api.sent_calls("cgi-bin/token")) == 1  # this test's: the first came with the report
    texts = [m.text for m in fake_api.received(GRANDSON)]
    assert [label("en", s) in t for s, t in zip((Status.ACCEPTED, Status.VERIFYING), texts)] == [True, True]
    assert len(texts) == 2


async def test_failing_sends_are_retried_and_arrive_in_order_none_twice(service, fake_api, wechat, clock, tmp_path):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path)
    officer = await staff(core, "wang", "officer", UNIT)
    dispatcher = outbox(core, tmp_path, send_timeout=2)  # generous: on a loaded machine the sends that answer must not time out
    fake_api.fail_once("cgi-bin/message/custom/send", 502)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await move_tip(core, receipt.tip_id, "verifying", staff=officer)
    assert await dispatcher.run_once() == 0  # the first fails: the second waits behind it
    fake_api.stall("cgi-bin/message/custom/send")
    clock.advance(minutes=5)
    assert await dispatcher.run_once() == 0  # no answer in time
    fake_api.release()
    clock.advance(hours=1)
    await deliver_all(dispatcher, clock)
    texts = [m.text for m in fake_api.received(GRANDSON)]
    assert len(texts) == 2
    assert label("zh_Hans", Status.ACCEPTED) in texts[0] and label("zh_Hans", Status.VERIFYING) in texts[1]
    report = [r for r in await delivery_report(core, receipt.tip_id) if r["channel"] == "wechat"]
    assert [r["status"] for r in report][-2:] == ["sent", "sent"] and report[-2]["attempts"] == 3


async def test_a_long_notice_comes_in_several_messages_cut_between_sentences(service, fake_api, wechat):
    core = service
    await wechat.say(GRANDSON, "1")
    fake_api.open_window(GRANDSON)
    sentence = "ཁོ་ཚོས་རིན་མེད་ཀྱི་གསུང་བཤད་བྱས་ནས་སྨན་སྒམ་རེར་སྒོར་མོ་ཉིས་སྟོང་ལ་བཙོངས། "
    body = sentence * 60
    await WeChatChannel(core).send(Notice("wechat", GRANDSON, "bo", "", body))
    parts = [m.text for m in fake_api.received(GRANDSON)]
    assert len(parts) > 1 and all(len(p.encode("utf-8")) <= MAX_BYTES for p in parts)
    assert all(p.endswith("།") for p in parts)
    assert "".join(parts).replace(" ", "") == body.replace(" ", "")


async def test_the_token_is_shared_by_workers_and_fetched_again_before_it_expires(service, fake_api, clock):
    core = service
    first, second = WeChatApi(core), WeChatApi(core)  # two workers
    assert await first.token() == await second.token() == "ACCESS_TOKEN_1"
    clock.advance(minutes=110)
    assert await second.token() == "ACCESS_TOKEN_1"
    clock.advance(minutes=6)  # less than five minutes left
    assert await first.token() == "ACCESS_TOKEN_2" == await second.token()
    assert fake_api.tokens_issued == 2


async def test_an_unfollowed_person_is_not_sent_to_the_notice_goes_on(service, fake_api, wechat, tmp_path, clock):
    core = service
    receipt = await reported(core, wechat, fake_api, tmp_path, email=False)
    officer = await staff(core, "wang", "officer", UNIT)
    await wechat.event(GRANDSON, "unsubscribe")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await deliver_all(outbox(core, tmp_path), clock)
    assert not fake_api.calls and len(sms_sent(tmp_path)) == 1


# --- an unverified account -----------------------------------------------------------------------

async def test_an_unverified_account_sends_notices_by_sms_and_never_calls_the_api(service, fake_api, wechat, clock, tmp_path):
    core = service
    core.settings.wechat_account = "unverified"
    receipt = await reported(core, wechat, fake_api, tmp_path, email=False)
    officer = await staff(core, "wang", "officer", UNIT)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await move_tip(core, receipt.tip_id, "verifying", staff=officer)
    await deliver_all(outbox(core, tmp_path), clock)
    assert not fake_api.calls
    assert [sms["params"]["status"] for sms in sms_sent(tmp_path)] == [label("zh_Hans", s) for s in
                                                                       (Status.SUBMITTED, Status.ACCEPTED, Status.VERIFYING)]


async def test_an_unverified_account_with_no_other_channel_leaves_the_notice_on_the_status_page(service, fake_api, wechat, clock,
                                                                                                  tmp_path):
    core = service
    core.settings.wechat_account = "unverified"
    receipt = await wechat_tip(core, "zh_Hans", email=False, phone=False, contact_mode="anonymous")
    officer = await staff(core, "wang", "officer", UNIT)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await deliver_all(outbox(core, tmp_path), clock)
    assert not fake_api.calls and not sms_sent(tmp_path)
    report = await delivery_report(core, receipt.tip_id)
    assert report[-1]["status"] == "passed" and "status page" in report[-1]["last_error"]
    reply = await wechat.say(GRANDSON, "1")  # (the language) then 查进度 with the code shows the step
    assert reply
    progress = "\n".join(await wechat.read(GRANDSON, f"查进度 {receipt.code}"))
    assert label("zh_Hans", Status.ACCEPTED) in progress


# --- the account's menu --------------------------------------------------------------------------

async def tipline(*args: str, env: dict):
    """`tipline …` in a thread, while this loop serves the fake API."""
    return await asyncio.to_thread(run_tipline, *args, env=env)


async def test_the_menu_is_created_through_the_api_in_the_accounts_language(fake_api, tmp_path):
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": "", "TIPLINE_WECHAT_APPID": APPID,
           "TIPLINE_WECHAT_SECRET": SECRET, "TIPLINE_WECHAT_API_BASE": fake_api.base_url, "TIPLINE_DEFAULT_LANGUAGE": "zh_Hans"}
    ran = await tipline("wechat", "menu", env=env)
    assert ran.returncode == 0, ran.stderr
    assert "举报 / 查进度 / 说明" in ran.stdout
    [created] = fake_api.menus
    bar = created["button"]
    assert [b["name"] for b in bar] == ["举报", "查进度", "说明"]
    assert [(b["name"], b["key"]) for b in bar[2]["sub_button"]] == [("说明", "ABOUT"), ("语言", "LANGUAGE")]
    english = await tipline("wechat", "menu", "--language", "en", env=env)
    assert english.returncode == 0 and [b["name"] for b in fake_api.menus[-1]["button"]] == ["Report", "Progress", "About"]


async def test_a_menu_whose_names_wechat_would_refuse_is_not_sent(fake_api, tmp_path):
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": "", "TIPLINE_WECHAT_APPID": APPID,
           "TIPLINE_WECHAT_SECRET": SECRET, "TIPLINE_WECHAT_API_BASE": fake_api.base_url}
    tibetan = await tipline("wechat", "menu", "--language", "bo", env=env)  # 3 bytes a character: over 16 bytes
    said = tibetan.stdout + tibetan.stderr
    assert tibetan.returncode != 0 and "WeChat allows 16" in said and "--language zh_Hans" in said
    no_secret = await tipline("wechat", "menu", env={**env, "TIPLINE_WECHAT_SECRET": ""})
    assert no_secret.returncode != 0 and "TIPLINE_WECHAT_SECRET" in no_secret.stdout + no_secret.stderr
    assert not fake_api.menus


@pytest.mark.parametrize("key,expected", [
    ("REPORT", "Is money being paid to the suspected scammer right now"),
    ("LANGUAGE", "Please choose your language."),
])
async def test_a_tap_on_the_menu_acts_as_the_word_typed(core, wechat, key, expected):
    await wechat.say(GRANDSON, "3")  # English
    xml = message_xml(GRANDSON, int(core.clock.now().timestamp()), "event", Event="CLICK", EventKey=key)
    reply = wechat.opened(await wechat.post(xml))
    assert expected in reply


async def test_with_redis_the_token_is_shared_there_and_the_database_is_the_fallback(service, fake_api, redis_server):
    core = service
    core.settings = core.settings.model_copy(update={"redis_url": redis_server.url})
    first, second = WeChatApi(core), WeChatApi(core)
    assert await first.token() == "ACCESS_TOKEN_1"
    async with core.db.transaction() as session:  # the row is only the fallback: Redis is read first
        await session.execute(delete(ApiToken))
    assert await second.token() == "ACCESS_TOKEN_1" and fake_api.tokens_issued == 1
    assert await second.token(refused="ACCESS_TOKEN_1") == "ACCESS_TOKEN_2"  # refused: replaced, in Redis too
    assert await first.token() == "ACCESS_TOKEN_2"
    redis_server.kill()  # Redis down: the row written beside it carries on
    assert await first.token() == "ACCESS_TOKEN_2" and fake_api.tokens_issued == 2


async def test_tipline_serve_delivers_wechat_notices_through_the_api(service, fake_api, clock):
    """The composition root registers the channel: a step reaches the reporter from a running server."""
    core = service
    web_port, console_port = free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        async with httpx.AsyncClient() as client:
            wechat = FakeWeChat(client, f"http://127.0.0.1:{web_port}{CALLBACK_PATH}", lambda: core.clock.now().timestamp())
            await wechat.say(GRANDSON, "2")  # བོད་ཡིག
        fake_api.open_window(GRANDSON)
        receipt = await wechat_tip(core, "bo")
        officer = await staff(core, "wang", "officer", UNIT)
        await move_tip(core, receipt.tip_id, "accepted", staff=officer)
        for _ in range(300):  # the dispatcher looks for work every second
            if len(fake_api.received(GRANDSON)) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
    texts = [m.text for m in fake_api.received(GRANDSON)]
    assert len(texts) == 2 and label("bo", Status.SUBMITTED) in texts[0] and label("bo", Status.ACCEPTED) in texts[1]


async def test_staff_see_on_the_tip_page_that_a_wechat_notice_was_passed_on(service, fake_api, wechat, clock, tmp_path):
    core = service
    core.settings.wechat_account = "unverified"
    receipt = await reported(core, wechat, fake_api, tmp_path, email=False)
    await make_staff(core, "li", "officer", UNIT, language="zh_Hans")
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = (await client.get(f"/tips/{receipt.tip_id}")).text
    assert "微信" in page and "已转由下一个渠道发送" in page and "短信" in page


def test_a_subscription_field_is_cut_to_its_length_never_inside_a_tibetan_stack():
    status = "ཞིབ་བཤེར་ཆེད་ཁས་བླངས་ཟིན། ཞིབ་བཤེར་བྱེད་བཞིན་པ"
    cut = _fits("thing1", status)
    assert len(cut) <= 20 and cut.endswith("…") and status.startswith(cut[:-1])
    assert not joins_previous(status[len(cut) - 1])  # the next letter after the cut begins a stack
    assert _fits("thing1", "已受理，等待核查") == "已受理，等待核查" and _fits("phrase2", "已受理等待核查") == "已受理等…"


async def test_a_service_account_without_its_secret_passes_notices_on(service, fake_api, wechat, clock, tmp_path):
    core = service
    core.settings.wechat_secret = ""
    await wechat.say(GRANDSON, "1")
    fake_api.open_window(GRANDSON)
    await wechat_tip(core, email=False)
    await deliver_all(outbox(core, tmp_path), clock)
    assert not fake_api.calls and [sms["params"]["status"] for sms in sms_sent(tmp_path)] == [label("zh_Hans", Status.SUBMITTED)]


@pytest.mark.parametrize("templates", ['{"status_update": "TPL-1"}', '{"status_update": {"id": ""}}',
                                       '{"status_update": {"id": "TPL-1", "fields": ["thing1"]}}'])
def test_subscription_templates_set_wrong_are_refused_at_start_naming_the_setting(monkeypatch, templates):
    monkeypatch.setenv("TIPLINE_WECHAT_TEMPLATES", templates)
    with pytest.raises(ValueError, match="wechat_templates"):
        Settings()
    monkeypatch.setenv("TIPLINE_WECHAT_TEMPLATES", '{"status_update": {"id": "TPL-1", "fields": {"thing1": "status"}}}')
    assert Settings().wechat_templates["status_update"].fields == {"thing1": "status"}


async def test_an_unverified_account_tells_a_reporter_who_writes_again_the_waiting_notices_once(service, fake_api, wechat, clock,
                                                                                                 tmp_path):
    core = service
    core.settings.wechat_account = "unverified"
    await wechat.say(GRANDSON, "3")  # English
    receipt = await wechat_tip(core, "en", email=False, phone=False, contact_mode="anonymous")
    officer = await staff(core, "wang", "officer", UNIT)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await deliver_all(outbox(core, tmp_path), clock)  # no message may carry them: they wait
    reply = "\n".join(await wechat.read(GRANDSON, "help"))
    received, accepted = reply.find(label("en", Status.SUBMITTED)), reply.find(label("en", Status.ACCEPTED))
    assert -1 < received < accepted < reply.find("Answer each question with a message")  # in order, before the answer
    assert label("en", Status.ACCEPTED) not in "\n".join(await wechat.read(GRANDSON, "help"))  # once
    assert not fake_api.calls and not sms_sent(tmp_path)
    report = await delivery_report(core, receipt.tip_id)
    assert [r["status"] for r in report] == ["sent", "sent"] and "shown when the person wrote again" in report[-1]["last_error"]


async def test_a_notice_passed_on_to_sms_is_not_told_again_in_the_chat(service, fake_api, wechat, clock, tmp_path):
    core = service
    core.settings.wechat_account = "unverified"
    await wechat.say(GRANDSON, "3")
    receipt = await wechat_tip(core, "en", email=False)
    await deliver_all(outbox(core, tmp_path), clock)
    assert len(sms_sent(tmp_path)) == 1
    assert label("en", Status.SUBMITTED) not in "\n".join(await wechat.read(GRANDSON, "help"))
    assert [r["status"] for r in await delivery_report(core, receipt.tip_id)] == ["passed", "sent"]
