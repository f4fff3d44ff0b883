"""Chromium screenshots of the public form in each language, to look at before a release:
the start page, a question with an error, "check your answers", the confirmation, the urgent
advice and the status timeline; plus a phone-sized page in big text and high contrast.

Run: .venv/bin/python scripts/screenshots.py [out_dir]   (default var/screenshots/)
Uses a throw-away database; needs Debian's chromium and fonts (scripts/system-packages.sh).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from intake.casework.casework import move_tip  # noqa: E402
from intake.platform.clock import FrozenClock  # noqa: E402
from intake.domain.conversation import SKIP  # noqa: E402
from intake.domain.messages import PublicMessage  # noqa: E402
from intake.platform.models.tips import Tip  # noqa: E402
from intake.staff.staff import add_staff  # noqa: E402
from tests.browser import LiveSite, launch  # noqa: E402
from tests.test_web_browser import MRS_WANG, answer, current_key, walk  # noqa: E402

LANGUAGES = ("zh_Hans", "bo", "en")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as var, LiveSite(Path(var), clock=FrozenClock(), lookup_floor_seconds=0) as site, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        for language in LANGUAGES:
            shots(browser, site, language, out)
        browser.close()
    for language in LANGUAGES:
        for path in sorted(out.glob(f"{language}-*.png")):
            print(path)


def page_for(browser, site, language, *, width=1024, height=900, large=False, contrast=False):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    cookies = [{"name": "tl_lang", "value": language, "url": site.url}]
    if large:
        cookies.append({"name": "tl_text", "value": "large", "url": site.url})
    if contrast:
        cookies.append({"name": "tl_contrast", "value": "high", "url": site.url})
    context.add_cookies(cookies)
    return context.new_page()


def shots(browser, site, language: str, out: Path) -> None:
    page = page_for(browser, site, language)
    page.goto(site.url + "/")
    page.screenshot(path=out / f"{language}-1-start.png", full_page=True)
    page.click("button.start")
    answer(page, "urgent", "yes")
    page.screenshot(path=out / f"{language}-2-urgent.png", full_page=True)
    page.click("main a.button")
    for _ in range(30):  # up to the money question, then a mistake there
        key = current_key(page)
        if key == "money_lost":
            break
        answer(page, key, MRS_WANG.get(key, SKIP))
    page.fill("#answer", "lots of money")
    page.click("form button.button:not([name])")
    page.screenshot(path=out / f"{language}-3-question-error.png", full_page=True)
    walk(page, MRS_WANG)
    page.screenshot(path=out / f"{language}-4-check-answers.png", full_page=True)
    page.click("button.start")
    page.screenshot(path=out / f"{language}-5-confirmation.png", full_page=True)
    code = page.inner_text("#tracking-code")

    async def progress():
        core = site.core
        async with core.db.session() as session:
            from sqlalchemy import select

            tip = await session.scalar(select(Tip).order_by(Tip.id.desc()))
        officer = await add_staff(core, f"shots-{language}", role="officer", unit=tip.lead_unit)
        await move_tip(core, tip.id, "accepted", staff=officer)
        await move_tip(core, tip.id, "verifying", staff=officer)
        await move_tip(core, tip.id, "needs_info", staff=officer, public=PublicMessage(
            text="您办卡时拿到收据了吗？", language="zh_Hans",
            translations={"en": "Did you get a receipt for the card?", "bo": "ཁྱེད་ཀྱིས་འབྱོར་འཛིན་ཐོབ་སོང་ངམ།"}))

    site.run(progress())
    page.goto(site.url + "/status")
    page.fill("#code", code)
    page.click("form button.button")
    page.screenshot(path=out / f"{language}-6-status.png", full_page=True)

    phone = page_for(browser, site, language, width=360, height=780, large=True, contrast=True)
    phone.goto(site.url + "/")
    phone.screenshot(path=out / f"{language}-7-phone-big-contrast.png", full_page=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots")
