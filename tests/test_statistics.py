"""Story 10's figures, on a seeded set of tips moved through the workflow: counts by category,
lead unit, status and region, money lost and recovered, days to accept and to finish, overdue,
satisfaction; with the 统计口径 (submission date in China Standard Time, merged tips once,
a multi-unit tip under its lead unit), and the ledger (台账) as XLSX and CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from intake.casework.casework import move_tip, record_outcome
from intake.platform.export import safe_text
from intake.reports import ledger
from intake.reports.ledger import COLUMNS, LedgerRefused, build_ledger, export_ledger, yuan
from intake.domain.messages import PublicMessage
from intake.platform.models.staff import AuditEvent
from intake.reporting.ratings import rate
from intake.reports.statistics import Durations, Period, StatisticsRefused, campaign_statistics
from tests.factories import file_tip, staff

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
FORMULA = "=cmd|' /C calc'!A0"
HEADERS = ["编号", "来源", "提交时间", "受理时间", "类别", "被举报对象", "地区", "承办单位", "协办单位", "状态", "办理结果",
           "挽回损失", "办结时间", "销号"]
WORDS = {"total": "合计", "yes": "是", "no": "否", "penalty": "行政处罚", "criminal_case": "刑事立案",
         "channel:terminal": "终端"}


def at(year: int, month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@dataclass
class Seeded:
    tips: dict[str, int]
    coordinator: object
    civil_officer: object


async def seed(core, clock) -> Seeded:
    """Thirteen tips: eleven submitted in October 2026 (China Standard Time), one the evening
    before and one just after; some accepted, checked, closed, merged, declined, rated."""
    coordinator = await staff(core, "zhou", "coordinator", "990100-coordination")
    civil = await staff(core, "li", "officer", "990121-civil_affairs")
    civil_lead = await staff(core, "wang", "unit_lead", "990121-civil_affairs")
    market = await staff(core, "chen", "officer", "990122-market_regulation")
    health = await staff(core, "zhao", "officer", "990121-health")
    urban = await staff(core, "sun", "officer", "990122-urban_management")
    urban_lead = await staff(core, "qian", "unit_lead", "990122-urban_management")
    tips: dict[str, int] = {}

    async def tip(name: str, category: str, region: str, money: str, **more) -> None:
        tips[name] = (await file_tip(core, category=category, region=region, money_lost=money, when="dont_know", **more)).tip_id

    clock.current = at(2026, 9, 30, 15, 30)  # 23:30 on 30 September in Shanghai: before the period
    await tip("T10", "care_service", "990121", "none")
    clock.current = at(2026, 9, 30, 16, 5)  # 00:05 on 1 October in Shanghai: inside
    await tip("T13", "care_product", "990123", "none")
    clock.current = at(2026, 10, 10)
    await tip("T1", "care_service", "990121", "3万")
    await tip("T2", "care_service", "990121", "none")
    await tip("T3", "care_service", "990121", "5000")
    await tip("T4", "care_product", "990122", "2000")
    await tip("T5", "care_product", "990122", "dont_know")
    await tip("T6", "care_project", "990123", "10万")
    await tip("T7", "medical", "990121", "none")
    await tip("T8", "posters", "990122", "none")
    await tip("T9", "care_service", "990121", "1000", suspect_organisation=FORMULA)
    await move_tip(core, tips["T3"], "merged", staff=civil, merged_into=tips["T1"])
    await move_tip(core, tips["T5"], "declined", staff=market)
    clock.current = at(2026, 10, 12)
    await move_tip(core, tips["T1"], "accepted", staff=civil)
    await move_tip(core, tips["T7"], "accepted", staff=health)
    clock.current = at(2026, 10, 13)
    await move_tip(core, tips["T8"], "accepted", staff=urban)
    clock.current = at(2026, 10, 14)
    await move_tip(core, tips["T2"], "accepted", staff=civil)
    clock.current = at(2026, 10, 15)
    for name, who in (("T1", civil), ("T2", civil), ("T7", health), ("T8", urban)):
        await move_tip(core, tips[name], "verifying", staff=who)
    clock.current = at(2026, 10, 16)
    await move_tip(core, tips["T7"], "needs_info", staff=health, public=PublicMessage(text="请问是在哪家诊所？", language="zh_Hans"))
    clock.current = at(2026, 10, 18)
    await move_tip(core, tips["T1"], "substantiated", staff=civil)
    await record_outcome(core, tips["T1"], staff=civil, money_recovered_fen=1_000_000, penalty_decision_no="东市监罚〔2026〕12号",
                         penalty_date="2026-10-17", criminal_case_filed=True)
    await move_tip(core, tips["T8"], "unsubstantiated", staff=urban)
    clock.current = at(2026, 10, 22)
    await move_tip(core, tips["T1"], "closed", staff=civil_lead)
    await rate(core, tips["T1"], "yes")
    clock.current = at(2026, 10, 31, 15, 50)  # 23:50 on 31 October in Shanghai: inside
    await tip("T12", "care_service", "990121", "none")
    clock.current = at(2026, 10, 31, 16, 10)  # 00:10 on 1 November: after
    await tip("T11", "care_service", "990121", "none")
    clock.current = at(2026, 11, 2)
    await move_tip(core, tips["T8"], "closed", staff=urban_lead)
    await rate(core, tips["T8"], "no")
    clock.current = at(2026, 12, 20)  # T2's 60 days since 14 October have run out; T7 waits for the reporter
    return Seeded(tips, coordinator, civil)


async def test_the_campaign_figures_follow_their_definitions(core, clock):
    seeded = await seed(core, clock)
    stats = await campaign_statistics(core, seeded.coordinator, OCTOBER)
    assert stats.total == 10 and stats.merged_not_counted == 1
    assert dict(stats.by_category) == {"care_service": 4, "care_product": 3, "care_project": 1, "medical": 1, "posters": 1}
    assert stats.by_category[0] == ("care_service", 4)
    assert dict(stats.by_status) == {"submitted": 5, "declined": 1, "verifying": 1, "needs_info": 1, "closed": 2}
    assert dict(stats.by_region) == {"990121": 5, "990122": 3, "990123": 2}
    assert dict(stats.by_unit) == {
        "990121-civil_affairs": 4, "990122-market_regulation": 2, "990123-market_regulation": 1,
        "990123-finance_office": 1, "990121-health": 1, "990122-urban_management": 1,
    }
    # 3万 + 2000 + 10万 + 1000 yuan; the merged tip's 5000 is not counted again.
    assert (stats.money_lost_fen, stats.tips_with_money_lost) == (13_300_000, 4)
    assert (stats.money_recovered_fen, stats.tips_with_money_recovered) == (1_000_000, 1)
    assert (stats.to_accept.count, stats.to_accept.mean_days, stats.to_accept.median_days) == (4, 2.75, 2.5)
    assert (stats.to_finish.count, stats.to_finish.mean_days, stats.to_finish.median_days) == (2, 15.0, 15.0)
    assert (stats.overdue_accept, stats.overdue_finish) == (5, 1)
    tips = seeded.tips
    assert {t.id for t in stats.overdue} == {tips[n] for n in ("T4", "T6", "T9", "T12", "T13", "T2")}
    assert {t.kind for t in stats.overdue if t.id == tips["T2"]} == {"finish"}
    assert stats.satisfaction == {"yes": 1, "partly": 0, "no": 1}


async def test_a_county_and_a_unit_see_their_own_share(core, clock):
    seeded = await seed(core, clock)
    county = await campaign_statistics(core, seeded.coordinator, OCTOBER, region="990122")
    assert county.total == 3 and dict(county.by_region) == {"990122": 3}
    assert county.money_lost_fen == 200_000
    assert county.to_accept == Durations(1, 3.0, 3.0) and county.to_finish == Durations(1, 20.0, 20.0)  # T8 alone
    unit = await campaign_statistics(core, seeded.civil_officer, OCTOBER)
    assert unit.total == 4 and dict(unit.by_unit) == {"990121-civil_affairs": 4}
    county_coordinator = await staff(core, "xu", "coordinator", "990123-civil_affairs")
    with pytest.raises(StatisticsRefused):
        await campaign_statistics(core, county_coordinator, OCTOBER, region="990100")  # above their own region
    with pytest.raises(LedgerRefused):
        await build_ledger(core, county_coordinator, OCTOBER, headers=HEADERS, words=WORDS, region="990100")
    own = await build_ledger(core, county_coordinator, OCTOBER, headers=HEADERS, words=WORDS)
    assert {row.id for row in own.rows} == {seeded.tips["T6"], seeded.tips["T13"]}
    with pytest.raises(StatisticsRefused):
        await campaign_statistics(core, await staff(core, "fang", "reward_admin", None), OCTOBER)
    one_day = await campaign_statistics(core, seeded.coordinator, Period(date(2026, 10, 31), date(2026, 10, 31)))
    assert one_day.total == 1  # T12 at 23:50 China Standard Time; T11 ten minutes after midnight is November's


async def test_the_ledger_as_xlsx_has_every_tip_a_total_and_no_formula(core, clock):
    seeded = await seed(core, clock)
    content, count = await export_ledger(core, seeded.coordinator, OCTOBER, "xlsx", headers=HEADERS, words=WORDS)
    assert count == 11  # the ledger lists the merged tip too, as merged
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 1 + 11 + 1
    by_id = {row[0]: row for row in rows[1:-1]}
    tips = seeded.tips
    assert set(by_id) == {tips[n] for n in ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T12", "T13")}
    first = dict(zip(COLUMNS, by_id[tips["T1"]]))
    assert first["source"] == "终端" and first["category"] == "提供“养老服务”" or first["category"]
    assert first["submitted_at"] == datetime(2026, 10, 10, 10, 0) and first["accepted_at"] == datetime(2026, 10, 12, 10, 0)
    assert first["finished_at"] == datetime(2026, 10, 22, 10, 0) and first["struck_off"] == "是"
    assert first["subject"] == "福寿康养老院 / 张经理" and first["region"] == "东湖县" and first["lead_unit"] == "东湖县民政局"
    assert first["money_recovered"] == 10000 and "行政处罚 东市监罚〔2026〕12号 2026-10-17" in first["result"]
    assert "刑事立案" in first["result"]
    assert dict(zip(COLUMNS, by_id[tips["T3"]]))["struck_off"] == "是"
    assert dict(zip(COLUMNS, by_id[tips["T2"]]))["finished_at"] is None
    # The organisation name that looks like a formula stays text.
    formula_row = dict(zip(COLUMNS, by_id[tips["T9"]]))
    assert formula_row["subject"].startswith("'=cmd")
    cell = sheet.cell(row=[r[0] for r in rows].index(tips["T9"]) + 1, column=COLUMNS.index("subject") + 1)
    assert cell.data_type == "s"
    total = rows[-1]
    assert total[0] == "合计" and total[COLUMNS.index("money_recovered")] == 10000
    assert sheet.cell(row=len(rows), column=COLUMNS.index("money_recovered") + 1).number_format == "0.00"


async def test_the_ledger_as_csv_opens_in_a_spreadsheet_and_is_audited(core, clock):
    seeded = await seed(core, clock)
    content, count = await export_ledger(core, seeded.civil_officer, OCTOBER, "csv", headers=HEADERS, words=WORDS)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    tips = seeded.tips
    # The civil-affairs officer's unit leads T1, T2, T3 (merged), T9, T12 and assists health on T7.
    assert count == 6 and {int(r[0]) for r in rows[1:-1]} == {tips[n] for n in ("T1", "T2", "T3", "T7", "T9", "T12")}
    t7 = dict(zip(COLUMNS, next(r for r in rows if r[0] == str(tips["T7"]))))
    assert t7["lead_unit"] == "东湖县卫生健康委员会" or t7["lead_unit"].startswith("东湖县")
    assert t7["assisting_units"] == "东湖县民政局"
    t1 = dict(zip(COLUMNS, next(r for r in rows if r[0] == str(tips["T1"]))))
    assert t1["money_recovered"] == "10000.00" and t1["submitted_at"] == "2026-10-10 10:00"
    assert next(r for r in rows if r[0] == str(tips["T9"]))[COLUMNS.index("subject")].startswith("'=cmd")
    assert rows[-1][0] == "合计" and rows[-1][COLUMNS.index("money_recovered")] == "10000.00"
    async with core.db.session() as session:
        audited = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.export"))).all()
    assert [(a.actor, a.detail["format"], a.detail["tips"]) for a in audited] == [("li", "csv", 6)]


async def test_ledger_refuses_who_has_no_tips(core, clock):
    admin = await staff(core, "fang", "reward_admin", None)
    with pytest.raises(LedgerRefused):
        await build_ledger(core, admin, OCTOBER, headers=HEADERS, words=WORDS)


def test_cells_and_money():
    assert [safe_text(s) for s in ("=1+1", "+86", "-2", "@SUM(A1)", "\t=x", "福寿康", "a=b")] == [
        "'=1+1", "'+86", "'-2", "'@SUM(A1)", "'\t=x", "福寿康", "a=b"]
    assert safe_text("bad\x00\x07text") == "badtext"
    assert yuan(3_000_000) == Decimal("30000.00") and str(yuan(1)) == "0.01" and str(yuan(0)) == "0.00"


def counted_ledger_reads(monkeypatch, *, first: int, then: int) -> list[int]:
    """Small ledger batches, and the size of each batch read as it is read (to see what has
    been read when a chunk leaves)."""
    monkeypatch.setattr(ledger, "FIRST_BATCH", first)
    monkeypatch.setattr(ledger, "BATCH", then)
    reads: list[int] = []
    read_batch = ledger.LedgerReader._read_batch

    async def counted(self, after, size):
        reads.append(size)
        return await read_batch(self, after, size)

    monkeypatch.setattr(ledger.LedgerReader, "_read_batch", counted)
    return reads


async def test_the_ledger_streams_its_first_rows_before_it_reads_the_last(core, clock, monkeypatch):
    seeded = await seed(core, clock)
    whole, count = await export_ledger(core, seeded.coordinator, OCTOBER, "csv", headers=HEADERS, words=WORDS)
    reads = counted_ledger_reads(monkeypatch, first=2, then=3)
    export = await ledger.open_export(core, seeded.coordinator, OCTOBER, "csv", headers=HEADERS, words=WORDS)
    chunks = export.chunks()
    header, first_rows = await anext(chunks), await anext(chunks)
    assert header.decode("utf-8-sig") == ",".join(HEADERS) + "\r\n"
    assert reads == [2] and first_rows.count(b"\r\n") == 2  # two tips out, the other nine not read yet
    rest = [chunk async for chunk in chunks]
    assert reads == [2, 3, 3, 3, 3] and await export.counted == count == 11
    assert header + first_rows + b"".join(rest) == whole  # the same file, in pieces

    small = await ledger.open_export(core, seeded.coordinator, OCTOBER, "xlsx", headers=HEADERS, words=WORDS)
    pieces = [chunk async for chunk in small.chunks()]
    content, _count = await export_ledger(core, seeded.coordinator, OCTOBER, "xlsx", headers=HEADERS, words=WORDS)
    assert pieces[0].startswith(b"PK\x03\x04")  # the zip's first part begun (deflate holds a few rows back)
    cells = [list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)) for data in (b"".join(pieces), content)]
    assert cells[0] == cells[1] and len(cells[0]) == 1 + 11 + 1
