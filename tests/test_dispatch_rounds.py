"""The dispatcher's rounds (intake/notify/dispatch.py): a stream's backlog goes out in one round, in
order, its streams side by side; a round reads each table once, not once per notice; a failure
stops its stream and gives the notices behind it back untouched; a lease about to run out
stops a stream between notices; the Telegram channel reads the blocked flags once a round."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select

import intake.notify.dispatch
from bot.app import make_bot
from bot.notifier import BLOCKED, TelegramChannel
from bot.users import set_blocked
from intake.notify.delivery_report import delivery_report
from intake.notify.dispatch import Dispatcher
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Tip
from intake.notify.outbox import DeliveryError, render_notice, render_notices
from intake.domain.workflow import Status
from tests.bot_harness import fake_telegram  # noqa: F401 - fixture
from tests.factories import file_tip
from tests.fake_telegram import TOKEN
from tests.test_outbox import PATH, RecordingChannel, labels, move, notifications
from tests.test_unit_alerts import ADDRESSES, with_units

#: Every label a reporter gets when the officer walks the tip through PATH.
ALL = labels("en", Status.SUBMITTED, *PATH)


async def tips_with_backlog(core, count: int, **answers) -> list[int]:
    """`count` tips (e-mail reporters r0@…, r1@…) each with four notices queued: received and PATH."""
    tips = [(await file_tip(core, language="en", owner=f"r{i}", reporter_email=f"r{i}@example.com", **answers)).tip_id
            for i in range(count)]
    for target in PATH:
        for tip_id in tips:
            await move(core, tip_id, target)
    return tips


def count_claims(dispatcher: Dispatcher) -> list[int]:
    """How many notices each of the dispatcher's claims took, in order."""
    taken: list[int] = []
    claim = dispatcher.claim

    async def counting():
        claims = await claim()
        taken.append(len(claims))
        return claims

    dispatcher.claim = counting
    return taken


class Statements:
    """Counts the SQL statements both of the core's engines run."""

    def __init__(self, core) -> None:
        self.count = 0
        self.engines = {core.db.writer.sync_engine, core.db.reader.sync_engine}
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1

    def close(self) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._seen)


async def test_a_streams_backlog_goes_out_in_one_round_in_order_with_a_few_statements(core):
    await tips_with_backlog(core, 6)
    channel = RecordingChannel()
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1")
    claims = count_claims(dispatcher)
    statements = Statements(core)
    try:
        assert await dispatcher.run_once() == 24
    finally:
        statements.close()

    assert claims == [24, 0]  # one round for all six streams' backlogs
    assert channel.by_address() == {f"r{i}@example.com": ALL for i in range(6)}
    # The claim (heads, the notices behind them), one read each of tips, people and events, the
    # record of what was sent, the empty claim: a handful, however many notices there are.
    assert statements.count <= 10, statements.count
    assert {(n.status, n.attempts) for n in await notifications(core)} == {("sent", 1)}


async def test_per_stream_bounds_a_round_and_the_rest_follows_in_later_rounds(core):
    await tips_with_backlog(core, 2)
    channel = RecordingChannel()
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1", per_stream=3)
    claims = count_claims(dispatcher)
    assert await dispatcher.run_once() == 8
    assert claims == [6, 2, 0]
    assert channel.by_address() == {f"r{i}@example.com": ALL for i in range(2)}


async def test_a_failure_stops_its_stream_and_the_notices_behind_it_wait_untouched(core, clock):
    tips = await tips_with_backlog(core, 3)
    second = labels("en", PATH[0])[0]

    class FailsOnce(RecordingChannel):
        failed = False

        async def send(self, notice):  # the second notice of r0 fails once
            if notice.address == "r0@example.com" and notice.params["status"] == second and not self.failed:
                self.failed = True
                raise DeliveryError("temporarily unavailable", retry=True)
            await super().send(notice)

    channel = FailsOnce()
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1")
    assert await dispatcher.run_once() == 9  # r1 and r2 whole, r0 up to its failure

    assert channel.by_address() == {"r0@example.com": ALL[:1], "r1@example.com": ALL, "r2@example.com": ALL}
    report = await delivery_report(core, tips[0])
    assert [(r["status"], r["attempts"], r["last_error"]) for r in report] == [
        ("sent", 1, None), ("failed", 1, "temporarily unavailable"), ("pending", 0, None), ("pending", 0, None),
    ]
    assert all(n.claimed_until is None for n in await notifications(core, tips[0]))

    assert await dispatcher.run_once() == 0  # the failed one waits for its backoff, the rest behind it
    clock.advance(seconds=11)
    assert await dispatcher.run_once() == 3
    assert channel.by_address()["r0@example.com"] == ALL
    assert [(r["status"], r["attempts"]) for r in await delivery_report(core, tips[0])] == [
        ("sent", 1), ("sent", 2), ("sent", 1), ("sent", 1),
    ]


