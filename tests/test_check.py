"""Check before you pay (issue 18, item 2): the public look-up finds only organisations a
coordinator published on an official determination, by name, phone or website written any
way; it never tells whether tips exist; the deployment setting off hides everything; a natural
person, a sole trader or a personal phone is refused; every answer says what to do next."""
from __future__ import annotations

import re
from datetime import timedelta

from urllib.parse import quote

import pyotp
import pytest
from sqlalchemy import select

from intake.casework.duplicates import organisation_key, set_colour
from intake.casework.risk_list import Determination, RiskListRefused, publish, withdraw
from intake.platform.models.staff import AuditEvent
from intake.reporting.checks import CHECKS, CHECKS_COUNTED, daily_counts
from intake.staff.auth import enrol_totp, new_totp_secret, set_password
from intake.staff.staff import get_staff
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.console_support import PASSWORD, client_for, csrf_of, sign_in
from tests.factories import file_tip, staff
from tests.webclient import Reporter, text_of, web_client

LEAD_UNIT = "990121-civil_affairs"
CODE = "91330100MA2H3B4C5X"  # a company's unified social credit code (check character right)
SOLE_TRADER = "92330100MA2H3B4C5T"  # 个体工商户
IDENTITY_NUMBER = "11010519491231002X"  # a resident identity card number: a natural person
NAME = "福寿康养老服务有限公司"
HIDDEN = "长青旅行社"
NEXT_STEPS = ("No warning here does not mean it is safe", "civil affairs office", "96110", "report it here")


def determination(today, **changes) -> Determination:
    fields = dict(credit_code=CODE, unit="某县市场监督管理局", reference="某市监处〔2026〕12号",
                  decided_on=(today - timedelta(days=10)).isoformat(), expires_on=(today + timedelta(days=180)).isoformat(),
                  phone="0571-8765 4321", website="https://www.FuShouKang.com/", organisation_confirmed=True)
    return Determination(**{**fields, **changes})


@pytest.fixture
async def coordinator(core):
    return await staff(core, "coord", "coordinator", "990100-coordination")


async def coloured(core, coordinator, name: str, colour: str) -> str:
    await file_tip(core, suspect_organisation=name, suspect_phone="0571 8765 4321")
    key = organisation_key(name)
    await set_colour(core, coordinator, key, colour)
    return key


@pytest.fixture
async def published(core, coordinator):
    core.settings.public_risk_list = True
    key = await coloured(core, coordinator, NAME, "red")
    await publish(core, coordinator, key, determination(core.today()))
    await coloured(core, coordinator, HIDDEN, "red")  # red, with tips, but never marked public
    return key


def result_of(page: str) -> str:
    return re.search(r'<section class="check-result".*?</section>\s*<section class="check-next".*?</section>', page, re.S).group(0)


async def look_up(client, text: str) -> Reporter:
    reporter = Reporter(client)
    await reporter.get("/check")
    await reporter.post("/check", {"q": text})
    return reporter


@pytest.mark.parametrize("typed", [
    "福寿康 养老服务", "福寿康养老服务有限公司", "+86 571 8765 4321", "０５７１－８７６５ ４３２１",
    "fushoukang.COM", "www.fushoukang.com/", CODE.lower(),
])
async def test_a_published_organisation_is_found_however_it_is_typed(core, published, typed):
    async with web_client(core, language="en") as client:
        page = text_of((await look_up(client, typed)).page)
    assert "What the offices have published" in page and NAME in page
    assert "某市监处〔2026〕12号" in page and "某县市场监督管理局" in page and "Red: serious risk" in page
    assert all(step in page for step in NEXT_STEPS)


async def test_unpublished_organisations_and_tips_are_never_revealed(core, published):
    async with web_client(core, language="en") as client:
        hidden = (await look_up(client, HIDDEN)).page
        nothing = (await look_up(client, "从未有人举报的公司")).page
    # The same answer whether tips exist or not: only the typed text differs.
    assert result_of(hidden) == result_of(nothing)
    assert "Nothing has been published about what you typed." in text_of(hidden)
    assert all(step in text_of(hidden) for step in NEXT_STEPS)


