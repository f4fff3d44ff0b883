"""Story 10 in the console: a coordinator reads the campaign statistics with their charts and
definitions, downloads the ledger (台账) as XLSX and CSV and the statistics as CSV; an officer
downloads the unit's ledger but not the statistics."""
from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pyotp
import pytest
from openpyxl import load_workbook

from console.i18n import ConsoleTranslator
from console.report_views import LEDGER_HEADERS, bar_chart
from intake.reports.ledger import COLUMNS
from intake.staff.auth import enrol_totp, new_totp_secret, set_password
from intake.staff.staff import get_staff
from tests.console_support import PASSWORD, client_for, next_code, sign_in
from tests.test_statistics import FORMULA, counted_ledger_reads, seed

QUERY = "start=2026-10-01&end=2026-10-31"


async def signed_in(core, client, username: str) -> None:
    """Sign in; a coordinator (who must have a second factor) enrols one first."""
    user = await get_staff(core, username)
    await set_password(core, username, PASSWORD)
    secret = None
    if user.role == "coordinator":
        secret = new_totp_secret()
        assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    response = await sign_in(client, username, totp_secret=secret, core=core)
    assert response.status_code == 303 and response.headers["location"] == "/queue", response.text


async def test_the_coordinator_reads_figures_charts_and_definitions(core, clock):
    seeded = await seed(core, clock)
    async with client_for(core) as client:
        await signed_in(core, client, "zhou")
        home = await client.get("/reports")
        assert home.status_code == 303 and home.headers["location"] == "/statistics"
        page = await client.get(f"/statistics?{QUERY}&region=990100")
    assert page.status_code == 200
    html = page.text
    assert "统计" in html or "Campaign statistics" in html
    # Four dimension charts, the money chart, satisfaction and look-ups per month: inline SVG, labelled, no style or script.
    charts = re.findall(r"<svg [^>]*>", html)
    assert len(charts) == 7 and all('role="img"' in c and "aria-labelledby" in c for c in charts)
    assert "<script" not in html and "style=" not in html
    assert html.count("<title id=\"chart-") == 7 and "<rect " in html
    # The figures (10 tips, ¥133,000.00 reported lost, ¥10,000.00 recovered) with their definitions.
    assert re.search(r'id="figure-total"><th scope="row">[^<]+</th><td>10</td>', html)
    assert "133,000.00" in html and "10,000.00" in html
    assert "2.5 / 2.8" in html and "15.0 / 15.0" in html  # days to accept, to finish: median / mean
    assert re.search(r'id="figure-overdue">.*?<td>6\D', html, re.S)  # 6 overdue, whatever the language's brackets
    assert html.count("统计口径") >= 6 or html.count("Definition") >= 6
    assert "东湖县" in html and "西岭县" in html and "南河县" in html
    assert f'/tips/{seeded.tips["T2"]}"' in html  # the overdue list links the tips
    assert "/ledger.xlsx?start=2026-10-01&amp;end=2026-10-31&amp;region=990100" in html


async def test_downloads_ledger_xlsx_csv_and_statistics_csv(core, clock):
    seeded = await seed(core, clock)
    async with client_for(core) as client:
        await signed_in(core, client, "li")  # the civil-affairs officer: the unit's ledger
        refused = await client.get(f"/statistics?{QUERY}")
        assert refused.status_code == 403
        assert (await client.get("/reports")).headers["location"] == "/ledger"
        page = await client.get(f"/ledger?{QUERY}")
        assert page.status_code == 200 and "/ledger.csv?start=2026-10-01" in page.text
        xlsx = await client.get(f"/ledger.xlsx?{QUERY}")
        csv_file = await client.get(f"/ledger.csv?{QUERY}")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    # Headers in the officer's language (Chinese: 编号 … 销号 once the console catalog has them).
    chinese = ConsoleTranslator("zh_Hans")
    assert list(rows[0]) == [chinese(LEDGER_HEADERS[c]) for c in COLUMNS]
    assert len(rows) == 1 + 6 + 1 and rows[-1][11] == 10000
    assert any(str(row[5]).startswith("'" + FORMULA) for row in rows)
    parsed = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and len(parsed) == 8 and parsed[-1][11] == "10000.00"

    async with client_for(core) as client:
        await signed_in(core, client, "zhou")
        stats_csv = await client.get(f"/statistics.csv?{QUERY}")
        everything = await client.get(f"/ledger.xlsx?{QUERY}")
    table = list(csv.reader(io.StringIO(stats_csv.content.decode("utf-8-sig"))))
    assert stats_csv.status_code == 200 and table[1][:2] and any(row[1:2] == ["10"] for row in table)
    assert len(list(load_workbook(io.BytesIO(everything.content)).active.iter_rows())) == 1 + 11 + 1
    assert seeded.tips


