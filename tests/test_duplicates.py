"""Possible duplicates and organisations (story 5's first half): tips naming the same phone,
organisation, address or website, written differently, are grouped; staff merge one into
another; organisations get a risk colour with a suggestion from their tips."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.casework.casework import record_outcome
from intake.casework.duplicates import (
    ColourRefused, address_key, groups, match_keys, organisation_file, organisation_key, phone_key,
    possible_duplicates, set_colour, suggest_colour, website_key,
)
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tip_records import Organisation
from intake.platform.models.tips import Tip
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in, tip_form
from tests.factories import file_tip, move_to

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize(("one", "other"), [
    ("福寿康养老服务有限公司", "福寿康 养老服务"),
    ("ＦＵＳＨＯＵ　Care Co., Ltd.", "fushou care"),
    ("福寿康（养老）中心", "福寿康养老中心"),
])
def test_organisation_names_written_differently_share_a_key(one, other):
    assert organisation_key(one) == organisation_key(other)


def test_phones_addresses_and_websites_are_normalised():
    assert phone_key("+86 138-0013-8000") == phone_key("１３８００１３８０００") == phone_key("0086 13800138000") == "+8613800138000"
    assert phone_key("0571-8888 6666") == phone_key("+86 (0)571 88886666")
    assert address_key("东湖县 幸福路８号") == address_key("东湖县幸福路8号")
    assert website_key("https://www.FuShouKang.com/") == website_key("fushoukang.com")
    assert phone_key("not a phone") is None and organisation_key("有限公司") is not None
    assert match_keys({"suspect_organisation": "dont_know", "description": "统一社会信用代码 91330100ＭＡ2Ｈ3Ｂ4Ｃ5Ｄ 的公司"}) == {
        ("credit_code", "91330100MA2H3B4C5D", "91330100MA2H3B4C5D")}


async def test_three_tips_with_one_phone_and_company_in_different_spellings_are_grouped_and_merged(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    first = (await file_tip(core, suspect_organisation="福寿康养老服务有限公司", suspect_phone="138 0013 8000")).tip_id
    second = (await file_tip(core, suspect_organisation="福寿康 养老服务", suspect_phone="+86 138-0013-8000",
                             suspect_address="别处")).tip_id
    third = (await file_tip(core, suspect_organisation="ＦＵＳＨＯＵ 福寿康养老服务", suspect_phone="１３８００１３８０００")).tip_id
    unrelated = (await file_tip(core, suspect_organisation="长青旅行社", suspect_phone="139 0000 0000",
                                suspect_address="西湖县长青路1号")).tip_id

    found = await possible_duplicates(core, officer, first)
    assert [d.tip_id for d in found] == [third, second]
    assert {kind for kind, _value in found[1].matched} == {"organisation", "phone"}
    assert {kind for kind, _value in found[0].matched} == {"phone", "address"}  # a different name, the same phone and address
    phone_groups = [g for g in await groups(core, officer) if g.kind == "phone" and g.key == "+8613800138000"]
    assert phone_groups and phone_groups[0].tips == 3
    assert unrelated not in {d.tip_id for d in found}

    async with client_for(core) as client:
        await sign_in(client, "li")
        page, csrf, version = await tip_form(client, second)
        assert "可能重复的线索" in page and f'href="/tips/{first}"' in page
        assert f"把这条线索合并到线索 {first}" in page
        merged = await client.post(f"/tips/{second}/move", data={
            "csrf": csrf, "version": version, "target": "merged", "merged_into": str(first), "template": "merged"})
        assert merged.status_code == 303
        listing = await client.get("/duplicates?kind=phone")
        assert listing.status_code == 200 and "+8613800138000" in listing.text
        group_url = re.search(r'href="(/duplicates/group\?kind=phone&amp;key=[^"]+)"', listing.text).group(1).replace("&amp;", "&")
        group = await client.get(group_url)
    assert group.status_code == 200 and f"并入线索 {first}" in group.text
    async with core.db.session() as session:
        tip = await session.get(Tip, second)
    assert (tip.status, tip.merged_into_id) == ("merged", first)


async def test_possible_duplicates_only_show_tips_in_the_viewers_scope(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    mine = (await file_tip(core, suspect_phone="138 0013 8000")).tip_id
    elsewhere = (await file_tip(core, suspect_phone="13800138000", region="990122", victim_region="990122")).tip_id
    async with core.db.session() as session:
        assert (await session.get(Tip, elsewhere)).lead_unit != LEAD_UNIT
    assert await possible_duplicates(core, officer, mine) == []
    assert await possible_duplicates(core, officer, elsewhere) == []  # not even for a tip outside the scope
    assert [g for g in await groups(core, officer) if g.kind == "phone"] == []


async def test_organisation_colour_is_suggested_from_its_tips_and_set_by_a_lead(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    lead = await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    tips = [(await file_tip(core, suspect_organisation=name, money_lost="3万")).tip_id
            for name in ("福寿康养老院", "福寿康 养老院", f"福寿康养老院{SCRIPT}")]
    key = organisation_key("福寿康养老院")
    await move_to(core, tips[0], "substantiated", staff=officer)
    await record_outcome(core, tips[0], staff=officer, money_recovered_fen=0)
    found = await organisation_file(core, officer, key)
    assert (len(found.tips), found.substantiated, found.money_fen) == (2, 1, 6_000_000)  # the <script> one is another name
    assert found.suggestion.colour == "orange"
    with pytest.raises(ColourRefused):
        await set_colour(core, officer, key, "red")
    with pytest.raises(ColourRefused):
        await set_colour(core, lead, key, "purple")

    async with client_for(core) as client:
        await sign_in(client, "wang")
        listing = await client.get("/organisations")
        assert listing.status_code == 200 and ESCAPED in listing.text and SCRIPT not in listing.text
        url = re.search(r'href="(/organisations/one\?key=[^"]+)"', listing.text).group(1)
        page = await client.get(url.replace("&amp;", "&"))
        assert "建议" in page.text and "橙" in page.text
        saved = await client.post("/organisations/colour", data={"csrf": csrf_of(page.text), "key": key, "colour": "red",
                                                                "note": f"已移送处非办{SCRIPT}"})
        assert saved.status_code == 303
        page = await client.get(saved.headers["location"])
    assert "risk-red" in page.text and ESCAPED in page.text and SCRIPT not in page.text
    async with core.db.session() as session:
        row = await session.scalar(select(Organisation).where(Organisation.key == key))
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.colour"))
    assert (row.colour, row.set_by) == ("red", "wang")
    assert audit.actor == "wang" and audit.detail["suggested"] == "orange" and audit.detail["target"] == "red"


def test_the_suggestion_rises_with_tips_confirmations_and_money():
    assert suggest_colour(1, 0, 0).colour == "green"
    assert suggest_colour(1, 0, 500_000).colour == "yellow"
    assert suggest_colour(3, 0, 0).colour == "orange"
    assert suggest_colour(2, 1, 0).colour == "orange"
    assert suggest_colour(4, 3, 0).colour == "red"
    assert suggest_colour(2, 1, 200_000_000).colour == "red"


async def test_every_duplicates_page_escapes_what_reporters_wrote(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    for _ in range(2):
        last = (await file_tip(core, suspect_organisation=SCRIPT, suspect_address=f"幸福路{SCRIPT}",
                               suspect_online=f"www.{SCRIPT}.com")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        pages = [await client.get("/duplicates"), await client.get(f"/tips/{last}")]
        for link in re.findall(r'href="(/duplicates/group\?[^"]+)"', pages[0].text):
            pages.append(await client.get(link.replace("&amp;", "&")))
        pages.append(await client.get("/organisations"))
    assert len(pages) >= 5
    for page in pages:
        assert page.status_code == 200
        assert SCRIPT not in page.text and "<script" not in page.text.lower()
