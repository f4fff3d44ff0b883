"""A channel that says how long to wait (Telegram's 429 retry_after) is not tried earlier."""
from __future__ import annotations

from sqlalchemy import select

from intake.notify.dispatch import Dispatcher
from intake.platform.models.notifications import Notification
from intake.notify.outbox import DeliveryError
from tests.factories import file_tip


class SlowDown:
    name = "email"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, notice) -> None:
        self.calls += 1
        if self.calls == 1:
            raise DeliveryError("please wait (429)", retry=True, retry_after=300)


async def test_the_dispatcher_waits_as_long_as_the_channel_asks(core, clock):
    await file_tip(core, language="en")  # the mother's son gave an e-mail and wants notices
    channel = SlowDown()
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="test")
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=60)  # the usual backoff (10 s, 20 s, …) would have tried again by now
    assert await dispatcher.run_once() == 0 and channel.calls == 1
    clock.advance(seconds=241)
    assert await dispatcher.run_once() == 1 and channel.calls == 2
    async with core.db.session() as session:
        assert (await session.scalar(select(Notification.status))) == "sent"
