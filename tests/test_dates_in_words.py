"""A reporter reads every date in her own language's words, never as "2026-11-27" (issue 17):
2026年11月27日, སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་གཅིག་པའི་ཚེས་27, 27 November 2026 — in the bot, the terminal
chat and the notices, as on the web status page; and whatever form she reads, she may type back."""
from __future__ import annotations

import datetime
import re

import pytest
from sqlalchemy import select

from i18n import LANGUAGE_NAMES
from intake.domain.answers.dates import parse_date
from intake.domain.dates_in_words import day_in_words, moment_in_words, when_in_words
from intake.domain.tracking import format_code
from intake.notify.outbox import render_notice
from intake.platform.models.notifications import Notification
from tests.bot_harness import Choose, Multi, answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import file_tip
from tests.test_terminal_chat import SELF_ANONYMOUS, make_chat

LANGUAGES = ("zh_Hans", "bo", "en")
# The test clock's day (2 a.m. UTC on 27 November 2026 is 10 a.m. in Shanghai) and 3 October 2026.
TODAY_READ = {"zh_Hans": "2026年11月27日", "bo": "སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་གཅིག་པའི་ཚེས་27", "en": "27 November 2026"}
OCTOBER_3_READ = {"zh_Hans": "2026年10月3日", "bo": "སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་པའི་ཚེས་3", "en": "3 October 2026"}
ISO_DATE = re.compile(r"(?<!\d)20\d\d-[01]\d(-[0-3]\d)?(?!\d)")  # 2026-10 or 2026-10-03, not a phone number


@pytest.mark.parametrize("language,day,month,year", [
    ("zh_Hans", "2027年3月7日", "2027年3月", "2027年"),
    ("bo", "སྤྱི་ལོ་2027 ཟླ་བ་གསུམ་པའི་ཚེས་7", "2027 ཟླ་བ་གསུམ་པ", "2027"),
    ("en", "7 March 2027", "March 2027", "2027"),
])
def test_each_language_writes_a_day_a_month_and_a_year_its_own_way(language, day, month, year):
    assert day_in_words(datetime.date(2027, 3, 7), language) == day
    assert moment_in_words(datetime.datetime(2027, 3, 7, 14, 5), language) == f"{day} 14:05"
    assert when_in_words({"date": "2027-03-07"}, language) == day
    assert when_in_words({"month": "2027-03"}, language) == month
    assert when_in_words({"year": "2027"}, language) == year


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_date_parser_reads_back_every_day_and_month_it_shows(language):
    today = datetime.date(2027, 12, 31)
    for day in (datetime.date(2027, 1, 1), datetime.date(2026, 10, 3), datetime.date(2027, 12, 31), datetime.date(2024, 2, 29)):
        assert parse_date(day_in_words(day, language), today) == {"date": day.isoformat()}
        month = {"month": day.isoformat()[:7]}
        assert parse_date(when_in_words(month, language), today) == month


# --- the bot ------------------------------------------------------------------------------

BOT_ANSWERS = {
    "urgent": Choose("no"), "reporting_for": Choose("self"), "category": Choose("care_product"),
    "description": "Free lectures, then pills for 2000 yuan a box.", "suspect_known": Choose("no"),
    "region": Choose("990122"), "when": "2026-10-03", "ongoing": Choose("no"), "money_lost": "2000",
    "payment_method": Multi(("cash",)), "victim_age": Choose("80_plus"), "contact_mode": Choose("anonymous"),
    "notify": Choose("no"), "consent": Choose("yes"),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_reporter_reads_the_days_in_her_language_in_the_bot(core, fake_telegram, running_bot, language):
    await running_bot()
    user = new_user(fake_telegram, language_code=None)
    await user.send("/start")
    await user.press(LANGUAGE_NAMES[language])
    assert await answer_until(user, core, language, BOT_ANSWERS) == "__review__"
    review = user.last_with_buttons().text
    assert OCTOBER_3_READ[language] in review and not ISO_DATE.search(review), review

    receipt = await file_tip(core, channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id),
                             language=language)
    mine = (await user.send("/mytips"))[0].text
    assert TODAY_READ[language] in mine and not ISO_DATE.search(mine), mine
    timeline = (await user.send(f"/status {format_code(receipt.code)}"))[-1].text
    assert f"{TODAY_READ[language]} 10:00" in timeline and not ISO_DATE.search(timeline), timeline


# --- the terminal chat --------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_terminal_chat_shows_the_day_of_the_scam_in_the_reporters_words(core, language):
    when = SELF_ANONYMOUS.index("?")  # "when": a day this time, instead of "I don't know"
    chat, console = make_chat(core, [*SELF_ANONYMOUS[:when], "2026-10-03", *SELF_ANONYMOUS[when + 1:]])
    assert await chat.run(language) is not None
    output = console.export_text()  # what the chat printed; her own typing is not in it
    assert OCTOBER_3_READ[language] in output and "2026-10-03" not in output


# --- notices ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_notice_names_the_day_of_the_report_in_the_reporters_words(core, language):
    receipt = await file_tip(core, language=language)  # a named reporter with an e-mail address
    async with core.db.session() as session:
        queued = (await session.scalars(select(Notification).where(Notification.tip_id == receipt.tip_id))).all()
        notices = [await render_notice(core, session, notification) for notification in queued]
    assert {notice.channel for notice in notices} >= {"email"}
    for notice in notices:
        assert TODAY_READ[language] in notice.subject and TODAY_READ[language] in notice.body
        assert notice.params["date"] == TODAY_READ[language]  # what an SMS template is filled with
        assert not ISO_DATE.search(notice.subject + notice.body)
