"""Subscriptions to new warnings (issue #18, item 1): a chat or a confirmed e-mail address hears of
each new warning in its county through the outbox, in its language (or in Chinese, saying so),
in order, none twice, never after opting out (even a notice already queued), never a withdrawn
warning; and a broadcast never delays a reporter's case notice (the outbox's lanes)."""
from __future__ import annotations

from sqlalchemy import select

from bot.users import set_blocked, set_language
from intake.domain.purposes import SUBSCRIBER
from intake.notify.dispatch import Dispatcher
from intake.notify.outbox import BROADCAST_LANE
from intake.platform.models.notifications import Notification
from intake.platform.models.prevention import WarningSubscription
from intake.prevention import subscriptions
from intake.prevention.subscriptions import EmailForm, subscribe_chat, subscribe_email, unsubscribe_chat
from intake.prevention.warnings import approve_warning, translate_warning, withdraw_warning
from intake.reporting.lookups import Client
from tests.factories import file_tip, staff
from tests.test_outbox import RecordingChannel
from tests.warning_support import (
    BO_BODY, BO_TITLE, COUNTY, EN_BODY, EN_TITLE, OTHER_COUNTY, ZH_TITLE, a_form, a_published_warning, coordinators,
)

THIRD_COUNTY = "990122"


def delivering(core, **options) -> tuple[Dispatcher, RecordingChannel, RecordingChannel]:
    mail, chats = RecordingChannel("email"), RecordingChannel("telegram")
    return Dispatcher(core, {"email": mail, "telegram": chats}, worker_id="w", **options), mail, chats


async def confirmed_email(core, address: str, county: str = COUNTY, language: str = "en") -> WarningSubscription:
    """An e-mail subscription taken through the form and its confirmation link."""
    assert await subscribe_email(core, Client.address(f"10.0.0.{len(address)}"), EmailForm(address, county, language),
                                 base="https://tipline.example/") is None
    async with core.db.session() as session:
        mine = [s for s in (await session.scalars(select(WarningSubscription))).all()
                if core.keys.open_json(s.sealed, purpose=SUBSCRIBER)["address"] == address and s.region == county]
    token = core.keys.open_json(mine[0].sealed, purpose=SUBSCRIBER)["token"]
    return await subscriptions.confirm(core, token)


async def test_subscribers_of_the_county_hear_of_a_new_warning_in_their_language_once(core):
    await subscribe_chat(core, "telegram", "6001", COUNTY, "bo")
    await subscribe_chat(core, "telegram", "6002", THIRD_COUNTY, "en")  # a county the warning is not about: not told
    await subscribe_chat(core, "telegram", "6003", COUNTY, "en")
    await subscribe_chat(core, "telegram", "6003", OTHER_COUNTY, "en")  # both of the warning's counties: one notice
    await subscribe_chat(core, "telegram", "6004", COUNTY, "en")
    await set_blocked(core, 6004, True)  # then blocked the bot: nothing is queued for it
    await confirmed_email(core, "amala@example.com")
    outbox, mail, chats = delivering(core)
    await outbox.run_once()  # the confirmation link's mail
    mail.sent.clear()

    warning = await a_published_warning(core, form=a_form(today=core.today(), regions=(COUNTY, OTHER_COUNTY)))
    await outbox.run_once()

    by_chat = {notice.address: notice for notice in chats.sent}
    assert sorted(by_chat) == ["6001", "6003"] and len(chats.sent) == 2
    async with core.db.session() as session:
        assert len((await session.scalars(select(Notification).where(Notification.kind == "warning"))).all()) == 3
    assert "This warning has not been translated into your language yet" in by_chat["6003"].body
    assert ZH_TITLE in by_chat["6003"].body and "Donghu County" in by_chat["6003"].body
    assert "138\u20110013\u20118000" in by_chat["6003"].body and "13800138000" not in by_chat["6003"].body
    assert by_chat["6001"].language == "bo" and "ཏུང་ཧུའུ་རྫོང" in by_chat["6001"].body
    [email] = mail.sent
    assert (email.address, email.template) == ("amala@example.com", "warning")
    assert email.unsubscribe.startswith("http") and "/warnings/unsubscribe?t=" in email.unsubscribe
    assert f"To stop these e-mails, open {email.unsubscribe}" in email.body

    # A translation approved later is no new warning: nobody is told twice.
    li = await staff(core, "li", "officer", "990121-civil_affairs")
    await translate_warning(core, li, warning.id, "bo", BO_TITLE, BO_BODY)
    await approve_warning(core, (await coordinators(core, "checker"))[0], warning.id, nothing_identifies=True)
    await outbox.run_once()
    assert len(chats.sent) == 2 and len(mail.sent) == 1


