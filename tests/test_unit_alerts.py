"""Alerts to units (intake/notify/unit_alerts.py): a unit and each assisting unit learn of a new tip
without watching the queue, at once when it is urgent, by e-mail (a real SMTP server) or in
their Telegram group chat (the fake Bot API); a daily digest from the configured hour, once a day;
never a word of the reporter's personal data or of the description."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import make_bot
from bot.notifier import TelegramChannel
from bot.users import get_user
from i18n import Translator
from intake.casework.casework import reporter_reply, reroute_tip
from intake.domain.deployment import CONFIG_DIR, Deployment, load_deployment as read_deployment, read_config
from intake.notify.delivery_report import delivery_report
from intake.notify.dispatch import Dispatcher
from intake.platform.models.notifications import Notification, UnitDigest
from intake.platform.models.tips import Assignment, Tip
from intake.platform.schedule import run_due
from intake.notify.unit_alerts import (
    ACCEPT_LINE, CONSOLE_LINK, DIGEST_LINES, DIGEST_SUBJECT, NEW, NUMBERS_LINE, PRIORITY_WORDS, REROUTED, ROLE_LINES, SUBJECTS,
    TIP_LINE, URGENCY_LINE, URGENT_LINE, URGENT_SUBJECT, queue_digests,
)
from tests.bot_harness import fake_telegram  # noqa: F401 - fixture
from tests.factories import file_tip, staff
from tests.fake_telegram import TOKEN
from tests.test_outbox import smtp_server, smtp_settings  # noqa: F401 - the real SMTP server fixture
from tests.test_terminal_chat import SELF_ANONYMOUS
from tests.cli import Ran, run_tipline
from tipline.channels import EmailChannel
from tipline.serve import JOBS

_ = Translator("zh_Hans")  # units read Chinese
CIVIL, POLICE, MARKET, FINANCE = "990121-civil_affairs", "990121-police", "990121-market_regulation", "990121-finance_office"
ADDRESSES = {CIVIL: "minzheng@donghu.example.gov.cn", POLICE: "gongan@donghu.example.gov.cn",
             MARKET: "shichang@donghu.example.gov.cn", FINANCE: "jinrong@donghu.example.gov.cn"}
GROUP_CHAT = -1001234567890
#: The reporter's and the victim's personal data and the description (tests/walk.py): never in an alert.
SECRETS = ("李建国", "139-0013-9000", "13900139000", "wang.son@example.com", "王秀英", "138 0013 8000", "13800138000",
           "贵宾卡", "三万元", "福寿康", "张经理", "0571")


def with_units(core, changes: dict[str, dict]) -> None:
    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, **changes.get(u["code"], {})} for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)


def with_settings(core, **values) -> None:
    core.settings = core.settings.model_copy(update=values)


def care_service_label(core) -> str:
    return core.deployment.category_by_code["care_service"].label.zh_Hans


def health_label(config: Path) -> str:
    return read_deployment(config).category_by_code["care_product"].label.zh_Hans


def assert_nothing_personal(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


async def active_units(core, tip_id: int) -> dict[str, str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id, Assignment.active.is_(True)))).all()
    return {a.unit_code: a.role for a in rows}


async def test_an_urgent_tip_reaches_the_lead_and_every_assisting_unit_by_email_at_once(core, settings, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    with_units(core, {code: {"email": address} for code, address in ADDRESSES.items()})
    with_settings(core, console_base_url="https://console.tipline.example.gov.cn")
    tip_id = (await file_tip(core, urgent="yes")).tip_id  # money is being paid right now: the police lead
    assert await active_units(core, tip_id) == {POLICE: "lead", CIVIL: "assisting", MARKET: "assisting", FINANCE: "assisting"}

    await Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1").run_once()

    to_units = {m["To"]: m for m in mailbox.messages if m["To"] in ADDRESSES.values()}
    assert set(to_units) == set(ADDRESSES.values())
    subject = _(URGENT_SUBJECT, subject=_(SUBJECTS[NEW], id=tip_id, category=care_service_label(core)))
    for address, message in to_units.items():
        body = message.get_content()
        assert message["Subject"] == subject and message["Content-Language"] == "zh-Hans"
        assert _(TIP_LINE, id=tip_id) in body and _(URGENT_LINE) in body
        assert _(URGENCY_LINE, urgency=_(PRIORITY_WORDS["urgent"])) in body
        assert _(ACCEPT_LINE, date="2026-12-12") in body  # 15 days from 27 November
        assert _(CONSOLE_LINK, url=f"https://console.tipline.example.gov.cn/tips/{tip_id}") in body
        assert_nothing_personal(message["Subject"] + body)
    assert _(ROLE_LINES["lead"]) in to_units[ADDRESSES[POLICE]].get_content()
    assert _(ROLE_LINES["assisting"]) in to_units[ADDRESSES[CIVIL]].get_content()
    # The reporter's own notice went to the reporter alone, and the alerts are not notices to the reporter.
    assert [m["To"] for m in mailbox.messages if m["To"] not in ADDRESSES.values()] == ["wang.son@example.com"]
    report = await delivery_report(core, tip_id)
    assert sorted(r["kind"] for r in report) == ["status"] + ["unit_alert"] * 4 and {r["status"] for r in report} == {"sent"}


async def test_the_units_telegram_group_chat_gets_the_alert_through_the_bot(core, fake_telegram):  # noqa: F811
    with_units(core, {POLICE: {"telegram_chat": str(GROUP_CHAT)}, CIVIL: {"telegram_chat": "-1009"}})
    fake_telegram.blocked.add(-1009)  # the bot was never added to the civil affairs group
    tip_id = (await file_tip(core, urgent="yes")).tip_id
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    try:
        await Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t").run_once()
    finally:
        await bot.session.close()
    (message,) = fake_telegram.sent_to(GROUP_CHAT)
    lines = message.text.splitlines()
    assert lines[0] == _(URGENT_SUBJECT, subject=_(SUBJECTS[NEW], id=tip_id, category=care_service_label(core)))
    assert _(TIP_LINE, id=tip_id) in lines and message.reply_markup is None  # no rating buttons in a unit's chat
    assert_nothing_personal(message.text)
    async with core.db.session() as session:
        refused = await session.scalar(select(Notification).where(Notification.stream == f"unit:{CIVIL}:telegram"))
    assert (refused.status, refused.last_error) == ("dead", "the bot is not a member of the unit's group chat (403)")
    assert await get_user(core, "-1009") is None  # a unit's chat is not a person to mark as having blocked the bot


async def test_a_plain_alert_for_a_new_tip_none_when_only_urgent_ones_are_alerted_and_one_on_rerouting(core, settings, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    west = "990122-civil_affairs"
    with_units(core, {CIVIL: {"email": ADDRESSES[CIVIL]}, west: {"email": "minzheng@xiling.example.gov.cn"}})
    plain = (await file_tip(core)).tip_id
    with_settings(core, unit_alerts_immediate="urgent")
    quiet = (await file_tip(core)).tip_id
    lead = await staff(core, "zhao", "unit_lead", CIVIL)
    await reroute_tip(core, quiet, west, staff=lead, reason="养老院实际在西湖县")
    await Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1").run_once()

    plain_alert = (ADDRESSES[CIVIL], _(SUBJECTS[NEW], id=plain, category=care_service_label(core)))  # no "urgent"
    # The second tip and its re-routing: not urgent, and this deployment now alerts only urgent tips at once.
    assert [(m["To"], m["Subject"]) for m in mailbox.messages if m["To"] != "wang.son@example.com"] == [plain_alert]
    with_settings(core, unit_alerts_immediate="all")
    back = await staff(core, "sun", "unit_lead", west)
    await reroute_tip(core, quiet, CIVIL, staff=back, reason="还是东湖县")
    await Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1").run_once()
    received = [(m["To"], m["Subject"]) for m in mailbox.messages if m["To"] != "wang.son@example.com"]
    assert received == [plain_alert, (ADDRESSES[CIVIL], _(SUBJECTS[REROUTED], id=quiet, category=care_service_label(core)))]


async def test_the_daily_digest_comes_from_the_hour_once_a_day_with_counts_and_numbers_only(core, clock, settings, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    with_units(core, {CIVIL: {"email": ADDRESSES[CIVIL]}})
    with_settings(core, unit_alerts_immediate="urgent")  # only the digest speaks of these tips
    outbox = Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1")
    clock.current = datetime(2026, 11, 26, 22, 30, tzinfo=timezone.utc)  # 06:30 on 27 November in Beijing time
    first = (await file_tip(core)).tip_id
    second = (await file_tip(core)).tip_id

    assert await queue_digests(core) == []  # not before 08:00
    clock.advance(hours=1, minutes=29)
    assert await queue_digests(core) == []  # 07:59
    clock.advance(minutes=1)
    (queued,) = await queue_digests(core)
    assert (queued.unit, queued.contents.new, queued.contents.overdue, queued.contents.answered) == (CIVIL, [first, second], [], [])
    assert await queue_digests(core) == []  # once a day
    clock.advance(hours=6)
    assert await queue_digests(core) == []  # still once a day
    await outbox.run_once()

    def digests() -> list:
        return [m for m in mailbox.messages if m["To"] == ADDRESSES[CIVIL]]

    (mail,) = digests()
    assert mail["Subject"] == _(DIGEST_SUBJECT, date="2026-11-27", unit="东湖县民政局", new=2, overdue=0, answered=0)
    body = mail.get_content()
    assert _(DIGEST_LINES["new"], count=2) + "\n" + _(NUMBERS_LINE, numbers=f"{first}、{second}") in body
    assert_nothing_personal(body)

    third = (await file_tip(core)).tip_id  # 14:00 on the 27th, after the digest
    await reporter_reply(core, first, "收据我还留着。", language="zh_Hans")
    clock.advance(hours=18)  # 08:00 on the 28th
    (queued,) = await queue_digests(core)
    assert (queued.contents.new, queued.contents.overdue, queued.contents.answered) == ([third], [], [first])
    clock.advance(days=16)  # nobody accepted them: all three are past the 15-day deadline
    (queued,) = await queue_digests(core)
    assert (queued.contents.new, queued.contents.overdue, queued.contents.answered) == ([], [first, second, third], [])
    await outbox.run_once()
    assert len(digests()) == 3
    assert digests()[-1]["Subject"] == _(DIGEST_SUBJECT, date="2026-12-14", unit="东湖县民政局", new=0, overdue=3, answered=0)
    async with core.db.session() as session:
        days = (await session.execute(select(UnitDigest.unit_code, UnitDigest.day).order_by(UnitDigest.day))).all()
        no_tip = (await session.scalars(select(Notification).where(Notification.tip_id.is_(None)))).all()
    assert days == [(CIVIL, "2026-11-27"), (CIVIL, "2026-11-28"), (CIVIL, "2026-12-14")]  # units without an address: none
    assert len(no_tip) == 3 and {n.status for n in no_tip} == {"sent"}


async def test_the_schedule_in_serve_queues_the_digest_by_itself(core, clock):
    with_units(core, {CIVIL: {"telegram_chat": str(GROUP_CHAT)}})
    clock.current = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing time
    tip_id = (await file_tip(core)).tip_id
    assert "unit digest" in await run_due(core, JOBS, "instance-a", hold=timedelta(minutes=1))
    async with core.db.session() as session:
        digest = await session.scalar(select(Notification).where(Notification.tip_id.is_(None)))
    assert digest is not None and digest.channel == "telegram" and digest.payload["new"] == {"count": 1, "ids": [tip_id]}


def test_tipline_alerts_digest_sends_once_a_day(tmp_path: Path, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    unit = "990122-market_regulation"  # the anonymous health-products reporter's county (tests/test_terminal_chat.py)
    units = (config / "units.toml").read_text()
    marker = f'code = "{unit}"\n'
    (config / "units.toml").write_text(units.replace(marker, marker + 'email = "shichang@xiling.example.gov.cn"\n'))
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": "", "TIPLINE_CONFIG_DIR": str(config),
           "TIPLINE_SMTP_HOST": "127.0.0.1", "TIPLINE_SMTP_PORT": str(port), "TIPLINE_TELEGRAM_TOKEN": ""}

    def tipline(*args: str, input: str | None = None) -> Ran:
        return run_tipline(*args, input=input, env=env)

    chat = tipline("chat", "--lang", "en", "--session", "grandma", input="\n".join(SELF_ANONYMOUS) + "\n")
    assert chat.returncode == 0, chat.stderr
    first = tipline("alerts", "digest")
    assert first.returncode == 0, first.stderr
    assert f"{unit}: 1 new, 0 overdue, 0 answered" in first.stdout and "digests queued: 1" in first.stdout
    again = tipline("alerts", "digest")
    assert again.returncode == 0 and "digests queued: 0" in again.stdout
    to_unit = [m for m in mailbox.messages if m["To"] == "shichang@xiling.example.gov.cn"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    name = read_deployment(config).unit_name(unit, "zh_Hans")
    digest = _(DIGEST_SUBJECT, date=today, unit=name, new=1, overdue=0, answered=0)
    assert sorted(m["Subject"] for m in to_unit) == sorted([digest, _(SUBJECTS[NEW], id=1, category=health_label(config))])
    assert_nothing_personal(" ".join(m.get_content() for m in to_unit))
    assert "Free lectures" not in " ".join(m.get_content() for m in to_unit)


@pytest.mark.parametrize("value", ["-100123", "123", ""])
def test_a_units_telegram_chat_is_a_numeric_chat_id(value):
    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**raw["units"][0], "telegram_chat": value}, *raw["units"][1:]]
    assert Deployment.model_validate(raw).units[0].telegram_chat == value
    raw["units"][0]["telegram_chat"] = "@some_group"
    with pytest.raises(ValueError):
        Deployment.model_validate(raw)


async def test_alerts_are_not_sent_for_tips_of_units_without_an_address(core):
    tip_id = (await file_tip(core, urgent="yes")).tip_id
    async with core.db.session() as session:
        alerts = (await session.scalars(select(Notification).where(Notification.kind == "unit_alert"))).all()
        tip = await session.get(Tip, tip_id)
    assert alerts == [] and tip.priority == "urgent"