async def test_the_setting_off_hides_everything(core, published):
    core.settings.public_risk_list = False
    async with web_client(core, language="en") as client:
        page = text_of((await look_up(client, NAME)).page)
    assert "Nothing has been published" in page and "某市监处" not in page


async def test_withdrawn_expired_or_recoloured_entries_disappear_at_once(core, coordinator, published, clock):
    async with web_client(core, language="en") as client:
        await withdraw(core, coordinator, published, reason="异议成立")
        assert "Nothing has been published" in text_of((await look_up(client, NAME)).page)
        await publish(core, coordinator, published, determination(core.today()))
        assert "What the offices have published" in text_of((await look_up(client, NAME)).page)
        await set_colour(core, coordinator, published, "yellow")
        assert "Nothing has been published" in text_of((await look_up(client, NAME)).page)
        await set_colour(core, coordinator, published, "orange")
        assert "Orange: risk" in text_of((await look_up(client, NAME)).page)
        clock.advance(days=181)
        assert "Nothing has been published" in text_of((await look_up(client, NAME)).page)
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("risk_list.%")).order_by(AuditEvent.id))).all()
    assert actions == ["risk_list.publish", "risk_list.withdraw", "risk_list.publish"]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"credit_code": IDENTITY_NUMBER}, "credit_code", "natural person"),
    ({"credit_code": SOLE_TRADER}, "credit_code", "sole trader"),
    ({"credit_code": ""}, "credit_code", "needed"),
    ({"credit_code": CODE[:-1] + "0"}, "credit_code", "not valid"),
    ({"phone": "+86 138 1234 5678"}, "phone", "mobile"),
    ({"organisation_confirmed": False}, "organisation_confirmed", "Confirm"),
    ({"expires_on": "2020-01-01"}, "expires_on", "expiry"),
    ({"reference": " "}, "reference", "needed"),
])
async def test_a_person_a_sole_trader_or_a_personal_phone_is_refused(core, coordinator, changes, field, words):
    key = await coloured(core, coordinator, NAME, "red")
    with pytest.raises(RiskListRefused) as refused:
        await publish(core, coordinator, key, determination(core.today(), **changes))
    assert refused.value.reason == "form" and words in refused.value.errors[field].message


async def test_only_a_coordinator_publishes_and_only_red_or_orange(core, coordinator):
    lead = await staff(core, "lead", "unit_lead", LEAD_UNIT)
    key = await coloured(core, coordinator, NAME, "yellow")
    with pytest.raises(RiskListRefused) as refused:
        await publish(core, coordinator, key, determination(core.today()))
    assert refused.value.reason == "colour"
    await set_colour(core, coordinator, key, "red")
    with pytest.raises(RiskListRefused) as refused:
        await publish(core, lead, key, determination(core.today()))
    assert refused.value.reason == "role"


async def test_over_long_input_is_refused_with_a_message_and_look_ups_are_counted_without_the_text(core, published):
    async with web_client(core, language="en") as client:
        page = text_of((await look_up(client, "福" * 101)).page)
        assert "Please type at most 100 characters" in page and "There is a problem" in page
        await look_up(client, NAME)
    assert await daily_counts(core, CHECKS_COUNTED, core.today()) == {core.today(): 1}


async def test_look_ups_are_rate_limited(core, published):
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.get("/check")
        for _ in range(CHECKS.count):
            assert (await reporter.post("/check", {"q": NAME})).status_code == 200
            reporter.page = (await client.get("/check")).text
        refused = await reporter.post("/check", {"q": NAME})
    assert refused.status_code == 429 and "96110" in text_of(refused.text) and NAME not in refused.text


async def test_the_page_speaks_three_languages(core, published):
    for language, words in (("zh_Hans", "付款前先查一查"), ("bo", "དངུལ"), ("en", "Check before you pay")):
        async with web_client(core, language=language) as client:
            page = (await look_up(client, "无此公司")).page
        assert words in page


async def console_signed_in(core, client, username: str) -> None:
    user = await get_staff(core, username)
    await set_password(core, username, PASSWORD)
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    response = await sign_in(client, username, totp_secret=secret, core=core)
    assert response.status_code == 303, response.text