async def test_a_refused_notice_is_dead_and_the_rest_of_its_stream_still_goes_in_order(core):
    tips = await tips_with_backlog(core, 1)
    second = labels("en", PATH[0])[0]

    class Refuses(RecordingChannel):
        async def send(self, notice):
            if notice.params["status"] == second:
                raise DeliveryError("smtp 550: recipient refused", retry=False)
            await super().send(notice)

    channel = Refuses()
    assert await Dispatcher(core, {"email": channel}, worker_id="w1").run_once() == 3
    assert channel.by_address() == {"r0@example.com": [ALL[0], *ALL[2:]]}
    assert [r["status"] for r in await delivery_report(core, tips[0])] == ["sent", "dead", "sent", "sent"]


async def test_a_lease_about_to_run_out_stops_a_stream_between_notices(core, clock):
    tips = await tips_with_backlog(core, 1)

    class Slow(RecordingChannel):
        async def send(self, notice):
            await super().send(notice)
            clock.advance(seconds=20)  # each send takes 20 s of a 60 s lease

    channel = Slow()
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1", lease_seconds=60, send_timeout=30)
    claims = count_claims(dispatcher)
    assert await dispatcher.run_once() == 4
    # 0 s: sent; 20 s: 20 + 30 s of timeout fits in the lease, sent; 40 s: it would not, so the
    # last two go in a round of their own, with a new lease.
    assert claims == [4, 2, 0]
    assert channel.by_address() == {"r0@example.com": ALL}
    report = await delivery_report(core, tips[0])
    assert [(r["status"], r["attempts"], r["last_error"]) for r in report] == [("sent", 1, None)] * 4


async def test_a_dispatcher_that_stops_mid_stream_leaves_it_to_another_in_order(core, clock):
    tips = await tips_with_backlog(core, 1)

    class HangsOnSecond(RecordingChannel):
        async def send(self, notice):
            if len(self.sent) == 1:
                self.started.set()
                await asyncio.Event().wait()  # never returns: the process dies here
            await super().send(notice)

    stuck = HangsOnSecond()
    crashed = asyncio.create_task(Dispatcher(core, {"email": stuck}, worker_id="a", lease_seconds=60).run_once())
    await asyncio.wait_for(stuck.started.wait(), timeout=10)
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    assert {n.status for n in await notifications(core, tips[0])} == {"sending"}

    channel = RecordingChannel()
    other = Dispatcher(core, {"email": channel}, worker_id="b", lease_seconds=60)
    assert await other.run_once() == 0  # the lease still holds
    clock.advance(seconds=61)
    assert await other.run_once() == 4
    # The first was taken by the channel but not recorded: the one repeat the outbox allows.
    assert stuck.by_address() == {"r0@example.com": ALL[:1]}
    assert channel.by_address() == {"r0@example.com": ALL}
    assert {r["status"] for r in await delivery_report(core, tips[0])} == {"sent"}


async def test_a_round_that_cannot_be_rendered_together_is_rendered_notice_by_notice(core, monkeypatch):
    tips = await tips_with_backlog(core, 2)
    async with core.db.session() as session:
        broken = await session.scalar(select(Notification.id).where(Notification.tip_id == tips[1]).order_by(Notification.id.desc()))

    async def no_batch(*args):
        raise RuntimeError("the batch read failed")

    async def one(core_, session, notification):
        if notification.id == broken:
            raise ValueError("cannot render this one")
        return await render_notice(core_, session, notification)

    monkeypatch.setattr(intake.notify.dispatch, "render_notices", no_batch)
    monkeypatch.setattr(intake.notify.dispatch, "render_notice", one)
    channel = RecordingChannel()
    assert await Dispatcher(core, {"email": channel}, worker_id="w1").run_once() == 7
    assert channel.by_address() == {"r0@example.com": ALL, "r1@example.com": ALL[:3]}
    last = (await delivery_report(core, tips[1]))[-1]
    assert (last["status"], last["last_error"]) == ("failed", "could not render the notice (ValueError)")


