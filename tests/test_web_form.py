"""The public report wizard over HTTP: one question per page, answers kept, kind errors in the
page's language (story 9's bad input), tokens, the honeypot, and one tip per report."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from intake.domain.conversation import SKIP
from intake.platform.models.reporting import Attachment, Draft
from intake.platform.models.tips import Tip
from intake.reporting.tips import public_view
from intake.domain.tracking import format_code
from tests.walk import ANSWERS_ANONYMOUS_SELF, ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, text_of, web_client
from tests.factories import a_photo


@pytest.fixture
async def reporter(core):
    async with web_client(core, language="en") as client:
        yield Reporter(client)


async def count(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)



# --- the start page and the walk -----------------------------------------------------------

@pytest.mark.parametrize("language,tag,words", [
    ("zh_Hans", "zh-Hans", "110"), ("bo", "bo", "96110"), ("en", "en", "it is not your fault")])
async def test_the_start_page_says_what_this_is_in_each_language(core, language, tag, words):
    async with web_client(core, language=language) as client:
        page = (await client.get("/")).text
    assert f'<html lang="{tag}"' in page
    assert words in text_of(page)
    for number in ("110", "96110", "12345"):
        assert f'href="tel:{number}"' in page
    assert "/static/fonts/tibetan.woff2" not in page  # the font is in the CSS, loaded only for Tibetan glyphs


async def test_mrs_wang_walks_the_wizard_and_gets_one_tip_however_often_she_presses_send(core, reporter):
    await reporter.start()
    assert reporter.url == "/report/q/urgent"
    await reporter.walk(ANSWERS_FOR_MOTHER)
    assert reporter.url == "/report/review"
    review = text_of(reporter.page)
    assert "福寿康养老院" in review and "Change" in review
    assert "¥30,000.00" in review
    draft_id = re.search(r'name="draft_id" value="([^"]+)"', reporter.page).group(1)
    token = re.search(r'name="csrf" value="([^"]+)"', reporter.page).group(1)

    await reporter.send()
    assert reporter.url == "/report/done"
    code = re.search(r'id="tracking-code">([\d ]+)<', reporter.page).group(1)
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", code)
    pin = re.search(r'id="reply-pin">(\d{4})<', reporter.page).group(1)
    assert "What happens next" in reporter.page

    # A double click or a resent form: the same tip, the same code.
    again = await reporter.client.post("/report/submit", data={"csrf": token, "draft_id": draft_id}, follow_redirects=True)
    assert code in again.text and pin in again.text
    assert await count(core, Tip) == 1
    view = await public_view(core, code)
    assert view.status == "submitted" and view.language == "en"


@pytest.mark.parametrize("language,when,amount", [
    ("bo", "ཟླ་བ་སྔོན་མ།", "ཁྲི་3"),  # last month; ten thousand, three
    ("bo", "ཟླ་བ་སྔོན་མ།", "ཁྲི་གསུམ"),
    ("zh_Hans", "上个月", "三万"),
], ids=["tibetan-digit", "tibetan-words", "chinese"])
async def test_a_whole_report_in_tibetan_or_chinese_takes_amounts_and_months_in_words(core, language, when, amount):
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk({**ANSWERS_FOR_MOTHER, "when": when, "money_lost": amount})
        assert reporter.url == "/report/review"
        assert {"bo": "2026 ཟླ་བ་བཅུ་པ", "zh_Hans": "2026年10月"}[language] in text_of(reporter.page)  # last month
        await reporter.send()
        assert reporter.url == "/report/done"
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert tip.language == language
    assert tip.answers["when"] == {"month": "2026-10"}  # the clock says 27 November 2026
    assert tip.answers["money_lost"] == 3_000_000  # fen


async def test_the_back_link_and_the_browser_back_button_keep_the_answers(core, reporter):
    await reporter.start()
    await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="suspect_known")
    assert 'href="/report/q/description"' in reporter.page  # the Back link
    # The browser's Back button: the earlier page again, filled in.
    await reporter.get("/report/q/category")
    assert 'value="care_service" checked' in reporter.page
    await reporter.get("/report/q/description")
    assert "养老院卖“贵宾卡”" in reporter.page
    # Answering an earlier page again carries on from there, with the later answers kept.
    await reporter.answer("A care home sells VIP cards for 30000 yuan.")
    assert reporter.url == "/report/q/suspect_known"
    await reporter.get("/report/q/reporting_for")
    await reporter.answer("family")
    assert reporter.url == "/report/q/relationship"
    assert 'value="child" checked' in reporter.page


async def test_a_change_link_comes_back_to_check_your_answers(core, reporter):
    await reporter.start()
    await reporter.walk(ANSWERS_ANONYMOUS_SELF)
    assert reporter.url == "/report/review"
    await reporter.get("/report/q/money_lost?from=review")
    assert 'href="/report/review"' in reporter.page and 'value="2000"' in reporter.page
    await reporter.answer("3万")
    assert reporter.url == "/report/review"
    assert "¥30,000.00" in text_of(reporter.page)


async def test_an_unanswered_question_shows_the_error_summary_and_the_message_beside_the_field(core, reporter):
    await reporter.start()
    await reporter.answer(SKIP)
    assert reporter.url == "/report/q/urgent"
    assert title_of(reporter.page).startswith("Error: ")
    summary = reporter.page.index('class="error-summary"')
    assert summary < reporter.page.index("<h1")
    assert '<a href="#answer-0">Please choose one of the answers.</a>' in reporter.page
    assert 'id="error"' in reporter.page and 'aria-describedby="hint error"' in reporter.page


async def test_the_error_title_is_in_the_page_language(core):
    async with web_client(core, language="zh_Hans") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.answer(SKIP)
    from i18n import Translator

    assert title_of(reporter.page).startswith(Translator("zh_Hans")("Error:"))


async def test_urgent_advice_comes_before_any_other_question(core, reporter):
    await reporter.start()
    await reporter.answer("yes")
    assert reporter.url == "/report/notice/urgent"
    page = text_of(reporter.page)
    assert "call the police on 110" in page and "96110" in page
    assert 'href="/report/q/reporting_for"' in reporter.page
    await reporter.get("/report")
    await reporter.walk({**ANSWERS_ANONYMOUS_SELF, "urgent": "yes"})
    await reporter.send()
    sent = text_of(reporter.page)
    assert "Act now" in sent and "call the police on 110 now" in sent
    assert "carry on with this report" not in sent  # it is sent: nothing is left to carry on with
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert tip.urgent and tip.lead_unit.endswith("police")


# --- story 9: bad input ------------------------------------------------------------------------

async def walk_to(reporter, key, answers=ANSWERS_FOR_MOTHER):
    await reporter.start()
    await reporter.walk(answers, stop_at=key)
    assert reporter.current_key == key


async def test_a_100_kb_description_is_refused_kindly_and_kept_on_the_page(core, reporter):
    await walk_to(reporter, "description")
    text = "骗" * 100_000
    await reporter.answer(text)
    assert reporter.current_key == "description"
    assert "the most we can take is 5000" in text_of(reporter.page)
    assert text in reporter.page  # nothing typed is lost
    await reporter.answer("A care home sells VIP cards for 30000 yuan.")
    assert reporter.current_key == "suspect_known"


async def test_script_in_the_organisation_name_is_shown_as_text(core, reporter):
    await reporter.start()
    await reporter.walk({**ANSWERS_FOR_MOTHER, "suspect_organisation": "<script>alert(1)</script>福寿康"})
    assert "<script>alert(1)</script>" not in reporter.page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;福寿康" in reporter.page


async def test_an_exe_renamed_jpg_is_refused_and_nothing_is_stored(core, reporter):
    await walk_to(reporter, "evidence")
    exe = b"MZ\x90\x00" + b"\x00" * 2000
    await reporter.answer(SKIP, files=[("files", ("receipt.jpg", exe, "image/jpeg"))])
    assert reporter.current_key == "evidence"
    assert "This file is not one of them" in text_of(reporter.page)
    assert await count(core, Attachment) == 0


async def test_a_30_mb_photo_is_refused_with_its_size(core, reporter):
    await walk_to(reporter, "evidence")
    big = a_photo((40, 30), gps=False) + b"\x00" * (30 * 1024 * 1024)
    await reporter.answer(SKIP, files=[("files", ("photo.jpg", big, "image/jpeg"))])
    assert reporter.current_key == "evidence"
    assert "the most we can take is 20 MB" in text_of(reporter.page)
    assert await count(core, Attachment) == 0


async def test_a_photo_is_kept_without_its_location_and_shown_when_coming_back(core, reporter):
    await walk_to(reporter, "evidence")
    await reporter.answer(SKIP, files=[("files", ("receipt.jpg", a_photo((40, 30), gps=True), "image/jpeg"))])
    assert reporter.current_key == "contact_mode"
    async with core.db.session() as session:
        stored = await session.scalar(select(Attachment))
    from intake.platform.attachments import load

    content = (await load(core, stored.id)).content
    assert Image.open(io.BytesIO(content)).getexif().get(0x8825) is None
    await reporter.get("/report/q/evidence")
    assert "receipt.jpg" in reporter.page and 'name="keep"' in reporter.page


async def test_a_date_next_year_is_refused(core, reporter):
    await walk_to(reporter, "when")
    await reporter.answer("2027-03-01")
    assert reporter.current_key == "when"
    assert "That date is in the future. Please write the day it happened: today, 27 November 2026, or earlier." in text_of(reporter.page)
    assert 'value="2027-03-01"' in reporter.page


async def test_a_phone_number_with_letters_is_refused(core, reporter):
    await walk_to(reporter, "suspect_phone")
    await reporter.answer("138-abcd-8000")
    assert reporter.current_key == "suspect_phone"
    assert title_of(reporter.page).startswith("Error: ")
    assert 'href="#answer"' in reporter.page


async def test_text_with_a_right_to_left_override_is_refused_and_explained(core, reporter):
    await walk_to(reporter, "description")
    await reporter.answer("🙂 བཀྲ་ཤིས་ care home \u202eevil\u202c sells cards")
    assert reporter.current_key == "description"
    assert "invisible special characters" in text_of(reporter.page)
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tip)) == 0


# --- tokens, honeypot, drafts ---------------------------------------------------------------------

async def test_a_missing_or_expired_token_keeps_what_was_typed(core, reporter, clock):
    await walk_to(reporter, "description")
    await reporter.post("/report/q/description", {"answer": "They sell VIP cards."}, token="")
    assert reporter.current_key == "description"
    assert "for your safety it was not sent" in text_of(reporter.page)
    assert "They sell VIP cards." in reporter.page
    old_token = re.search(r'name="csrf" value="([^"]+)"', reporter.page).group(1)
    clock.advance(hours=5)
    await reporter.post("/report/q/description", {"answer": "They sell VIP cards."}, token=old_token)
    assert "for your safety it was not sent" in text_of(reporter.page)
    await reporter.answer("They sell VIP cards.")  # the fresh token of the page shown again
    assert reporter.current_key == "suspect_known"
    await reporter.get("/report/q/category")
    assert 'value="care_service" checked' in reporter.page  # earlier answers kept throughout


async def test_a_token_from_another_browser_is_refused(core, reporter):
    await reporter.start()
    async with web_client(core, language="en") as other_client:
        other = Reporter(other_client)
        await other.get("/")
        stolen = re.search(r'name="csrf" value="([^"]+)"', other.page).group(1)
    await reporter.post("/report/q/urgent", {"answer": "no"}, token=stolen)
    assert reporter.current_key == "urgent"


async def test_the_honeypot_stops_a_bot_from_starting_a_report(core, reporter):
    await reporter.get("/")
    await reporter.post("/report/start", {"website_url": "http://spam.example"})
    assert reporter.url == "/"
    assert await count(core, Draft) == 0


async def test_a_report_in_progress_is_offered_again_or_deleted_with_one_button(core, reporter):
    await walk_to(reporter, "category")
    await reporter.get("/")
    assert "You have a report you have not finished" in reporter.page
    assert 'href="/report"' in reporter.page
    await reporter.get("/report")
    assert reporter.current_key == "category"
    await reporter.get("/")
    await reporter.post("/report/discard")
    assert await count(core, Draft) == 0
    assert "Start now" in reporter.page


async def test_switching_language_mid_report_shows_the_question_in_the_new_language(core, reporter):
    await walk_to(reporter, "category")
    response = await reporter.client.get("/prefs/lang/bo?next=/report/q/category")
    assert response.status_code == 303 and response.headers["location"] == "/report/q/category"
    await reporter.get("/report/q/category")
    assert '<html lang="bo"' in reporter.page
    evil = await reporter.client.get("/prefs/lang/en?next=//evil.example/")
    assert evil.headers["location"] == "/"


async def test_every_page_has_security_headers_and_no_inline_script(core, reporter):
    response = await reporter.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    owner_cookie = response.headers.get("set-cookie", "")
    assert "httponly" in owner_cookie.lower() and "samesite=lax" in owner_cookie.lower()
    from pathlib import Path

    for template in (Path(__file__).parent.parent / "web_form" / "templates").glob("*.html"):
        source = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), template.name
        assert not re.search(r"\son\w+=", source) and " style=" not in source, template.name


async def test_the_confirmation_shows_the_category_advice(core, reporter):
    await reporter.start()
    await reporter.walk(ANSWERS_FOR_MOTHER)
    await reporter.send()
    advice = core.deployment.category_by_code["care_service"].advice.get("en")
    assert advice[:40] in text_of(reporter.page)
    code = re.search(r'id="tracking-code">([\d ]+)<', reporter.page).group(1)
    # Taking the receipt off a shared screen.
    await reporter.post("/report/finish")
    await reporter.get("/report/done")
    assert code not in reporter.page
    assert format_code(code.replace(" ", "")) == code


async def test_the_count_of_questions_left_only_goes_down_and_ends_at_the_last_question(core, reporter):
    # The channel kit's count, worded as the bot and the terminal chat word it.
    await reporter.start()
    shown = []
    for _ in range(60):
        if reporter.url.startswith("/report/notice/"):
            await reporter.get("/report")
            continue
        key = reporter.current_key
        if key is None:
            break
        caption = re.search(r'<p class="caption">([^<]+)</p>', reporter.page).group(1)
        shown.append(0 if caption == "Last question" else int(re.fullmatch(r"About (\d+) questions left", caption).group(1)))
        await reporter.answer(ANSWERS_FOR_MOTHER.get(key, SKIP))
    assert reporter.url == "/report/review"
    assert shown[-1] == 0 and shown[0] > 10
    counts = [n for n in shown if n]
    assert counts == sorted(counts, reverse=True), shown