async def test_a_coordinator_publishes_in_the_console_and_a_person_is_refused_there(core, coordinator):
    core.settings.public_risk_list = True
    key = await coloured(core, coordinator, NAME, "orange")
    today = core.today()
    fields = {"key": key, "credit_code": IDENTITY_NUMBER, "unit": "某县民政局", "reference": "民告〔2026〕3号",
              "decided_on": (today - timedelta(days=3)).isoformat(), "expires_on": (today + timedelta(days=90)).isoformat(),
              "phone": "", "website": "", "organisation_confirmed": "yes"}
    async with client_for(core) as client:
        await console_signed_in(core, client, "coord")
        page = await client.get(f"/organisations/one?key={quote(key)}")
        assert "公示风险名单" in page.text
        refused = await client.post("/organisations/publish", data={"csrf": csrf_of(page.text), **fields})
        assert refused.status_code == 400 and "自然人" in text_of(refused.text)
        done = await client.post("/organisations/publish", data={"csrf": csrf_of(page.text), **fields, "credit_code": CODE})
        assert done.status_code == 303
        async with web_client(core, language="zh_Hans") as public:
            assert "民告〔2026〕3号" in text_of((await look_up(public, NAME)).page)
        page = await client.get(f"/organisations/one?key={quote(key)}")
        assert "自 " in text_of(page.text) and "民告〔2026〕3号" in text_of(page.text)
        gone = await client.post("/organisations/withdraw", data={"csrf": csrf_of(page.text), "key": key, "reason": "复核"})
        assert gone.status_code == 303
        async with web_client(core, language="zh_Hans") as public:
            assert "民告〔2026〕3号" not in text_of((await look_up(public, NAME)).page)


async def test_an_objection_reaches_the_coordinators_who_answer_and_withdraw_at_once(core, coordinator, published):
    async with web_client(core, language="en") as client:
        found = await look_up(client, NAME)
        link = re.search(r'href="(/check/object/\d+)"', found.page).group(1)
        await found.get(link)
        await found.post(link, {"text": "", "contact": ""})
        assert "Please say why the entry is wrong." in text_of(found.page) and "There is a problem" in text_of(found.page)
        await found.post(link, {"text": "处罚决定已被撤销", "contact": "0571-8888 0000"})
        assert "Your objection has been received" in text_of(found.page)
    async with client_for(core) as client:
        await console_signed_in(core, client, "coord")
        listing = await client.get("/risk-list/objections")
        assert "处罚决定已被撤销" in listing.text and "0571-8888 0000" in listing.text
        url = re.search(r'action="(/risk-list/objections/\d+/answer)"', listing.text).group(1)
        answered = await client.post(url, data={"csrf": csrf_of(listing.text), "answer": "经核实，决定已撤销", "withdraw": "yes"})
        assert answered.status_code == 303
        assert "经核实，决定已撤销" in (await client.get("/risk-list/objections")).text
    async with web_client(core, language="en") as client:
        assert "Nothing has been published" in text_of((await look_up(client, NAME)).page)
        assert (await client.get(link)).status_code == 404
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("risk_list.%")).order_by(AuditEvent.id))).all()
    assert actions == ["risk_list.publish", "risk_list.objection", "risk_list.objection_answered"]


async def test_objections_are_for_coordinators_only(core, published):
    await staff(core, "officer", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await set_password(core, "officer", PASSWORD)
        await sign_in(client, "officer")
        assert (await client.get("/risk-list/objections")).status_code == 404


async def test_the_bot_checks_before_you_pay(core, published, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    found = "\n".join(m.text for m in await user.send("/check +86 (0571) 8765-4321"))
    assert NAME in found and "Red: serious risk" in found and "某市监处〔2026〕12号" in found and "96110" in found
    nothing = "\n".join(m.text for m in await user.send(f"/check {HIDDEN}"))
    assert "Nothing has been published about what you typed." in nothing and "civil affairs office" in nothing
    assert "Please type at most 100 characters" in "\n".join(m.text for m in await user.send("/check " + "x" * 101))
    assert "/check" in "\n".join(m.text for m in await user.send("/check"))
