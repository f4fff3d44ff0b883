"""The Bot API down for many minutes (on the controllable clock, so the test takes seconds):
the notices queue up while staff go on working, then all arrive, in order for each reporter,
none twice."""
from __future__ import annotations

from bot.app import make_bot
from bot.notifier import TelegramChannel
from i18n import Translator
from intake.notify.dispatch import Dispatcher
from intake.domain.workflow import STATUS_LABELS, Status
from tests.bot_harness import fake_telegram  # noqa: F401 - fixture
from tests.factories import file_tip
from tests.fake_telegram import TOKEN
from tests.test_outbox import PATH, move, notifications

CHATS = [7_100_001 + i for i in range(4)]
ORDER = (Status.SUBMITTED, *PATH)


def label_of(text: str) -> str | None:
    _ = Translator("en")
    found = [status for status in ORDER if _(STATUS_LABELS[status]) in text]
    return found[0].value if len(found) == 1 else None


async def test_the_bot_api_down_for_minutes_then_every_notice_arrives_in_order_once(core, clock, fake_telegram):
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    dispatcher = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="faults")
    try:
        fake_telegram.fail("sendMessage", 502)  # down until recover()
        tips = [(await file_tip(core, language="en", channel="telegram", channel_address=str(chat), owner=str(chat))).tip_id
                for chat in CHATS]
        # 40 minutes of outage: staff keep working, the dispatcher keeps trying (with backoff).
        for minute in range(40):
            if minute in (5, 15, 25):
                for tip_id in tips:
                    await move(core, tip_id, PATH[(5, 15, 25).index(minute)])
            assert await dispatcher.run_once() == 0
            clock.advance(minutes=1)
        tried = fake_telegram.count("sendMessage")
        assert tried >= len(CHATS) * 5  # retried through the outage, not given up
        assert all(n.status in ("pending", "failed") for n in await notifications(core))

        fake_telegram.recover()
        for _ in range(30):  # the next tries come at their backoff (at most an hour)
            await dispatcher.run_once()
            if all(n.status == "sent" for n in await notifications(core)):
                break
            clock.advance(minutes=5)
    finally:
        await bot.session.close()

    assert {n.status for n in await notifications(core)} == {"sent"}
    for chat in CHATS:
        received = [label_of(message.text) for message in fake_telegram.sent_to(chat)]
        assert received == [status.value for status in ORDER], received  # in order, none twice, none lost