async def test_render_notices_gives_what_render_notice_gives_one_by_one(core):
    with_units(core, {code: {"email": address} for code, address in ADDRESSES.items()})  # units get alerts too
    tips = await tips_with_backlog(core, 2)
    zh = (await file_tip(core, language="zh_Hans")).tip_id
    await move(core, zh, PATH[0])
    async with core.db.transaction() as session:
        (await session.get(Tip, tips[1])).notify = False  # no one left to tell: None
    async with core.db.session() as session:
        rows = list((await session.scalars(select(Notification).order_by(Notification.id))).all())
    async with core.db.session() as session:
        one_by_one = [await render_notice(core, session, row) for row in rows]
    async with core.db.session() as session:
        together = await render_notices(core, session, rows)
    assert together == one_by_one
    assert {row.kind for row in rows} == {"status", "unit_alert"}
    assert [notice is None for notice in together] == [row.tip_id == tips[1] and row.kind != "unit_alert" for row in rows]
    assert any(notice is not None and notice.language == "zh_Hans" and row.tip_id == zh for row, notice in zip(rows, together))


# --- the Telegram channel's look-up for a round ---------------------------------------------


async def test_telegram_reads_the_blocked_flags_once_a_round_and_skips_blocked_chats(core, fake_telegram, monkeypatch):  # noqa: F811
    chats = [7_500_001, 7_500_002, 7_500_003]
    tips = [(await file_tip(core, language="en", channel="telegram", channel_address=str(chat), owner=str(chat))).tip_id
            for chat in chats]
    for target in PATH:
        for tip_id in tips:
            await move(core, tip_id, target)
    await set_blocked(core, chats[1], True)

    async def no_per_notice_read(*args):
        raise AssertionError("the channel read a person for one notice")

    monkeypatch.setattr("bot.notifier.get_user", no_per_notice_read)
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    channel = TelegramChannel(bot, core)
    prepared = []
    prepare = channel.prepare

    async def counting(notices):
        prepared.append(len(notices))
        return await prepare(notices)

    channel.prepare = counting
    try:
        assert await Dispatcher(core, {"telegram": channel}, worker_id="t").run_once() == 8
    finally:
        await bot.session.close()
    assert prepared[0] == 12  # every notice of the first round, in one look-up
    assert fake_telegram.sent_to(chats[1]) == []
    for chat in (chats[0], chats[2]):
        assert [m.text.splitlines()[0].split(": ", 1)[1] for m in fake_telegram.sent_to(chat)] == ALL
    assert {r["status"] for r in await delivery_report(core, tips[1])} == {"dead"}


async def test_telegram_prepare_marks_each_notice_and_leaves_unit_alerts_alone(core, fake_telegram):  # noqa: F811
    from intake.notify.outbox import UNIT_ALERT, Notice

    await set_blocked(core, 7_600_002, True)
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    try:
        channel = TelegramChannel(bot, core)
        notices = [
            Notice(channel="telegram", address="7600001", language="en", subject="s", body="a"),
            Notice(channel="telegram", address="7600002", language="en", subject="s", body="b"),
            Notice(channel="telegram", address="-1009", language="zh_Hans", subject="s", body="c", template=UNIT_ALERT),
        ]
        prepared = await channel.prepare(notices)
        assert [n.looked_up.get(BLOCKED) for n in prepared] == [False, True, None]
        assert prepared == notices  # the same notices otherwise
        with pytest.raises(DeliveryError) as refused:
            await channel.send(prepared[1])
        assert refused.value.retry is False
        await channel.send(prepared[0])
        assert [m.text for m in fake_telegram.sent_to(7600001)] == ["a"]
    finally:
        await bot.session.close()
