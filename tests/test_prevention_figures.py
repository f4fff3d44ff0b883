"""The campaign's prevention figures (issue 18, item 5), counted from what people did: warnings
published (in the region, withdrawn later or not), the openings of their pages, look-ups on
"check before you pay" per month (refused ones not), posters made; and the console showing each
with its definition (统计口径) in Chinese and English, in the page, the CSV and the XLSX."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import load_workbook

from intake.prevention.subscriptions import subscribe_chat, unsubscribe_chat
from intake.prevention.warnings import withdraw_warning
from intake.reports.posters import make_poster
from intake.reports.statistics import Period, campaign_statistics
from intake.staff.staff import get_staff
from tests.test_console_reports import signed_in
from tests.console_support import client_for
from tests.factories import staff
from tests.warning_support import CITY_UNIT, COUNTY, OTHER_COUNTY, a_form, a_published_warning
from tests.webclient import Reporter, text_of, web_client

NOVEMBER_DECEMBER = Period(date(2026, 11, 1), date(2026, 12, 31))
CITY = "990100"


async def look_up(client, text: str) -> None:
    reporter = Reporter(client)
    await reporter.get("/check")
    await reporter.post("/check", {"q": text})


async def campaign(core, clock):
    """Three warnings published on 27 November (two in Donghu county, one withdrawn later; one in
    another county), read on the site; look-ups in November and December; a poster made."""
    here = await a_published_warning(core)
    there = await a_published_warning(core, form=a_form(today=core.today(), regions=(OTHER_COUNTY,)), writer="b1", approver="b2")
    gone = await a_published_warning(core, writer="c1", approver="c2")
    async with web_client(core, language="en") as client:
        for _ in range(3):
            assert (await client.get(f"/warnings/{here.id}")).status_code == 200
        assert (await client.get(f"/warnings/{there.id}")).status_code == 200
        await client.get("/warnings")  # the list and the feed are not openings of a warning
        await client.get("/warnings.atom?lang=en")
        await look_up(client, "138 0013 8000")
        await look_up(client, "")  # refused: not counted
        await withdraw_warning(core, await get_staff(core, "zhou"), gone.id, reason="已核实为误报")
        assert (await client.get(f"/warnings/{gone.id}")).status_code == 404  # not shown, not counted
        clock.advance(days=5)  # 2 December
        await look_up(client, "福寿康养老院")
        await look_up(client, "yanglao-bed.example")
        assert (await client.get(f"/warnings/{here.id}")).status_code == 200
    core.settings.public_base_url = "https://tipline.example"
    await make_poster(core, "zhou", "990121-civil_affairs", "zh_Hans+bo", "A5")
    # Subscribers: two chats hear of Donghu county, one of the other county; a third Donghu chat stopped.
    for chat in ("7001", "7002"):
        await subscribe_chat(core, "telegram", chat, COUNTY, "zh_Hans")
    await subscribe_chat(core, "telegram", "7003", OTHER_COUNTY, "bo")
    stopped = await subscribe_chat(core, "telegram", "7004", COUNTY, "en")
    assert await unsubscribe_chat(core, "telegram", "7004", stopped.id) is not None
    return here, there, gone


async def test_the_figures_count_what_people_did(core, clock):
    here, there, _gone = await campaign(core, clock)
    zhou = await get_staff(core, "zhou")

    county = (await campaign_statistics(core, zhou, NOVEMBER_DECEMBER, region=COUNTY)).prevention
    city = (await campaign_statistics(core, zhou, NOVEMBER_DECEMBER, region=CITY)).prevention
    december = (await campaign_statistics(core, zhou, Period(date(2026, 12, 1), date(2026, 12, 31)), region=COUNTY)).prevention

    assert county.warnings_published == 2 and city.warnings_published == 3
    assert county.views == 4 and [(r.id, r.views) for r in county.most_read] == [(here.id, 4)]
    assert city.views == 5 and [(r.id, r.views) for r in city.most_read] == [(here.id, 4), (there.id, 1)]
    assert county.lookups == 3 and county.lookups_by_month == [("2026-11", 1), ("2026-12", 2)]
    assert county.posters_made == 1 and county.posters_by_languages == [("zh_Hans+bo", 1)]
    assert (await campaign_statistics(core, zhou, NOVEMBER_DECEMBER, region=OTHER_COUNTY)).prevention.posters_made == 0
    assert december.warnings_published == 0 and december.views == 1 and december.lookups == 2
    assert december.lookups_by_month == [("2026-12", 2)]
    assert county.subscribers == 2 and city.subscribers == 3  # the chat that stopped is not counted


async def test_the_console_shows_the_figures_with_their_definitions_in_chinese_and_english(core, clock):
    await campaign(core, clock)
    query = "start=2026-11-01&end=2026-12-31&region=990121"
    await staff(core, "ma", "coordinator", CITY_UNIT)  # reads Chinese
    async with client_for(core) as client:
        await signed_in(core, client, "ma")
        chinese = (await client.get(f"/statistics?{query}")).text
        csv_file = await client.get(f"/statistics.csv?{query}")
        xlsx = await client.get(f"/statistics.xlsx?{query}")
    assert re.search(r'id="figure-warnings_published"><th scope="row">[^<]+</th><td>2</td>', chinese)
    assert re.search(r'id="figure-warning_views"><th scope="row">[^<]+</th><td>4</td>', chinese)
    assert re.search(r'id="figure-lookups"><th scope="row">[^<]+</th><td>3</td>', chinese)
    assert re.search(r'id="figure-posters"><th scope="row">[^<]+</th><td>1 \(中文\+བོད་ཡིག: 1\)</td>', chinese)
    words = text_of(chinese)
    assert "首次发布" in words and "同一人打开两次计两次" in words and "不记录查询人或查询内容" in words
    assert re.search(r'id="figure-subscribers"><th scope="row">[^<]+</th><td>2</td>', chinese)
    assert "2026-11 1" in words and "2026-12 2" in words

    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert csv_file.status_code == 200 and ["2026-12", "2"] in rows
    assert any(row[:2] == ["发布预警数", "2"] and "首次发布" in row[2] for row in rows)
    sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert xlsx.status_code == 200 and any(row[:2] == ("预警浏览次数", "4") for row in sheet)

    async with client_for(core) as client:
        await signed_in(core, client, "zhou")  # an English-speaking coordinator
        english = text_of((await client.get(f"/statistics?{query}")).text)
    assert "Warnings published 2" in english and "first published in the period" in english
    assert "one person opening it twice counts twice" in english
    assert "Subscribers to warnings 2" in english and "not yet confirmed are not counted" in english