async def test_english_headers_and_an_auditor_reads_only(core, clock):
    await seed(core, clock)
    from tests.factories import staff
    await staff(core, "amy", "officer", "990121-civil_affairs", language="en")
    await staff(core, "audit", "auditor", None)
    async with client_for(core) as client:
        await signed_in(core, client, "amy")
        xlsx = await client.get(f"/ledger.xlsx?{QUERY}")
    header = next(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert header[0] == "No." and header[11] == "Money recovered (yuan)"
    async with client_for(core) as client:
        await signed_in(core, client, "audit")
        page = await client.get(f"/statistics?{QUERY}")
        assert page.status_code == 200 and "<svg" in page.text and "<form method=\"post\"" not in page.text.split("<main")[1]


def test_the_chart_escapes_and_labels_every_bar():
    svg = str(bar_chart("c", "<b>Title</b>", [("<script>x</script>", 3, "3"), ("东湖县民政局非常长的单位名称用来测试截断效果", 1, "1")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;Title" in svg
    assert svg.count("<rect ") == 2 and 'width="300"' in svg and "…" in svg


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (scripts/system-packages.sh installs libreoffice-calc-nogui as root)")
async def test_libreoffice_converts_the_ledger(core, clock, tmp_path: Path):
    seeded = await seed(core, clock)
    from intake.reports.ledger import export_ledger
    from tests.test_statistics import HEADERS, OCTOBER, WORDS
    content, _count = await export_ledger(core, seeded.coordinator, OCTOBER, "xlsx", headers=HEADERS, words=WORDS)
    (tmp_path / "ledger.xlsx").write_bytes(content)
    office = shutil.which("libreoffice") or shutil.which("soffice")
    # Filter options 44,34,76: comma, double quote, UTF-8 (the default would be the locale's charset).
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(tmp_path / "ledger.xlsx")],
                   check=True, timeout=120, capture_output=True)
    text = (tmp_path / "ledger.csv").read_text(encoding="utf-8", errors="replace")
    assert "合计" in text and "10000" in text  # the total row, as LibreOffice reads it


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.same_on_every_database  # what the browser shows of the markup: checked in the SQLite run
async def test_the_statistics_page_in_a_real_browser_passes_axe(core, clock):
    """Story 10 in Chromium: the coordinator signs in (with the TOTP code), opens the statistics,
    sees the charts drawn, and axe-core finds no WCAG 2.2 AA violation."""
    import asyncio
    import socket

    import uvicorn
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    from console.app import create_app
    from tests.test_console_browser import AXE_OPTIONS, SCREENSHOTS

    await seed(core, clock)
    user = await get_staff(core, "zhou")
    await set_password(core, "zhou", PASSWORD)
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(core), host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{port}/signin")
            await page.locator("#username").fill("zhou")
            await page.locator("#password").fill(PASSWORD)
            await page.locator("form button[type=submit]").last.click()
            await page.locator("#code").fill(next_code(core, secret))
            await page.locator("form button[type=submit]").last.click()
            await page.locator('a[href="/reports"]').click()
            await page.wait_for_url("**/statistics")
            await page.goto(f"http://127.0.0.1:{port}/statistics?{QUERY}&region=990100")
            charts = page.locator("svg[role=img]")
            assert await charts.count() == 7  # with the look-ups per month
            box = await charts.first.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100  # drawn, not collapsed
            results = await Axe().run(page, options=AXE_OPTIONS)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "console-statistics.png"), full_page=True)
            assert results.violations_count == 0, results.generate_report()
            await browser.close()
    finally:
        server.should_exit = True
        await task


async def test_the_ledger_download_is_streamed_as_it_is_read(core, clock, monkeypatch):
    """The console answers with the file's first rows while later ones are still unread."""
    await seed(core, clock)
    reads = counted_ledger_reads(monkeypatch, first=2, then=2)
    async with client_for(core) as client:
        await signed_in(core, client, "li")
        whole = (await client.get(f"/ledger.csv?{QUERY}")).content
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        app = client._transport.app
    reads.clear()
    sent: list[tuple[dict, int]] = []

    asked: list[bool] = []

    async def receive() -> dict:  # the request, then nothing until the download ends (no disconnect)
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message: dict) -> None:
        sent.append((message, len(reads)))

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/ledger.csv", "raw_path": b"/ledger.csv", "query_string": QUERY.encode(), "root_path": "",
             "headers": [(b"host", b"console.test"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 40000), "server": ("console.test", 80)}
    await app(scope, receive, send)
    start, *bodies = sent
    assert start[0]["status"] == 200 and dict(start[0]["headers"])[b"content-type"].startswith(b"text/csv")
    so_far = b""
    for message, read in bodies:
        so_far += message.get("body", b"")
        if so_far.count(b"\r\n") >= 2:  # the header and the first tip have left
            break
    assert read < len(reads) == 4  # six tips in batches of two, and a last read that finds none
    assert b"".join(message.get("body", b"") for message, _read in bodies) == whole
