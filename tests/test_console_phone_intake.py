"""Tips taken by phone, letter or visit: an officer walks the questionnaire for the caller in the
console, the tip records its source and operator, and the officer reads out the code and PIN."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.domain.conversation import SKIP
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.reporting.phone_intake import tip_operator, tip_source
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, STEP_BY_KEY
from intake.domain.steps import Kind
from intake.reporting.tips import public_view
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.test_console_browser import CHROMIUM, browser, console_url  # noqa: F401 - the live console and Chromium
from tests.walk import ANSWERS_FOR_MOTHER

TYPED = (Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY)
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
_KEY = re.compile(r'name="key" value="(\w+)"')


def fields_for(key: str, value: object) -> dict:
    """What the officer fills in on question `key` to enter `value`."""
    kind = STEP_BY_KEY[key].kind
    if value is SKIP or value == SKIP or value is None:
        return {}
    if kind in TYPED and value in (DONT_KNOW, NO_MONEY):
        return {"choice": value}
    if kind is Kind.MULTI_CHOICE:
        return {"answer": value if isinstance(value, list) else [value]}
    return {"answer": value}


async def start(client, source: str = "phone", language: str = "en") -> str:
    page = await client.get("/intake")
    assert page.status_code == 200
    started = await client.post("/intake", data={"csrf": csrf_of(page.text), "source": source, "language": language})
    assert started.status_code == 303
    first = started.headers["location"]  # the first question's own address, as in the public form
    assert first.endswith("/q/urgent"), first
    return first.removesuffix("/q/urgent")  # the intake's address


async def walk(client, url: str, answers: dict) -> str:
    """Answer every question the page asks until the review page; its HTML."""
    for _ in range(60):
        page = await client.get(url)
        assert page.status_code == 200, page.text
        if f'action="{url}/submit"' in page.text:
            return page.text
        key = _KEY.search(page.text).group(1)
        response = await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": key,
                                                             **fields_for(key, answers.get(key, SKIP))})
        assert response.status_code == 303, (key, response.text[-2000:])
    raise AssertionError("the questions do not end")


async def test_an_officer_takes_a_phone_tip_and_reads_out_the_code(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    answers = {**ANSWERS_FOR_MOTHER, "suspect_organisation": f"福寿康{SCRIPT}"}
    async with client_for(core) as client:
        await sign_in(client, "li")
        url = await start(client, "phone", "en")
        first = await client.get(url)
        # The officer reads the questions in the console's language; the caller speaks English.
        assert "现在是不是正在给可能是骗子的人付钱" in first.text and "来电" in first.text and "English" in first.text
        review = await walk(client, url, answers)
        assert ESCAPED in review and SCRIPT not in review
        assert "李建国" in review  # the officer checks the caller's name with them
        sent = await client.post(f"{url}/submit", data={"csrf": csrf_of(review)})
        assert sent.status_code == 303 and sent.headers["location"] == url
        receipt = await client.get(url)
        code = re.search(r'class="secret">(\d{4} \d{4} \d{4})<', receipt.text).group(1)
        pin = re.search(r'class="secret">(\d{4})<', receipt.text).group(1)
        tip_id = int(re.search(r'href="/tips/(\d+)"', receipt.text).group(1))
        tip_page = await client.get(f"/tips/{tip_id}")
        again = await client.post(f"{url}/submit", data={"csrf": csrf_of(receipt.text)})  # a double click
    assert tip_page.status_code == 200 and ESCAPED in tip_page.text and SCRIPT not in tip_page.text
    assert again.status_code == 303
    async with core.db.session() as session:
        tips = (await session.scalars(select(Tip))).all()
        audits = (await session.scalars(select(AuditEvent).where(AuditEvent.tip_id == tip_id))).all()
    assert len(tips) == 1
    tip = tips[0]
    assert (tip.channel, tip.language, tip_source(tip), tip_operator(tip)) == ("phone", "en", "phone", "li")
    assert tip.lead_unit == LEAD_UNIT and not tip.anonymous
    assert [(a.actor, a.detail) for a in audits if a.action == "tip.taken_by_staff"] == [("li", {"source": "phone"})]
    assert any(a.action == "tip.receipt_view" and a.actor == "li" for a in audits)
    view = await public_view(core, code)
    assert view is not None and view.language == "en" and view.status == "submitted"
    assert len(pin) == 4


async def test_a_letter_in_tibetan_a_wrong_answer_back_and_change(core):
    await make_staff(core, "wang", "unit_lead", LEAD_UNIT, language="en")
    async with client_for(core) as client:
        await sign_in(client, "wang")
        url = await start(client, "letter", "bo")
        page = await client.get(url)
        assert "Is money being paid" in page.text and "Letter (来信)" in page.text
        # A question left unanswered is explained in the officer's language, and nothing moves on.
        refused = await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": "urgent"})
        assert refused.status_code == 400 and "Please choose one of the answers." in refused.text
        urgent = await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": "urgent", "answer": "yes"})
        notice = await client.get(urgent.headers["location"])
        assert "call the police on 110 at once" in notice.text  # to read to the caller at once
        back = await client.post(f"{url}/back", data={"csrf": csrf_of(notice.text)})
        assert back.status_code == 303
        assert 'value="urgent"' in (await client.get(url)).text
        review = await walk(client, url, {**ANSWERS_FOR_MOTHER, "urgent": "no", "money_lost": "三万五"})
        assert "CN¥35,000.00" in review
        change = await client.post(f"{url}/change", data={"csrf": csrf_of(review), "key": "money_lost"})
        page = await client.get(change.headers["location"])
        assert 'value="money_lost"' in page.text and 'value="35000"' in page.text
        await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": "money_lost", "choice": NO_MONEY})
        review = await client.get(url)
        assert "No money was lost" in review.text
        await client.post(f"{url}/submit", data={"csrf": csrf_of(review.text)})
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert (tip_source(tip), tip_operator(tip), tip.language) == ("letter", "wang", "bo")
    assert tip.answers["money_lost"] == "none"


async def test_only_the_officer_who_started_it_can_open_an_intake(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "zhang", "officer", LEAD_UNIT)
    await make_staff(core, "audit", "auditor", None)
    async with client_for(core) as client:
        await sign_in(client, "li")
        url = await start(client, "visit", "zh_Hans")
    async with client_for(core) as client:
        await sign_in(client, "zhang")
        assert (await client.get(url)).status_code == 404
        assert (await client.get("/intake/not-a-ref")).status_code == 404
    async with client_for(core) as client:
        await sign_in(client, "audit")
        assert (await client.get("/intake")).status_code == 404  # auditors read; they take no tips


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.same_on_every_database  # what the browser shows of the markup: checked in the SQLite run
async def test_a_phone_intake_in_the_browser_is_accessible(core, console_url, browser):  # noqa: F811
    from playwright.async_api import expect

    from tests.console_support import PASSWORD
    from tests.test_console_browser import assert_accessible

    await make_staff(core, "li", "officer", LEAD_UNIT)
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("用户名").fill("li")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.get_by_role("link", name="代录线索").click()
    await assert_accessible(page, "intake-start")
    await page.get_by_label("来信").check()
    await page.get_by_label("举报人使用的语言（进展通知用这种语言发送）").select_option("en")
    await page.get_by_role("button", name="开始提问").click()
    checked = set()
    for _ in range(40):
        if await page.get_by_role("button", name="提交举报").count():
            break
        key = await page.locator('input[name="key"]').get_attribute("value")
        value = {**ANSWERS_FOR_MOTHER, "suspect_organisation": f"福寿康{SCRIPT}"}.get(key, SKIP)
        kind = STEP_BY_KEY[key].kind
        if kind.value not in checked:
            checked.add(kind.value)
            await assert_accessible(page, f"intake-{kind.value}")
        if kind is Kind.MULTI_CHOICE:
            for item in value:
                await page.locator(f'input[name="answer"][value="{item}"]').check()
        elif kind in TYPED:
            await page.locator("#answer").fill("" if value == SKIP else str(value))
        elif value != SKIP:
            await page.locator(f'input[name="answer"][value="{value}"]').check()
        await page.get_by_role("button", name="继续", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("与举报人核对回答")
    await assert_accessible(page, "intake-review")
    await page.get_by_role("button", name="提交举报").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("把查询码和回复密码读给举报人")
    await expect(page.locator("dd.secret").first).to_have_text(re.compile(r"^\d{4} \d{4} \d{4}$"))
    await assert_accessible(page, "intake-receipt")
    await page.close()
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert (tip_source(tip), tip_operator(tip), tip.language) == ("letter", "li", "en")


async def test_every_question_has_its_own_address_so_back_works_as_in_the_public_form(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        url = await start(client, "phone", "en")
        page = await client.get(url)
        answered = await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": "urgent", "answer": "no"})
        assert answered.headers["location"] == f"{url}/q/reporting_for"
        page = await client.get(answered.headers["location"])
        answered = await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": "reporting_for", "answer": "self"})
        assert answered.headers["location"] == f"{url}/q/category"
        page = await client.get(answered.headers["location"])
        assert f'href="{url}/q/reporting_for"' in page.text  # the Back link: the previous question's address
        # The browser's Back: the earlier question, with its answer, and answering it there carries on from it.
        earlier = await client.get(f"{url}/q/reporting_for")
        assert 'value="reporting_for"' in earlier.text and re.search(r'value="self" checked', earlier.text)
        assert f'href="{url}/q/urgent"' in earlier.text
        answered = await client.post(f"{url}/answer", data={"csrf": csrf_of(earlier.text), "key": "reporting_for", "answer": "family"})
        assert answered.headers["location"] == f"{url}/q/relationship"
        assert (await client.get(f"{url}/q/consent")).headers["location"] == url  # not reached yet
        review = await walk(client, url, {**ANSWERS_FOR_MOTHER, "reporting_for": "family"})
        # "Change" from the check is an address too; after the answer the check comes back.
        assert f'href="{url}/q/place?from=review"' in review
        change = await client.get(f"{url}/q/place?from=review")
        assert 'name="from" value="review"' in change.text and f'href="{url}"' in change.text
        changed = await client.post(f"{url}/answer", data={"csrf": csrf_of(change.text), "key": "place", "from": "review",
                                                           "answer": "幸福路10号"})
        assert changed.headers["location"] == url
        assert "幸福路10号" in (await client.get(url)).text
