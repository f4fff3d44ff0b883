"""Campaign statistics (coordinators; auditors read them) and the ledger (台账) downloads.

The figures and the files come from intake.reports.statistics and intake.reports.ledger; this module only
translates: the form's fields in, the page (tables, server-side SVG bar charts, the 统计口径
beside every figure) and the downloads out. No script: the charts are plain inline SVG with
presentation attributes, a title and a text label on every bar.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from markupsafe import Markup, escape

from console.dependencies import ConsoleDep, NotForRole, SignedIn, role
from console.web import Console, Viewer
from i18n import LANGUAGE_NAMES, N_
from intake.platform import audit
from intake.platform.export import csv_bytes, xlsx_bytes
from intake.reports.ledger import COLUMNS, LedgerRefused, open_export, yuan
from intake.reporting.ratings import CHOICES as SATISFACTION_LABELS
from intake.staff.staff import UNIT_ROLES, Role
from intake.reports.statistics import Period, Statistics, StatisticsRefused, campaign_statistics, regions_in_scope
from intake.domain.deployment import Deployment
from intake.domain.workflow import STATUS_LABELS, Status

STATISTICS_ROLES = (Role.COORDINATOR, Role.AUDITOR)
LEDGER_ROLES = (Role.COORDINATOR, Role.AUDITOR, *UNIT_ROLES)

# The ledger's column headers. Chinese for the translator: 编号, 来源, 提交时间, 受理时间, 类别,
# 被举报对象, 地区, 承办单位, 协办单位, 状态, 办理结果, 挽回损失（元）, 办结时间, 销号.
LEDGER_HEADERS = {
    "id": N_("No."),
    "source": N_("Source"),
    "submitted_at": N_("Submitted"),
    "accepted_at": N_("Accepted"),
    "category": N_("Category"),
    "subject": N_("Reported party"),
    "region": N_("Region"),
    "lead_unit": N_("Lead unit"),
    "assisting_units": N_("Assisting units"),
    "status": N_("Status"),
    "result": N_("Result"),
    "money_recovered": N_("Money recovered (yuan)"),
    "finished_at": N_("Finished"),
    "struck_off": N_("Struck off"),
}
# Words inside the ledger's cells. Chinese: 合计, 是, 否, 行政处罚, 刑事立案, 已判决, 有关部门已掌握;
# sources: 网页, Telegram, 终端, 来电, 来信, 来访, 合作方接口.
LEDGER_WORDS = {
    "total": N_("Total"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "penalty": N_("Administrative penalty"),
    "criminal_case": N_("Criminal case filed"),
    "convicted": N_("Convicted"),
    "already_known": N_("Already known to the authorities"),
    "channel:web": N_("Web form"),
    "channel:telegram": N_("Telegram"),
    "channel:terminal": N_("Terminal"),
    "channel:phone": N_("Phone call"),
    "channel:letter": N_("Letter"),
    "channel:visit": N_("Visit"),
    "channel:partner": N_("Partner API"),
}
# 统计口径: each figure's definition, printed beside it.
DEFINITIONS = {
    "total": N_("Tips submitted in the period (by submission date, China Standard Time) in the region and below. "
                "A tip merged into another is not counted again: it counts once, as the tip it joined."),
    "merged": N_("Duplicates merged into another tip; left out of every other figure."),
    "by_category": N_("Counted under the tip's category as it stands now (staff may have corrected the reporter's choice)."),
    "by_unit": N_("A tip handled by several units counts once, under its lead unit (承办单位)."),
    "by_status": N_("The tip's status now, not at the end of the period."),
    "by_region": N_("Counted in the region of the tip: where the suspect operates; for phone or online scams, where the person targeted lives."),
    "money_lost": N_("The sums reporters gave as lost or paid; tips whose reporter gave no amount add nothing. Not verified."),
    "money_recovered": N_("Money recovered (挽回损失) as recorded by staff in the tips' outcomes."),
    "to_accept": N_("Days from submission to the first acceptance, for the tips accepted so far."),
    "to_finish": N_("Days from the first acceptance to the first closing, for the tips finished so far; waiting for the reporter included."),
    "overdue": N_("Tips past their deadline now: not accepted within 15 days, or not finished within 60 days of acceptance "
                  "(plus any extension; the clock stops while waiting for the reporter)."),
    "satisfaction": N_("The reporters' own ratings of finished tips; most reporters do not rate."),
}
# 统计口径 of the prevention figures (宣传), printed beside each (intake/reports/prevention_figures.py).
PREVENTION_DEFINITIONS = {
    "warnings_published": N_("Warnings and typical cases first published in the period (China Standard Time) for the region or "
                             "a region inside it; one withdrawn later still counts. A warning published for a wider region "
                             "counts there, not here."),
    "warning_views": N_("Openings of a published warning's page on the public site, and warnings shown by the bot's /warnings "
                        "command, in the period, of the warnings counted in the region (whenever they were published). "
                        "Counted per warning and day with nothing about the reader: one person opening it twice counts "
                        "twice; feed readers are not counted."),
    "subscribers": N_("Active subscriptions to new warnings (bot and e-mail) at the moment the figures are computed; people "
                      "who opted out and e-mail addresses not yet confirmed are not counted."),
    "lookups": N_("Answered look-ups on “check before you pay” (web and bot) in the period, by China Standard Time day; "
                  "refused ones (empty, too long, too many) are not counted. For the whole deployment whatever region is "
                  "chosen: nothing is kept about who looked up or what they typed."),
    "posters": N_("Posters (A4) and leaflets (A5) made as PDF in the period, in the console or with “tipline posters make”, "
                  "for units of the region or a region inside it (from the audit log); each PDF counts once, however many "
                  "copies are printed."),
    "lookups_by_month": N_("Look-ups per calendar month (China Standard Time); the first and last months count only the days "
                           "inside the period."),
    "most_read": N_("The warnings counted in the region that were viewed in the period, most read first (at most 50); "
                    "titles in Chinese."),
}
NO_UNIT = N_("No unit")
BAR_FILL = "#0b5394"
INK = "#1b1b1b"


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _money(fen: int) -> str:
    return f"{yuan(fen):,.2f}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _label_width(text: str) -> float:
    """Rough width of `text` in ems: CJK and Tibetan glyphs one em, Latin about half."""
    return sum(1.0 if ord(ch) > 0x2E7F or 0x0F00 <= ord(ch) <= 0x0FFF else 0.56 for ch in text)


def _fit(text: str, ems: float) -> str:
    if _label_width(text) <= ems:
        return text
    out = ""
    for ch in text:
        if _label_width(out + ch + "…") > ems:
            break
        out += ch
    return out + "…"


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int, str]]) -> Markup:
    """A horizontal bar chart as inline SVG: `items` are (label, value, value as shown). Readable
    without script or styles: a title and description for assistive technology, and every
    bar labelled with its name and value in text."""
    font, row, label_w, value_w, bar_w = 14, 30, 250, 110, 300
    width = label_w + bar_w + value_w
    height = max(1, len(items)) * row + 10
    top = max((value for _, value, _shown in items), default=0) or 1
    summary = "; ".join(f"{label}: {shown}" for label, _value, shown in items)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" font-size="{font}" '
        f'font-family="sans-serif" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    for index, (label, value, shown) in enumerate(items):
        y = 5 + index * row
        length = 0 if value <= 0 else max(2, round(bar_w * value / top))
        parts.append(
            f'<g><text x="{label_w - 8}" y="{y + row / 2 + font / 3:.1f}" text-anchor="end">{escape(_fit(label, (label_w - 12) / font))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{length}" height="{row - 8}" fill="{BAR_FILL}"/>'
            f'<text x="{label_w + length + 6}" y="{y + row / 2 + font / 3:.1f}">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


STATISTICS_ONLY = N_("Campaign statistics are for coordinators and auditors.")
LEDGER_ONLY = N_("The ledger is for the staff of a unit, coordinators and auditors.")
NOT_AVAILABLE = N_("Not available")
Statistician = Annotated[Viewer, Depends(role(*STATISTICS_ROLES, title=NOT_AVAILABLE, message=STATISTICS_ONLY))]
LedgerReader = Annotated[Viewer, Depends(role(*LEDGER_ROLES, title=NOT_AVAILABLE, message=LEDGER_ONLY))]

router = APIRouter()



def period_of(console: Console, viewer: Viewer, start: str, end: str) -> tuple[Period, str | None]:
    """The dates asked for; by default this year so far. A bad field gives the default and a message."""
    _ = viewer._
    today = console.core.today()
    first, last = _day(start) if start else date(today.year, 1, 1), _day(end) if end else today
    if first is None or last is None:
        return Period(date(today.year, 1, 1), today), _("Give the dates as YYYY-MM-DD.")
    if first > last:
        return Period(last, first), _("The first date was after the last one, so they were swapped.")
    return Period(first, last), None


def query(period: Period, region: str) -> str:
    values = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if region:
        values["region"] = region
    return urlencode(values)


@router.get("/reports")
async def reports(viewer: SignedIn) -> Response:
    return RedirectResponse("/statistics" if viewer.staff.role in STATISTICS_ROLES else "/ledger", status_code=303)


def dimension_rows(deployment: Deployment, viewer: Viewer, stats: Statistics) -> dict[str, list[tuple[str, int, str]]]:
    lang, c_, _ = viewer.language, viewer.core_, viewer._
    total = stats.total or 1

    def shown(count: int) -> str:
        return f"{count} ({100 * count / total:.1f}%)"

    return {
        "by_category": [(deployment.category_label(code, lang), n, shown(n)) for code, n in stats.by_category],
        "by_unit": [(deployment.unit_name(code, lang) if code else _(NO_UNIT), n, shown(n)) for code, n in stats.by_unit],
        "by_status": [(c_(STATUS_LABELS[Status(code)]), n, shown(n)) for code, n in stats.by_status],
        "by_region": [(deployment.region_name(code, lang), n, shown(n)) for code, n in stats.by_region],
    }


def figures(viewer: Viewer, stats: Statistics) -> list[tuple[str, str, str, str]]:
    """(key, figure, value, definition) for the summary table and the CSV."""
    _ = viewer._
    return [
        ("total", _("Tips"), str(stats.total), _(DEFINITIONS["total"])),
        ("merged", _("Merged duplicates (not counted)"), str(stats.merged_not_counted), _(DEFINITIONS["merged"])),
        ("money_lost", _("Money reported lost (yuan)"),
         _("%(money)s, in %(tips)s tips", money=_money(stats.money_lost_fen), tips=stats.tips_with_money_lost),
         _(DEFINITIONS["money_lost"])),
        ("money_recovered", _("Money recovered (yuan)"),
         _("%(money)s, in %(tips)s tips", money=_money(stats.money_recovered_fen), tips=stats.tips_with_money_recovered),
         _(DEFINITIONS["money_recovered"])),
        ("to_accept", _("Days to accept (median / mean)"),
         _("%(median)s / %(mean)s, over %(tips)s tips", median=_days(stats.to_accept.median_days),
           mean=_days(stats.to_accept.mean_days), tips=stats.to_accept.count),
         _(DEFINITIONS["to_accept"])),
        ("to_finish", _("Days to finish (median / mean)"),
         _("%(median)s / %(mean)s, over %(tips)s tips", median=_days(stats.to_finish.median_days),
           mean=_days(stats.to_finish.mean_days), tips=stats.to_finish.count),
         _(DEFINITIONS["to_finish"])),
        ("overdue", _("Overdue now"),
         _("%(total)s (not accepted in time: %(accept)s; not finished in time: %(finish)s)",
           total=stats.overdue_total, accept=stats.overdue_accept, finish=stats.overdue_finish),
         _(DEFINITIONS["overdue"])),
        ("satisfaction", _("Satisfaction"),
         "; ".join(f"{viewer.core_(SATISFACTION_LABELS[k])}: {v}" for k, v in stats.satisfaction.items()),
         _(DEFINITIONS["satisfaction"])),
    ]


def prevention_rows(viewer: Viewer, stats: Statistics) -> list[tuple[str, str, str, str]]:
    """(key, figure, value, definition) of the prevention figures, for the page, the CSV and the XLSX."""
    _, figures_ = viewer._, stats.prevention
    posters = str(figures_.posters_made)
    if figures_.posters_by_languages:
        posters += " (" + "; ".join(
            f"{'+'.join(LANGUAGE_NAMES.get(code, code) for code in languages.split('+'))}: {count}"
            for languages, count in figures_.posters_by_languages) + ")"
    return [
        ("warnings_published", _("Warnings published"), str(figures_.warnings_published),
         _(PREVENTION_DEFINITIONS["warnings_published"])),
        ("warning_views", _("Warning views"), str(figures_.views), _(PREVENTION_DEFINITIONS["warning_views"])),
        ("subscribers", _("Subscribers to warnings"),
         str(figures_.subscribers),
         _(PREVENTION_DEFINITIONS["subscribers"])),
        ("lookups", _("Look-ups on “check before you pay”"), str(figures_.lookups), _(PREVENTION_DEFINITIONS["lookups"])),
        ("posters", _("Posters and leaflets made"), posters, _(PREVENTION_DEFINITIONS["posters"])),
    ]


async def statistics_for(console: Console, viewer: Viewer, start: str, end: str,
                         region: str) -> tuple[Statistics, str | None, str]:
    """The statistics asked for, the message on a bad date, and the region shown."""
    period, error = period_of(console, viewer, start, end)
    allowed = regions_in_scope(console.core, viewer.staff)
    chosen = region if region in allowed else allowed[0]
    try:
        stats = await campaign_statistics(console.core, viewer.staff, period, region=chosen)
    except StatisticsRefused:
        raise NotForRole(viewer, NOT_AVAILABLE, STATISTICS_ONLY) from None
    return stats, error, chosen


@router.get("/statistics")
async def statistics_page(viewer: Statistician, console: ConsoleDep, start: str = "", end: str = "",
                          region: str = "") -> Response:
    stats, error, chosen = await statistics_for(console, viewer, start, end, region)
    _, lang = viewer._, viewer.language
    core, deployment = console.core, console.core.deployment
    dimensions = dimension_rows(deployment, viewer, stats)
    titles = {
        "by_category": _("Tips by category"), "by_unit": _("Tips by lead unit"),
        "by_status": _("Tips by status"), "by_region": _("Tips by region"),
    }
    sections = [
        {"key": key, "title": titles[key], "definition": _(DEFINITIONS[key]), "rows": rows,
         "chart": bar_chart(f"chart-{key}", titles[key], rows) if rows else None}
        for key, rows in dimensions.items()
    ]
    satisfaction = [(viewer.core_(SATISFACTION_LABELS[k]), v, str(v)) for k, v in stats.satisfaction.items()]
    money = [(_("Money reported lost"), stats.money_lost_fen, _money(stats.money_lost_fen)),
             (_("Money recovered"), stats.money_recovered_fen, _money(stats.money_recovered_fen))]
    overdue_rows = [
        {"id": item.id, "kind": _("Not accepted in time") if item.kind == "accept" else _("Not finished in time"),
         "category": deployment.category_label(item.category, lang), "region": deployment.region_name(item.region, lang),
         "unit": deployment.unit_name(item.lead_unit, lang) if item.lead_unit else "", "created_at": item.created_at,
         "due": item.due}
        for item in stats.overdue
    ]
    q = query(stats.period, chosen)
    return console.render(
        viewer, "statistics.html", title=_("Campaign statistics"), stats=stats, error=error,
        start=stats.period.start.isoformat(), end=stats.period.end.isoformat(), region=chosen,
        regions=[(code, deployment.region_name(code, lang)) for code in regions_in_scope(core, viewer.staff)],
        figures=figures(viewer, stats), sections=sections,
        money_chart=bar_chart("chart-money", _("Money reported lost and recovered (yuan)"), money),
        satisfaction_chart=bar_chart("chart-satisfaction", _("Satisfaction"), satisfaction) if stats.ratings else None,
        overdue_definition=_(DEFINITIONS["overdue"]), overdue_rows=overdue_rows,
        prevention=prevention_rows(viewer, stats), lookups_by_month=stats.prevention.lookups_by_month,
        lookups_chart=bar_chart("chart-lookups", _("Look-ups per month"),
                                [(month, n, str(n)) for month, n in stats.prevention.lookups_by_month]),
        most_read=stats.prevention.most_read, prevention_definitions={
            key: _(PREVENTION_DEFINITIONS[key]) for key in ("lookups_by_month", "most_read")},
        xlsx_url=f"/ledger.xlsx?{q}", csv_url=f"/ledger.csv?{q}", stats_csv_url=f"/statistics.csv?{q}",
        stats_xlsx_url=f"/statistics.xlsx?{q}",
    )


def statistics_rows(console: Console, viewer: Viewer, stats: Statistics, chosen: str) -> list[list[object]]:
    """The statistics as rows of a spreadsheet: a title row, then each figure with its definition."""
    _, deployment = viewer._, console.core.deployment
    rows: list[list[object]] = [
        [_("Campaign statistics"), deployment.region_name(chosen, viewer.language), stats.period.start.isoformat(), stats.period.end.isoformat()],
        [_("Figure"), _("Value"), _("Definition")],
    ]
    rows += [[label, value, definition] for _key, label, value, definition in figures(viewer, stats)]
    titles = {"by_category": _("Category"), "by_unit": _("Lead unit"), "by_status": _("Status"), "by_region": _("Region")}
    for key, items in dimension_rows(deployment, viewer, stats).items():
        rows.append([])
        rows.append([titles[key], _("Tips"), _(DEFINITIONS[key])])
        rows += [[label, count] for label, count, _shown in items]
    rows.append([])
    rows.append([_("Overdue tips"), _("Deadline"), _(DEFINITIONS["overdue"])])
    rows += [[item.id, console.local_date(item.due)] for item in stats.overdue]
    rows.append([])
    rows.append([_("Prevention (宣传)"), _("Value"), _("Definition")])
    rows += [[label, value, definition] for _key, label, value, definition in prevention_rows(viewer, stats)]
    rows.append([])
    rows.append([_("Month"), _("Look-ups"), _(PREVENTION_DEFINITIONS["lookups_by_month"])])
    rows += [[month, count] for month, count in stats.prevention.lookups_by_month]
    rows.append([])
    rows.append([_("Warning"), _("Views"), _(PREVENTION_DEFINITIONS["most_read"])])
    rows += [[f"{read.id} {read.title}", read.views] for read in stats.prevention.most_read]
    return rows


async def statistics_file(console: Console, viewer: Viewer, fmt: str, start: str, end: str, region: str) -> Response:
    stats, _error, chosen = await statistics_for(console, viewer, start, end, region)
    rows = statistics_rows(console, viewer, stats, chosen)
    await audit.record_now(console.core, viewer.staff.username, "statistics.export", None, start=stats.period.start.isoformat(),
                           end=stats.period.end.isoformat(), region=chosen, format=fmt)
    name = f"statistics-{stats.period.start}-{stats.period.end}.{fmt}"
    if fmt == "xlsx":
        content = xlsx_bytes([str(cell) for cell in rows[0]], rows[1:], title=viewer._("Campaign statistics"))
        return _download(content, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _download(csv_bytes(rows), name, "text/csv; charset=utf-8")


@router.get("/statistics.csv")
async def statistics_csv(viewer: Statistician, console: ConsoleDep, start: str = "", end: str = "",
                         region: str = "") -> Response:
    return await statistics_file(console, viewer, "csv", start, end, region)


@router.get("/statistics.xlsx")
async def statistics_xlsx(viewer: Statistician, console: ConsoleDep, start: str = "", end: str = "",
                          region: str = "") -> Response:
    return await statistics_file(console, viewer, "xlsx", start, end, region)


@router.get("/ledger")
async def ledger_page(viewer: LedgerReader, console: ConsoleDep, start: str = "", end: str = "",
                      region: str = "") -> Response:
    period, error = period_of(console, viewer, start, end)
    allowed = regions_in_scope(console.core, viewer.staff)
    chosen = region if region in allowed else (allowed[0] if allowed else "")
    q = query(period, chosen)
    return console.render(
        viewer, "ledger.html", title=viewer._("Ledger (台账)"), error=error,
        start=period.start.isoformat(), end=period.end.isoformat(), region=chosen,
        regions=[(code, console.core.deployment.region_name(code, viewer.language)) for code in allowed],
        xlsx_url=f"/ledger.xlsx?{q}", csv_url=f"/ledger.csv?{q}",
        can_statistics=viewer.staff.role in STATISTICS_ROLES,
    )


async def ledger_file(console: Console, viewer: Viewer, fmt: str, start: str, end: str, region: str) -> Response:
    _ = viewer._
    period, _error = period_of(console, viewer, start, end)
    try:
        export = await open_export(
            console.core, viewer.staff, period, fmt, headers=[_(LEDGER_HEADERS[c]) for c in COLUMNS],
            words={key: _(msgid) for key, msgid in LEDGER_WORDS.items()}, region=region or None,
            title=_("Ledger"),
        )
    except LedgerRefused:
        raise NotForRole(viewer, NOT_AVAILABLE, LEDGER_ONLY) from None
    name = f"ledger-{period.start}-{period.end}.{fmt}"
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
             else "text/csv; charset=utf-8")
    # Streamed: the first rows leave while the rest are read, in the memory of one batch.
    return StreamingResponse(export.chunks(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/ledger.xlsx")
async def ledger_xlsx(viewer: LedgerReader, console: ConsoleDep, start: str = "", end: str = "", region: str = "") -> Response:
    return await ledger_file(console, viewer, "xlsx", start, end, region)


@router.get("/ledger.csv")
async def ledger_csv(viewer: LedgerReader, console: ConsoleDep, start: str = "", end: str = "", region: str = "") -> Response:
    return await ledger_file(console, viewer, "csv", start, end, region)


def _download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

