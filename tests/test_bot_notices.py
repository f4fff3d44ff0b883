"""Progress notices through the Telegram channel against the fake Bot API (story 8 and the
channel's failure rules): an outage, a lost reply, a blocked chat, 429, long notices."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from bot.app import make_bot
from bot.notifier import RateLimited, TelegramChannel
from bot.users import get_user
from intake.casework.casework import move_tip
from intake.notify.delivery_report import delivery_report
from intake.notify.dispatch import Dispatcher
from intake.platform.models.notifications import Notification
from intake.notify.outbox import DeliveryError, Notice
from tests.bot_harness import fake_telegram  # noqa: F401 - fixture
from tests.fake_telegram import TOKEN
from tests.factories import file_tip, staff

STEPS = ("accepted", "verifying", "substantiated")
LABELS = ["Received", "Accepted for checking", "Being checked", "Confirmed"]


@pytest.fixture
async def bot(fake_telegram):
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    yield bot
    await bot.session.close()


async def _telegram_tip(core, chat_id: int, language: str = "en"):
    return await file_tip(core, channel="telegram", channel_address=str(chat_id), owner=str(chat_id), language=language)


def _labels(fake, chat_id: int) -> list[str]:
    return [m.text.splitlines()[0].split(": ", 1)[1] for m in fake.sent_to(chat_id)]


async def _deliver_all(outbox: Dispatcher, clock, rounds: int = 30) -> None:
    for _ in range(rounds):
        await outbox.run_once()
        async with outbox.core.db.session() as session:
            left = (await session.scalars(select(Notification).where(Notification.status.in_(("pending", "failed", "sending"))))).all()
        if not left:
            return
        clock.advance(hours=2)
    raise AssertionError("notices were left undelivered")


async def test_telegram_down_then_stalled_every_notice_arrives_in_order_none_twice(core, clock, fake_telegram, bot):
    officer = await staff(core, "wang", "officer", "990121-civil_affairs")
    chats = list(range(7_000_001, 7_000_021))
    tips = [await _telegram_tip(core, chat) for chat in chats]
    outbox = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t", send_timeout=0.3)

    fake_telegram.fail("sendMessage", 502)
    for step in STEPS[:2]:
        for receipt in tips:
            await move_tip(core, receipt.tip_id, step, staff=officer)
        assert await outbox.run_once() == 0
        clock.advance(minutes=5)
    fake_telegram.stall("sendMessage")
    for receipt in tips:
        await move_tip(core, receipt.tip_id, STEPS[2], staff=officer)
    assert await outbox.run_once() == 0  # every send times out
    assert all(not fake_telegram.sent_to(chat) for chat in chats)

    fake_telegram.recover()
    clock.advance(hours=2)
    # Telegram answers again: a timeout a busy machine cannot miss (0.3 s could end a send Telegram
    # had taken, and its repeat is the one allowed case of a notice twice: the test below).
    outbox = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t", send_timeout=10)
    await _deliver_all(outbox, clock)
    for chat in chats:
        assert _labels(fake_telegram, chat) == LABELS  # in order, none twice
    report = await delivery_report(core, tips[0].tip_id)
    assert [r["status"] for r in report] == ["sent"] * 4
    assert report[0]["attempts"] >= 3  # 502, 502, the stall, then sent


async def test_a_reply_lost_after_telegram_took_the_message_gives_the_one_allowed_repeat(core, clock, fake_telegram, bot):
    officer = await staff(core, "wang", "officer", "990121-civil_affairs")
    chat = 7_100_001
    receipt = await _telegram_tip(core, chat)
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    outbox = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t", send_timeout=2)

    fake_telegram.drop_reply("sendMessage")
    assert await outbox.run_once() == 0  # Telegram has it, but we never heard so
    assert _labels(fake_telegram, chat) == ["Received"]
    clock.advance(hours=1)
    await _deliver_all(outbox, clock)
    assert _labels(fake_telegram, chat) == ["Received", "Received", "Accepted for checking"]
    assert Counter(_labels(fake_telegram, chat))["Accepted for checking"] == 1


async def test_a_chat_that_blocked_the_bot_is_not_sent_to_again_and_staff_see_why(core, clock, fake_telegram, bot):
    officer = await staff(core, "wang", "officer", "990121-civil_affairs")
    chat = 7_200_001
    receipt = await _telegram_tip(core, chat)
    fake_telegram.blocked.add(chat)
    outbox = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t")
    assert await outbox.run_once() == 0
    assert (await get_user(core, chat)).blocked
    calls = fake_telegram.count("sendMessage")

    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    assert await outbox.run_once() == 0
    assert fake_telegram.count("sendMessage") == calls  # not even tried
    report = await delivery_report(core, receipt.tip_id)
    assert [r["status"] for r in report] == ["dead", "dead"]
    assert "blocked the bot" in report[0]["last_error"]


async def test_429_is_honoured_with_its_retry_after(core, fake_telegram, bot):
    channel = TelegramChannel(bot, core, max_inline_wait=1)
    notice = Notice(channel="telegram", address="7300001", language="en", subject="s", body="Your report: Received")
    fake_telegram.rate_limit("sendMessage", retry_after=1)
    await channel.send(notice)  # waited one second, then sent
    assert [m.text for m in fake_telegram.sent_to(7300001)] == ["Your report: Received"]

    fake_telegram.rate_limit("sendMessage", retry_after=30)
    with pytest.raises(RateLimited) as raised:
        await channel.send(notice)
    assert raised.value.retry and raised.value.retry_after == 30


async def test_a_notice_longer_than_a_message_is_split_and_errors_map_to_retries(core, fake_telegram, bot):
    channel = TelegramChannel(bot, core)
    body = "\n\n".join(f"Paragraph {i}: " + "x" * 900 for i in range(8))
    await channel.send(Notice(channel="telegram", address="7400001", language="en", subject="s", body=body))
    parts = [m.text for m in fake_telegram.sent_to(7400001)]
    assert len(parts) == 2 and all(len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == body

    fake_telegram.fail("sendMessage", 502, times=1)
    with pytest.raises(DeliveryError) as raised:
        await channel.send(Notice(channel="telegram", address="7400001", language="en", subject="s", body="hi"))
    assert raised.value.retry
