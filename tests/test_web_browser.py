"""The public site in a real browser (Debian's Chromium): story 1 with JavaScript off and big
text, story 4's urgent advice, the status page, and axe-core plus layout checks on every page
of the journey in all three languages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from i18n import LANGUAGE_TAGS, LANGUAGES, Translator
from intake.platform.clock import FrozenClock
from intake.domain.conversation import SKIP
from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.platform.models.tips import Assignment, Tip
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, STEP_BY_KEY
from intake.domain.steps import Kind
from intake.staff.staff import add_staff
from intake.domain.workflow import STATUS_LABELS, Status
from tests.browser import LiveSite, axe_violations, follow, keyboard_problems, launch, layout_problems
from tests.walk import ANSWERS_ANONYMOUS_SELF, ANSWERS_FOR_MOTHER

playwright_api = pytest.importorskip("playwright.sync_api")

LEAD_UNIT = "990121-civil_affairs"
# Story 1: Mrs Wang, for herself, anonymous: a care home in her county sells VIP cards.
MRS_WANG = {
    "urgent": "no",
    "reporting_for": "self",
    "category": "care_service",
    "description": "县里的福寿康养老院卖“贵宾卡”，三万元一张，说每年返还10%的利息。",
    "suspect_known": "yes",
    "suspect_organisation": "福寿康养老院",
    "region": "990121",
    "when": "2026年10月",
    "ongoing": "no",  # she stopped paying: no police escalation (story 4 covers that)
    "money_lost": "3万",
    "payment_method": ["bank_transfer"],
    "victim_age": "70_79",
    "contact_mode": "anonymous",
    "notify": "no",
    "consent": "yes",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with LiveSite(tmp_path_factory.mktemp("site"), clock=FrozenClock(), lookup_floor_seconds=0.05) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def new_page(browser, site, language, *, javascript=True, large=False, contrast=False, width=1024):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 800})
    cookies = [{"name": "tl_lang", "value": language, "url": site.url}]
    if large:
        cookies.append({"name": "tl_text", "value": "large", "url": site.url})
    if contrast:
        cookies.append({"name": "tl_contrast", "value": "high", "url": site.url})
    context.add_cookies(cookies)
    return context.new_page()


def current_key(page) -> str | None:
    match = re.search(r"/report/q/(\w+)$", page.url)
    return match.group(1) if match else None


def answer(page, key: str, value: object) -> None:
    """Fill in one question the way a person does: click the label, type, press the button."""
    step = STEP_BY_KEY[key]
    typed = step.kind in (Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY)
    if typed and value in (DONT_KNOW, NO_MONEY):
        follow(page, f"button[name=choice][value='{value}']")
        return
    if value is not SKIP and value != SKIP and step.kind is not Kind.FILES:
        if typed:
            page.fill("#answer", str(value))
        else:
            for item in value if isinstance(value, list) else [value]:
                page.check(f"input[name=answer][value='{item}']")
    follow(page, "form button.button:not([name])")


def walk(page, answers: dict, *, on_page=None) -> None:
    for _ in range(60):
        if on_page:
            on_page(page)
        if "/report/notice/" in page.url:
            follow(page, "main a.button")
            continue
        key = current_key(page)
        if key is None:
            return
        answer(page, key, answers.get(key, SKIP))
        assert current_key(page) != key or "error-summary" not in page.content(), (key, page.inner_text("main")[:500])
    raise AssertionError("the wizard does not end")


def start(page, site) -> None:
    page.goto(site.url + "/")
    follow(page, "button.start")


def test_story_1_mrs_wang_reports_in_chinese_without_javascript_and_follows_every_step(browser, site):
    page = new_page(browser, site, "zh_Hans", javascript=False, large=True, width=390)
    start(page, site)
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    body_px = float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))
    assert body_px >= 24  # the bigger-text switch is on
    walk(page, MRS_WANG)
    assert page.url.endswith("/report/review")
    assert "福寿康养老院" in page.inner_text("main")
    follow(page, "button.start")  # 提交举报
    code_box = page.locator("#tracking-code")
    code = code_box.inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", code)
    assert float(code_box.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 40

    async def routed_and_moved():
        core = site.core
        async with core.db.session() as session:
            tip = await session.scalar(select(Tip).order_by(Tip.id.desc()))
            assignments = (await session.scalars(select(Assignment).where(Assignment.tip_id == tip.id))).all()
        officer = await add_staff(core, "wang-officer", role="officer", unit=LEAD_UNIT)
        await move_tip(core, tip.id, "accepted", staff=officer)
        await move_tip(core, tip.id, "verifying", staff=officer)
        await move_tip(core, tip.id, "substantiated", staff=officer, public=PublicMessage(template="substantiated"))
        return tip, {(a.unit_code, a.role) for a in assignments}

    tip, assignments = site.run(routed_and_moved())
    assert not tip.urgent and tip.anonymous and tip.language == "zh_Hans"
    assert (LEAD_UNIT, "lead") in assignments and ("990121-finance_office", "assisting") in assignments

    page.goto(site.url + "/status")
    page.fill("#code", code.replace(" ", "-"))
    follow(page, "form button.button")
    timeline = page.inner_text("main")
    _ = Translator("zh_Hans")
    for status in (Status.SUBMITTED, Status.ACCEPTED, Status.VERIFYING, Status.SUBSTANTIATED):
        assert _(STATUS_LABELS[status]) in timeline, status
    substantiated = site.core.deployment.template_by_id["substantiated"].text.get("zh_Hans")
    assert substantiated[:10] in timeline


def test_story_4_urgent_advice_comes_before_any_other_question(browser, site):
    page = new_page(browser, site, "en", javascript=False)
    start(page, site)
    answer(page, "urgent", "yes")
    assert page.url.endswith("/report/notice/urgent")
    text = page.inner_text("main")
    assert "110" in text and "96110" in text and "Do not transfer any money" in text
    assert page.locator("a[href='tel:110']").count() >= 2
    follow(page, "main a.button")
    assert current_key(page) == "reporting_for"


def test_the_status_page_never_says_whether_a_code_exists(browser, site):
    page = new_page(browser, site, "bo", javascript=False)
    page.goto(site.url + "/status")
    page.fill("#code", "༡༢༣༤ ༥༦༧༨ ༩༠༡༢")
    follow(page, "form button.button")  # the answer is a new page: read its title once it has loaded
    assert page.title().startswith(Translator("bo")("Error:"))
    assert page.locator(".error-summary a[href='#code']").count() == 1
    assert page.input_value("#code") == "༡༢༣༤ ༥༦༧༨ ༩༠༡༢"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_the_journey_passes_axe_and_fits_a_small_phone(browser, site, language):
    problems: list[str] = []

    def check(page):
        page.wait_for_load_state("load")  # never run axe on a page still being replaced
        problems.extend(axe_violations(page))
        problems.extend(layout_problems(page))

    site.core.settings.telegram_bot_username = "TiplineBot"  # the confirmation's Telegram link is checked too
    page = new_page(browser, site, language, width=320)
    # No script error and no CSP refusal anywhere (the console reports both).
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    page.goto(site.url + "/")
    # Headless Chromium has no speech voices: the read-aloud button must stay hidden.
    assert page.locator("button.read-aloud").is_hidden()
    assert page.evaluate("document.documentElement.lang") == LANGUAGE_TAGS[language]
    check(page)
    follow(page, "button.start")
    follow(page, "form button.button")  # nothing chosen: the page with its error
    assert page.locator(".error-summary").count() == 1
    check(page)
    walk(page, {**ANSWERS_FOR_MOTHER, "urgent": "yes"}, on_page=check)
    page.goto(site.url + "/report/q/when?from=review")
    page.fill("#answer", "2099-01-01")
    follow(page, "form button.button:not([name])")
    assert page.locator(".error-message").count() == 1
    check(page)
    page.goto(site.url + "/report/review")
    follow(page, "button.start")
    check(page)  # the confirmation
    assert page.locator("a.telegram-link").count() == 1
    code = page.inner_text("#tracking-code")
    page.goto(site.url + "/status")
    check(page)
    page.fill("#code", "1234")
    follow(page, "form button.button")
    check(page)
    page.fill("#code", code)
    follow(page, "form button.button")
    check(page)
    # The same pages in high contrast with bigger text.
    contrast = new_page(browser, site, language, contrast=True, large=True, width=320)
    for path in ("/", "/status"):
        contrast.goto(site.url + path)
        check(contrast)
    contrast.goto(site.url + "/")
    contrast.click("button.start")
    contrast.click("form button.button")
    check(contrast)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("contrast", [False, True])
def test_tab_reaches_every_control_with_a_visible_focus_outline(browser, site, contrast):
    page = new_page(browser, site, "en", contrast=contrast, width=390)
    page.goto(site.url + "/")
    problems = keyboard_problems(page)
    start(page, site)
    assert current_key(page) == "urgent"
    problems += keyboard_problems(page)
    page.goto(site.url + "/report/q/urgent")
    answer(page, "urgent", "no")
    answer(page, "reporting_for", "family")
    answer(page, "relationship", "child")
    answer(page, "category", "care_service")
    assert current_key(page) == "description"  # a text question: the text box too
    problems += keyboard_problems(page)
    assert not problems, "\n".join(problems)


def _site_with_wechat(core):  # noqa: ANN001, ANN202 - the public site as `tipline serve` mounts WeChat's pages on it
    from tipline.serve import _with_paths
    from web_form.app import create_app
    from wechat.app import Account, callback_app
    from wechat.consent import CONSENT_PATH

    return _with_paths(create_app(core), {CONSENT_PATH: callback_app(core, Account("tipline-test-token"))})


@pytest.mark.parametrize("javascript", [True, False])
def test_the_wechat_notices_page_passes_axe_and_fits_a_small_phone(browser, tmp_path, javascript):
    """The consent page outside WeChat (or on an unverified account): no script at all, and with
    JavaScript on or off the same words, the same link to the status page."""
    with LiveSite(tmp_path, clock=FrozenClock(), app=_site_with_wechat) as live:
        problems: list[str] = []
        for language in LANGUAGES:
            page = browser.new_context(java_script_enabled=javascript, viewport={"width": 320, "height": 800}).new_page()
            page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
            page.goto(f"{live.url}/wechat/notices?lang={language}")
            page.wait_for_load_state("load")
            assert page.evaluate("document.documentElement.lang") == LANGUAGE_TAGS[language]
            problems.extend(axe_violations(page) if javascript else [])
            problems.extend(layout_problems(page))
            follow(page, "main a")  # the status page, on the same site
            assert "/status" in page.url and page.locator("#code").count() == 1
            page.context.close()
    assert not problems, "\n".join(problems)