async def test_a_translated_warning_reaches_a_subscriber_in_her_language(core):
    await subscribe_chat(core, "telegram", "6001", COUNTY, "en")
    await a_published_warning(core, form=a_form(today=core.today(), texts={"zh_Hans": ("冒充养老院", "交钱前请先打96110核实。"),
                                                                               "en": (EN_TITLE, EN_BODY)}))
    outbox, _mail, chats = delivering(core)
    await outbox.run_once()
    [notice] = chats.sent
    assert EN_TITLE in notice.body and EN_BODY in notice.body and "not been translated" not in notice.body


async def test_notices_go_in_order_and_opting_out_stops_even_the_queued_ones(core):
    await subscribe_chat(core, "telegram", "6001", COUNTY, "zh_Hans")
    stays = await subscribe_chat(core, "telegram", "6002", COUNTY, "zh_Hans")
    first = await a_published_warning(core, writer="a1", approver="a2")
    second = await a_published_warning(core, writer="b1", approver="b2")
    withdrawn = await a_published_warning(core, writer="c1", approver="c2")
    [leaving] = await subscriptions.chat_subscriptions(core, "telegram", "6001")
    assert await unsubscribe_chat(core, "telegram", "6002", leaving.id) is None  # another chat's button changes nothing
    assert await unsubscribe_chat(core, "telegram", "6001", leaving.id) is not None
    await withdraw_warning(core, (await coordinators(core, "boss"))[0], withdrawn.id, reason="写错了")

    outbox, _mail, chats = delivering(core)
    await outbox.run_once()
    assert [n.address for n in chats.sent] == ["6002", "6002"]
    assert [int(n.params["subscription"]) for n in chats.sent] == [stays.id, stays.id]
    async with core.db.session() as session:
        rows = (await session.scalars(select(Notification).where(Notification.kind == "warning").order_by(Notification.id))).all()
    sent = sorted((row for row in rows if row.status == "sent"), key=lambda row: row.sent_at)
    assert [row.payload["warning"] for row in sent] == [first.id, second.id]  # in order, in one stream per address
    assert len({row.stream for row in sent}) == 1
    assert {row.lane for row in rows} == {BROADCAST_LANE}
    async with core.db.session() as session:  # nothing of the person who left is kept
        assert await session.get(WarningSubscription, leaving.id) is None


async def test_a_broadcast_queued_ahead_never_delays_a_reporters_case_notice(core):
    async with core.db.transaction() as session:  # 60 confirmed e-mail subscribers
        for i in range(60):
            row = subscriptions._new(core, "email", f"s{i}@example.com", COUNTY, "zh_Hans", "active")
            session.add(row)
    await a_published_warning(core)
    receipt = await file_tip(core, language="en", reporter_email="reporter@example.com")  # queued after the broadcast
    outbox, mail, _chats = delivering(core, batch=20)

    await outbox.run_once()

    assert len(mail.sent) == 61
    first = mail.sent[0]
    assert first.address == "reporter@example.com" and first.template == "status_update", receipt.code
    assert all(notice.template == "warning" for notice in mail.sent[1:])


async def test_a_chat_that_changes_its_language_hears_of_warnings_in_the_new_one(core):
    await subscribe_chat(core, "telegram", "6001", COUNTY, "en")
    await set_language(core, 6001, "bo")  # /start and another language, in the bot
    await a_published_warning(core)
    outbox, _mail, chats = delivering(core)
    await outbox.run_once()
    [notice] = chats.sent
    assert notice.language == "bo" and "ཏུང་ཧུའུ་རྫོང" in notice.body
