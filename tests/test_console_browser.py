"""An officer's day in a real browser (Debian's Chromium, driven by Playwright), against the
console served by uvicorn on 127.0.0.1: sign in with TOTP, take a tip, ask the reporter a
question, read the answer, mark it substantiated with an outcome; the reporter's notices wait
in the outbox in English. axe-core checks every page on the way; screenshots land in
var/screenshots/console-*.png."""
from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import async_playwright, expect
from sqlalchemy import select

from console.app import create_app
from intake.staff.auth import enrol_totp, new_totp_secret
from intake.casework.casework import reporter_reply
from intake.platform.models.notifications import Notification
from intake.platform.models.tip_records import Outcome
from intake.notify.outbox import render_notice
from tests.browser import serving
from tests.console_support import LEAD_UNIT, PASSWORD, make_staff, next_code
from intake.platform.attachments import store as store_attachment
from tests.factories import a_photo, file_tip

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]},
    "resultTypes": ["violations"],
}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture
async def console_url(core):
    """The console app on a real HTTP server, in this test's event loop (it shares the core's database)."""
    async with serving(create_app(core)) as url:
        yield url


@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield browser
        await browser.close()


async def assert_accessible(page, name: str) -> None:
    results = await Axe().run(page, options=AXE_OPTIONS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=True)
    assert results.violations_count == 0, results.generate_report()


async def test_an_officers_day_in_the_browser(core, console_url, browser):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = new_totp_secret()  # this officer turned on the optional second factor
    officer_id = (await make_staff(core, "li_enrol_probe", "officer", LEAD_UNIT)).id  # noqa: F841 - a colleague
    from intake.staff.staff import get_staff

    li = await get_staff(core, "li")
    assert await enrol_totp(core, li.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    tip_id = (await file_tip(core, language="en")).tip_id  # a son who writes in English, notices by e-mail
    await store_attachment(core, a_photo(), "photo.jpg", tip_id=tip_id)  # with a photo of the "VIP card"

    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    await page.goto(f"{console_url}/signin")
    await expect(page.get_by_role("heading", name="登录")).to_be_visible()
    await assert_accessible(page, "signin")
    await page.get_by_label("用户名").fill("li")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()

    await expect(page.get_by_role("heading", name="第二步：输入应用显示的验证码")).to_be_visible()
    await assert_accessible(page, "totp")
    await page.get_by_label("身份验证器应用显示的6位验证码").fill(next_code(core, secret))
    await page.get_by_role("button", name="继续").click()

    await expect(page.get_by_role("heading", name="队列", exact=True)).to_be_visible()
    await assert_accessible(page, "queue")
    await page.get_by_role("link", name=f"线索 {tip_id}", exact=True).click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("已收到")
    photo = page.get_by_role("img", name="举报人提交的照片 1")
    await expect(photo).to_be_visible()
    # Served and shown: wait for the image to finish loading (visible is not yet loaded).
    assert await photo.evaluate("""image => image.complete ? image.naturalWidth
        : new Promise(done => { image.onload = image.onerror = () => done(image.naturalWidth); })""") == 64
    await assert_accessible(page, "tip-new")
    await page.locator("summary#act-accepted").click()  # the action forms are folded until opened
    await page.get_by_role("button", name="受理线索", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("线索状态已更新")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("已受理")
    await assert_accessible(page, "tip-accepted")

    question = page.get_by_role("region", name="向举报人提问（待补充）")
    await question.locator("summary").click()
    await question.get_by_label("向举报人提出的问题（用您的语言填写）").fill("您办卡时拿到收据了吗？")
    await question.get_by_label("English译文（选填）").fill("Did you get a receipt for the card?")
    await question.get_by_role("button", name="向举报人提问（待补充）").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("待")

    core.clock.advance(minutes=10)
    await reporter_reply(core, tip_id, "Yes, I kept the receipt: 30,000 yuan for a VIP card.", language="en")
    await page.reload()
    await expect(page.locator("blockquote[lang=en]")).to_have_text("Yes, I kept the receipt: 30,000 yuan for a VIP card.")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("正在核查")

    form = page.get_by_role("region", name="核查属实", exact=True)
    await form.locator("summary").click()
    await form.get_by_label("行政处罚决定书文号").fill("东市监罚〔2026〕12号")
    await form.get_by_label("处罚决定日期").fill("2026-11-20")
    await form.get_by_label("挽回损失（元）").fill("30000")
    await form.get_by_role("button", name="核查属实").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("情况属实")
    await expect(page.locator("#outcome + dl")).to_contain_text("东市监罚〔2026〕12号")
    await assert_accessible(page, "tip")
    await page.close()

    async with core.db.session() as session:
        outcome = await session.get(Outcome, tip_id)
        notifications = (await session.scalars(
            select(Notification).where(Notification.tip_id == tip_id).order_by(Notification.id))).all()
        notices = [await render_notice(core, session, n) for n in notifications]
    assert outcome.money_recovered_fen == 3_000_000
    assert {n.language for n in notices} == {"en"} and {n.channel for n in notices} == {"email"}
    bodies = [n.body for n in notices]
    assert any("The officer writes: Did you get a receipt for the card?" in b for b in bodies)
    assert any("We checked your report and it is true." in b for b in bodies)
    assert "收据" not in " ".join(bodies)  # the reporter reads English, not the officer's Chinese


async def test_story_6_in_the_browser_another_countys_officer_gets_not_found(core, console_url, browser):
    county_y_tip = (await file_tip(core, region="990122")).tip_id
    await make_staff(core, "market_x", "officer", "990121-market_regulation")
    page = await browser.new_page(locale="zh-CN")
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("用户名").fill("market_x")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("heading", name="队列", exact=True)).to_be_visible()
    response = await page.goto(f"{console_url}/tips/{county_y_tip}")
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("未找到")
    await assert_accessible(page, "not-found")
