"""/warnings in the bot (issue #18, item 1): the warnings in force in the chat's language (or in
Chinese, saying so), numbers and addresses Telegram does not turn into links, a withdrawn
warning gone at once, and new warnings of a county pushed to the chats that asked (one tap to stop)."""
from __future__ import annotations

import copy

from bot.notifier import TelegramChannel
from intake.notify.dispatch import Dispatcher
from intake.prevention.subscriptions import chat_subscriptions
from intake.prevention.warnings import approve_warning, translate_warning, withdraw_warning
from intake.reports.statistics import Period, campaign_statistics
from intake.staff.staff import get_staff
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import staff
from tests.warning_support import BO_BODY, BO_TITLE, OTHER_COUNTY, ZH_TITLE, a_form, a_published_warning, coordinators


async def test_a_reader_asks_for_the_warnings_in_her_language(core, fake_telegram, running_bot):
    await running_bot()
    warning = await a_published_warning(core)
    reader = new_user(fake_telegram)
    await reader.send("/start")
    await reader.press("English")
    replies = [m.text for m in await reader.send("/warnings")]
    said = "\n".join(replies)
    assert "Warnings about scams going on now" in said
    assert ZH_TITLE in said and "has not been translated into your language yet" in said
    assert "Do not call: 138\u20110013\u20118000" in said and "Do not open: yanglao-bed[.]example/pay" in said
    assert "13800138000" not in said and "yanglao-bed.example" not in said

    li = await staff(core, "li", "officer", "990121-civil_affairs")
    await translate_warning(core, li, warning.id, "bo", BO_TITLE, BO_BODY)
    await approve_warning(core, (await coordinators(core, "checker"))[0], warning.id, nothing_identifies=True)
    tibetan = new_user(fake_telegram)
    await tibetan.send("/start")
    await tibetan.press("བོད་ཡིག")
    said = "\n".join(m.text for m in await tibetan.send("/warnings"))
    assert BO_TITLE in said and BO_BODY in said and ZH_TITLE not in said
    # Each showing is a view in the campaign's figures: two readers, two views today.
    figures = (await campaign_statistics(core, await get_staff(core, "zhou"), Period(core.today(), core.today()))).prevention
    assert figures.views == 2 and [(read.id, read.views) for read in figures.most_read] == [(warning.id, 2)]


async def test_a_withdrawn_warning_is_gone_from_the_bot_at_once(core, fake_telegram, running_bot):
    await running_bot()
    warning = await a_published_warning(core)
    await withdraw_warning(core, (await coordinators(core, "boss"))[0], warning.id, reason="错了")
    reader = new_user(fake_telegram)
    await reader.send("/start")
    await reader.press("English")
    said = "\n".join(m.text for m in await reader.send("/warnings"))
    assert "There is no warning in force just now" in said and ZH_TITLE not in said


async def test_a_reader_asks_for_new_warnings_in_her_county_and_stops_them_with_one_tap(core, fake_telegram, running_bot):
    running = await running_bot()
    reader = new_user(fake_telegram)
    await reader.send("/start")
    await reader.press("English")
    menu = (await reader.send("/warnings"))[-1]
    assert "Do you want to hear of new warnings in your county here?" in menu.text
    assert [label for label, _data in menu.buttons()] == ["Donghu County", "Xiling County", "Nanhe County"]
    said = "\n".join(m.text for m in await reader.press("Donghu County"))
    assert "Done: you will hear of new warnings in Donghu County here." in said
    again = (await reader.send("/warnings"))[-1]
    assert "You hear of new warnings in: Donghu County." in again.text
    assert ("Donghu County (on: press to stop)", again.buttons()[0][1]) in again.buttons()

    await a_published_warning(core)
    await a_published_warning(core, form=a_form(today=core.today(), regions=(OTHER_COUNTY,)), writer="b1", approver="b2")
    await Dispatcher(core, {"telegram": TelegramChannel(running.bot, core)}, worker_id="t").run_once()
    [notice] = [m for m in fake_telegram.sent_to(reader.chat_id) if "A new warning about scams in Donghu County" in m.text]
    assert ZH_TITLE in notice.text and "has not been translated into your language yet" in notice.text
    assert [label for label, _data in notice.buttons()] == ["Stop the warnings about Donghu County"]

    kept = copy.deepcopy(notice)  # the message as it was before its button was taken away
    said = "\n".join(m.text for m in await reader.press("Stop the warnings about Donghu County", message=notice))
    assert "Done: no more warnings about Donghu County." in said
    assert await chat_subscriptions(core, "telegram", str(reader.chat_id)) == []
    assert notice.buttons() == []
    await reader.press("Stop the warnings about Donghu County", message=kept)  # pressed twice: said kindly
    assert fake_telegram.alerts[-1]["text"].startswith("This button has expired")


async def test_a_warning_about_an_organisation_names_it_in_the_bot_too(core, fake_telegram, running_bot):
    from tests.test_check_warnings import ORGANISATION, an_organisation

    await running_bot()
    [colours] = await coordinators(core, "wang")
    await an_organisation(core, colours)
    await a_published_warning(core, form=a_form(today=core.today(), organisation="福寿康 养老服务"), writer="zhou", approver="qian")
    reader = new_user(fake_telegram)
    await reader.send("/start")
    await reader.press("English")
    said = "\n".join(m.text for m in await reader.send("/warnings"))
    assert f"About the organisation: {ORGANISATION}" in said and ZH_TITLE in said
