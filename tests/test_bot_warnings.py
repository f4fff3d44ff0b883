"""/warnings in the bot (issue #18, item 1): the warnings in force in the chat's language (or in
Chinese, saying so), numbers and addresses Telegram does not turn into links, and a withdrawn
warning gone at once."""
from __future__ import annotations

from intake.prevention.warnings import approve_warning, translate_warning, withdraw_warning
from intake.reports.statistics import Period, campaign_statistics
from intake.staff.staff import get_staff
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import staff
from tests.warning_support import BO_BODY, BO_TITLE, ZH_TITLE, a_published_warning, coordinators


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
