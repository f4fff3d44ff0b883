"""The public warnings in a real browser (Debian's Chromium): the list, its filter, one warning
and the e-mail subscription form (with a mistake, then sent) pass axe-core with the WCAG 2.2 tags
in all three languages, and work with JavaScript off."""
from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import async_playwright

from i18n import LANGUAGE_TAGS, LANGUAGES
from tests.browser import AXE_OPTIONS, CHROMIUM, CHROMIUM_ARGS, serving
from tests.warning_support import BO_BODY, BO_TITLE, ZH_TITLE, a_form, a_published_warning, coordinators
from tests.factories import staff
from intake.prevention.warnings import approve_warning, translate_warning
from web_form.app import create_app

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_warnings_pass_axe_and_work_without_javascript(core, language):
    translated = await a_published_warning(core)
    li = await staff(core, "li", "officer", "990121-civil_affairs")
    await translate_warning(core, li, translated.id, "bo", BO_TITLE, BO_BODY)
    await approve_warning(core, (await coordinators(core, "checker"))[0], translated.id, nothing_identifies=True)
    await a_published_warning(core, form=a_form(today=core.today(), regions=("990123",), category="medical"),
                              writer="b1", approver="b2")
    problems: list[str] = []
    async with serving(create_app(core)) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        scripted = await (await browser.new_context(viewport={"width": 360, "height": 800})).new_page()
        page = await (await browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})).new_page()

        async def audit() -> None:
            assert await scripted.evaluate("document.documentElement.lang") == LANGUAGE_TAGS[language]
            for violation in (await Axe().run(scripted, options=AXE_OPTIONS)).response.get("violations", []):
                problems.extend(f"{scripted.url}: {violation['id']}: {node['target']}" for node in violation["nodes"])

        async def check() -> None:
            """axe-core needs script: the same address in a page that runs it, with the same language."""
            await scripted.goto(page.url)
            await audit()

        async def subscribe(email: str) -> None:
            """The e-mail subscription form, in both pages: a plain POST form, no script needed."""
            for tab in (page, scripted):
                await tab.goto(f"{url}/warnings")
                await tab.fill("#sub-email", email)
                await tab.select_option("#sub-county", "990121")
                await tab.click(".subscribe button")
            await audit()

        await page.goto(f"{url}/warnings?lang={language}")  # a poster's link: the language, then the page
        await scripted.goto(f"{url}/?lang={language}")
        await check()
        await page.select_option("#region", "990121")
        await page.click("form.filters button")  # a plain GET form: no script needed
        assert "region=990121" in page.url
        assert await page.locator(".warning-item").count() == 1
        await check()
        await page.click(".warning-item a")
        await check()
        heading = await page.locator("h1").inner_text()
        assert heading == (BO_TITLE if language == "bo" else ZH_TITLE)
        assert await page.locator(".do-not-value").count() == 2
        assert await page.locator(".do-not a").count() == 0

        await subscribe("amala@example")  # a mistake: said at the top and at the field, what was typed kept
        assert await page.locator(".error-summary a[href='#sub-email']").count() == 1
        assert await page.input_value("#sub-email") == "amala@example"
        await subscribe("amala@example.com")
        assert await page.locator(".notice[role=status]").count() == 1 and "/warnings/subscribe" in page.url
        await browser.close()
    assert problems == []
