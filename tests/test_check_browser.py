"""Check before you pay in a real browser (Debian's Chromium): usable with JavaScript off; the
look-up, its answers found and not found, an over-long entry, and the objection form, axe-clean
and fitting a small phone in all three languages."""
from __future__ import annotations

import pytest

from i18n import LANGUAGE_TAGS, LANGUAGES
from intake.casework.duplicates import organisation_key, set_colour
from intake.casework.risk_list import publish
from intake.platform.clock import FrozenClock
from intake.staff.staff import add_staff
from tests.browser import LiveSite, axe_violations, follow, launch, layout_problems
from tests.factories import file_tip
from tests.test_check import NAME, determination
from tests.warning_support import ZH_TITLE, a_form, a_published_warning

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with LiveSite(tmp_path_factory.mktemp("check-site"), clock=FrozenClock()) as live:
        live.core.settings.public_risk_list = True

        async def seed() -> None:
            coordinator = await add_staff(live.core, "coord", role="coordinator", unit="990100-coordination")
            await file_tip(live.core, suspect_organisation=NAME)
            key = organisation_key(NAME)
            await set_colour(live.core, coordinator, key, "red")
            await publish(live.core, coordinator, key, determination(live.core.today()))
            await a_published_warning(live.core, form=a_form(today=live.core.today(), organisation=NAME))

        live.run(seed())
        yield live


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def new_page(browser, site, language: str, *, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 320, "height": 800})
    context.add_cookies([{"name": "tl_lang", "value": language, "url": site.url}])
    return context.new_page()


def look_up(page, typed: str) -> None:
    page.fill("#q", typed)
    with page.expect_navigation():
        follow(page, "form button.button")


def test_the_look_up_and_the_objection_work_with_javascript_off(browser, site):
    page = new_page(browser, site, "zh_Hans", javascript=False)
    page.goto(site.url + "/check")
    look_up(page, "＋８６ ０５７１ ８７６５ ４３２１")
    assert NAME in page.inner_text(".check-entry") and "96110" in page.inner_text(".check-next")
    with page.expect_navigation():
        follow(page, ".check-entry a")
    page.fill("#text", "处罚决定已被撤销")
    page.fill("#contact", "0571-8888 0000")
    with page.expect_navigation():
        follow(page, "form button.button")
    assert page.locator(".notice").count() == 1
    page.goto(site.url + "/check")
    look_up(page, "138 0013 8000")  # a number a warning says not to call
    assert ZH_TITLE in page.inner_text(".warning-item") and page.locator(".warning-item a").count() == 1
    with page.expect_navigation():
        follow(page, ".warning-item a")
    assert NAME in page.inner_text(".warning-organisation")
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_check_pages_pass_axe_in_three_languages(browser, site, language):
    """The pages have no script of their own; axe itself needs one, so it runs with scripts on."""
    problems: list[str] = []

    def check(page) -> None:
        page.wait_for_load_state("load")
        problems.extend(axe_violations(page))
        problems.extend(layout_problems(page))

    page = new_page(browser, site, language, javascript=True)
    page.goto(site.url + "/check")
    assert page.evaluate("document.documentElement.lang") == LANGUAGE_TAGS[language]
    check(page)
    for typed in ("x" * 101, "无此公司", NAME, "+86 571 8765 4321"):
        look_up(page, typed)
        check(page)
        if typed == NAME:  # the organisation and the warning about it
            assert page.locator(".warning-item").count() == 1 and page.locator(".check-entry").count() == 1
    assert page.locator(".check-entry").count() == 1 and NAME in page.inner_text(".check-entry")
    with page.expect_navigation():
        follow(page, ".check-entry a")
    check(page)
    with page.expect_navigation():
        follow(page, "form button.button")  # nothing written: the errors
    assert page.locator(".error-summary").count() == 1
    check(page)
    page.fill("#text", "处罚决定已被撤销")
    page.fill("#contact", "0571-8888 0000")
    with page.expect_navigation():
        follow(page, "form button.button")
    assert page.locator(".notice").count() == 1
    check(page)
    page.context.close()
    assert not problems, "\n".join(problems)
