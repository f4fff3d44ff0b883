"""The review kit (issue 17): a native speaker reviews the Tibetan texts in a spreadsheet made by
`tipline i18n export bo`; `tipline i18n import` brings the verdicts back into the catalog and,
for the deployment texts, into a new configuration version; `status` and a console page count
what is reviewed; the Tibetan site says while its translation is being checked."""
from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from i18n import LOCALES_DIR, translations
from i18n.review import REVIEW_MARKER, catalog_path, entry_code, read_catalog, review_state
from intake.admin import config_store, text_review
from intake.domain.deployment import CONFIG_DIR, DEPLOYMENT_FILES, read_config
from intake.domain.questionnaire import QUESTIONS
from intake.platform.models.operations import ConfigVersion
from tests.cli import Ran, run_tipline
from tests.console_support import LEAD_UNIT, PASSWORD, client_for, make_staff, sign_in
from tests.test_console_browser import CHROMIUM, assert_accessible, browser, console_url  # noqa: F401 - fixtures
from tests.webclient import web_client

REVIEWER = "Tenzin Dolma"
COORDINATION = "990100-coordination"


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def tipline(settings, *args: str) -> Ran:
    return run_tipline(*args, env={"TIPLINE_VAR_DIR": str(settings.var_dir), "TIPLINE_DATABASE_URL": settings.database_url})


def copy_of_the_catalogs(tmp_path: Path) -> Path:
    """The catalogs as they are, where the test may change them."""
    folder = tmp_path / "locales"
    for language in ("zh_Hans", "bo", "en"):
        (folder / language / "LC_MESSAGES").mkdir(parents=True)
        shutil.copyfile(catalog_path(language), catalog_path(language, folder))
    return folder


def export(settings, catalogs: Path, out: Path) -> Path:
    result = tipline(settings, "i18n", "export", "bo", "--out", str(out), "--catalogs", str(catalogs))
    assert result.returncode == 0, result.stdout + result.stderr
    sheets = list(out.glob("review-bo-*.xlsx"))
    assert len(sheets) == 1 and sheets[0].with_suffix(".po").read_bytes() == catalog_path("bo", catalogs).read_bytes()
    return sheets[0]


def fill_in(sheet: Path, rows: dict[str, dict[str, str]], *, part: int = 0, reviewer: str | None = REVIEWER) -> None:
    """As the reviewer would: `rows` is id -> the columns they fill ("translation", "verdict",
    "back", "comment"), found by the headings of the sheet."""
    book = load_workbook(sheet)
    worksheet = book.worksheets[part]
    if reviewer is not None:
        book.worksheets[0]["B2"] = reviewer
    headings = [cell.value or "" for cell in worksheet[3]]
    column = {
        "translation": next(i for i, h in enumerate(headings) if h.startswith("ད་ལྟའི་ཡིག་སྒྱུར")),
        "back": next(i for i, h in enumerate(headings) if h.startswith("ཕྱིར་བསྒྱུར")),
        "verdict": next(i for i, h in enumerate(headings) if h.startswith("དཔྱད་འབྲས")),
        "comment": next(i for i, h in enumerate(headings) if h.startswith("མཆན")),
    }
    found = set()
    for row in worksheet.iter_rows(min_row=4):
        if row[0].value in rows:
            found.add(row[0].value)
            for name, value in rows[row[0].value].items():
                row[column[name]].value = value
    assert found == set(rows), set(rows) - found
    book.save(sheet)


def bo_entries(catalogs: Path) -> dict[str, object]:
    return {m.id: m for m in read_catalog(catalog_path("bo", catalogs)) if m.id}


def code_of(catalogs: Path, msgid: str) -> str:
    return entry_code(bo_entries(catalogs)[msgid])


THREE = {
    "Comment": "བསམ་ཚུལ།",
    "Back": "ཕྱིར་ལོག་རོགས།",
    "You can add at most %(max)s files.": "ཡིག་ཆ་མང་མཐར་ %(max)s བར་སྣོན་ཆོག",
}


async def test_export_then_import_of_three_changed_entries_changes_exactly_those_and_marks_them_reviewed(core, settings, tmp_path):
    catalogs = copy_of_the_catalogs(tmp_path)
    before = bo_entries(catalogs)
    sheet = export(settings, catalogs, tmp_path / "out")
    book = load_workbook(sheet)
    program = book.worksheets[0]
    headings = [cell.value for cell in program[3]]
    assert headings[0].startswith("ཨང་རྟགས") and "编号" in headings[0]  # in Tibetan, with Chinese below
    assert [program.column_dimensions[c].hidden for c in ("I", "J")] == [True, True]  # fingerprint, exported text
    rows = {row[0].value: row for row in program.iter_rows(min_row=4)}
    comment = rows[code_of(catalogs, "Comment")]
    assert [comment[2].value, comment[3].value, comment[4].value] == ["Comment", "备注", "མཆན།"]
    assert rows[code_of(catalogs, "Back")][1].value == "དྲ་ངོས།"  # where it is shown: web pages
    number = next(n for n, step in enumerate(QUESTIONS, 1) if step.question == "Who are you reporting for?")
    assert rows[code_of(catalogs, "Who are you reporting for?")][1].value.endswith(f" · དྲི་བ་ཨང་ {number}")
    assert len(rows) == len(before)

    fill_in(sheet, {code_of(catalogs, msgid): {"translation": text, "verdict": "change", "back": "…"}
                    for msgid, text in THREE.items()})
    result = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--yes")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "program texts: 3 changed, 0 reviewed as they are, 0 refused" in result.stdout
    after = bo_entries(catalogs)
    changed = {msgid for msgid in after if after[msgid].string != before[msgid].string}
    assert changed == set(THREE)
    for msgid, text in THREE.items():
        assert after[msgid].string == text
        assert after[msgid].user_comments == [f"Reviewed by {REVIEWER}, {today()}."]
        assert translations("bo", catalogs).gettext(msgid) == text  # compiled: the site shows it after a restart
    untouched = [m for msgid, m in after.items() if msgid not in THREE]
    assert all(m.user_comments == [REVIEW_MARKER] for m in untouched)
    assert set(after) == set(before)

    again = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--yes")
    assert again.returncode == 0 and "0 changed, 3 reviewed as they are" in again.stdout  # importing twice changes nothing
    assert bo_entries(catalogs)["Comment"].string == THREE["Comment"]


async def test_each_entry_that_cannot_be_taken_is_refused_with_its_reason_and_the_rest_applied(core, settings, tmp_path):
    catalogs = copy_of_the_catalogs(tmp_path)
    sheet = export(settings, catalogs, tmp_path / "out")
    entry = "You can add at most %(max)s files."
    wanted = {
        "Comment": ("བསམ་ཚུལ།", "change", None),  # fine: applied
        entry: ("ཡིག་ཆ་མང་མཐར་བར་སྣོན་ཆོག", "change", "missing placeholder %(max)s"),
        "Back": ("ཕྱིར་ལོག %(count)s", "change", "placeholder not in the source: %(count)s"),
        "Chinese": ("རྒྱ་ཡིག་ཀ\u0f73", "change", "not in Unicode NFC"),  # ཱི as one code point: NFC splits it
        "English": ("དབྱིན་ཡིག།", "change", "no shad after a final ག"),
        "Office names": ("ལས་ཁུངས་ཀྱི་མིང།", "change", "write ང་། with a tsheg before the shad"),
        "Id": ("ཨང་རྟགས།", "perhaps", "the verdict must be ok, change or unsure"),
        "Web pages": ("དྲ་ངོས།", "change", "the verdict is change, but the translation was left as it was"),
        "Place names": ("ས་མིང་ངོ་མ།", "change", "the English or Chinese text changed since the export"),
        "Telegram bot": ("Telegram གླེང་མོལ།", "change", "the translation was changed by someone else since the export"),
    }
    fill_in(sheet, {code_of(catalogs, msgid): {"translation": text, "verdict": verdict} for msgid, (text, verdict, _) in wanted.items()})
    # Meanwhile the Chinese of one entry is improved, and someone edits another's Tibetan.
    for language, msgid, text in (("zh_Hans", "Place names", "地方名称"), ("bo", "Telegram bot", "Telegram གླེང་མོལ་འཕྲུལ་འཁོར།")):
        path = catalog_path(language, catalogs)
        path.write_text(path.read_text(encoding="utf-8").replace(
            f'msgid "{msgid}"\nmsgstr "{read_catalog(path)[msgid].string}"', f'msgid "{msgid}"\nmsgstr "{text}"'), encoding="utf-8")
    before = bo_entries(catalogs)

    result = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--yes")

    assert result.returncode == 1
    assert "program texts: 1 changed, 0 reviewed as they are, 9 refused" in result.stdout
    lines = result.stdout.splitlines()
    for msgid, (_text, _verdict, reason) in wanted.items():
        if reason:
            refusal = next((line for line in lines if line.strip().startswith(f"✗ {code_of(catalogs, msgid)}:")), "")
            assert reason in refusal, (msgid, reason, result.stdout)
    after = bo_entries(catalogs)
    assert after["Comment"].string == "བསམ་ཚུལ།" and review_state(after["Comment"]).reviewed_by
    for msgid in set(wanted) - {"Comment"}:
        assert after[msgid].string == before[msgid].string and review_state(after[msgid]).awaiting, msgid


async def test_a_sheet_without_a_reviewer_or_not_from_the_kit_is_refused_whole(core, settings, tmp_path):
    catalogs = copy_of_the_catalogs(tmp_path)
    sheet = export(settings, catalogs, tmp_path / "out")
    fill_in(sheet, {code_of(catalogs, "Comment"): {"translation": "བསམ་ཚུལ།", "verdict": "change"}}, reviewer=None)
    nameless = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs))
    assert nameless.returncode == 1 and "--reviewer NAME" in nameless.stdout
    named = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--reviewer", "Pema")
    assert named.returncode == 0 and bo_entries(catalogs)["Comment"].user_comments == [f"Reviewed by Pema, {today()}."]
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"PK\x03\x04 not really a workbook")
    refused = tipline(settings, "i18n", "import", str(other), "--catalogs", str(catalogs))
    assert refused.returncode == 1 and "not a workbook" in refused.stdout and "Traceback" not in refused.stderr


async def test_deployment_texts_come_back_as_a_new_configuration_version_shown_first(core, settings, tmp_path):
    catalogs = copy_of_the_catalogs(tmp_path)
    files_before = {name: (CONFIG_DIR / name).read_bytes() for name in DEPLOYMENT_FILES}
    sheet = export(settings, catalogs, tmp_path / "out")
    advice = "categories/care_product/advice"
    new_advice = "བདེ་ཐང་སྲུང་སྐྱོང་ཐོན་རྫས་ནི་སྨན་མ་ཡིན། ཉོ་ཚོང་གི་འཛིན་ཤོག་ཉར་ཚགས་གནང་རོགས།"
    fill_in(sheet, {
        advice: {"translation": new_advice, "verdict": "change"},
        "regions/990121/name": {"verdict": "ok"},
        "templates/accepted/text": {"translation": "ཁྱེད་ཀྱི་སྙན་ཐོ་ཁས་བླངས་ཟིན།", "verdict": "change"},  # %(unit)s lost
    }, part=1)

    result = tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--yes")

    assert result.returncode == 1, result.stdout  # one refusal
    assert "deployment texts: 1 changed, 1 reviewed as they are, 1 refused" in result.stdout
    assert "✗ templates/accepted/text: missing placeholder %(unit)s" in result.stdout
    assert "~ categories: care_product" in result.stdout and "~ native speakers' reviews of texts" in result.stdout
    async with core.db.session() as session:
        newest = await session.scalar(select(ConfigVersion).order_by(ConfigVersion.id.desc()).limit(1))
    assert newest.applied_by == f"i18n import: {REVIEWER}"
    raw = await config_store.stored_config(core.db)
    by_name = {t.name: t for t in text_review.texts(raw)}
    assert by_name[advice].texts["bo"] == new_advice
    assert set(text_review.reviews_in_force(raw, "bo")) == {advice, "regions/990121/name"}
    assert {name: (CONFIG_DIR / name).read_bytes() for name in DEPLOYMENT_FILES} == files_before  # never behind its back

    # The files, which hold no reviews, applied again: the reviews come over; the advice's lapses,
    # since the files bring back the text it approved no longer.
    applied = tipline(settings, "config", "apply", str(CONFIG_DIR), "--yes")
    assert applied.returncode == 0, applied.stdout
    raw = await config_store.stored_config(core.db)
    assert set(text_review.reviews_in_force(raw, "bo")) == {"regions/990121/name"}
    # Started again on those files: a review is not a difference from them (no "the files differ").
    assert (await config_store.load_active(core.db, read_config(CONFIG_DIR), core.clock.now()))[1] is False


async def test_status_counts_entries_reviewed_and_awaiting_per_language_and_screen(core, settings, tmp_path):
    catalogs = copy_of_the_catalogs(tmp_path)
    total = len(bo_entries(catalogs))
    sheet = export(settings, catalogs, tmp_path / "out")
    fill_in(sheet, {code_of(catalogs, msgid): {"translation": text, "verdict": "change"} for msgid, text in THREE.items()})
    assert tipline(settings, "i18n", "import", str(sheet), "--catalogs", str(catalogs), "--yes").returncode == 0

    result = tipline(settings, "i18n", "status", "--catalogs", str(catalogs))

    assert result.returncode == 0, result.stderr

    def row(language: str, texts: str, screen: str) -> list[int]:
        found = re.search(rf"^\s*{language}\s+{texts}\s+{re.escape(screen)}\s+(\d+)\s+(\d+)\s+(\d+)\s*$", result.stdout, re.M)
        assert found, (language, texts, screen, result.stdout)
        return [int(n) for n in found.groups()]

    assert row("bo", "program", "All texts") == [total, 3, total - 3]
    assert row("bo", "program", "Web pages")[1] == 2  # "Back" and the limit of files: "Comment" is on the sheet
    assert row("zh_Hans", "program", "All texts") == [total, 0, 0]  # written by native speakers: nothing awaits
    categories = row("bo", "deployment", "Scam categories and safety advice")
    assert categories[0] > 10 and categories[1:] == [0, categories[0]]


async def test_the_review_page_is_for_coordinators(core, settings):
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    await make_staff(core, "li", "officer", LEAD_UNIT)
    awaiting = sum(1 for _ in read_catalog(catalog_path("bo")) if _.id)
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        queue = await client.get("/queue")
        assert 'href="/translation-review"' in queue.text
        page = await client.get("/translation-review")
        assert page.status_code == 200
        assert "<h1>译文审校</h1>" in page.text and '<h2 id="review-bo">藏文</h2>' in page.text
        assert f"其中 {awaiting + text_review.awaiting_review(core.deployment.model_dump(mode='json'), 'bo')} 条等待母语人士审校" in page.text
        assert "<th scope=\"row\">网页</th>" in page.text and "诈骗类别和防骗提示（本地配置文字）" in page.text
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert 'href="/translation-review"' not in (await client.get("/queue")).text
        refused = await client.get("/translation-review")
        assert refused.status_code == 403 and "译文审校页面仅供协调员使用。" in refused.text


CHECKED = "དྲ་ངོས་འདིའི་བོད་ཡིག་གི་ཡིག་སྒྱུར་ད་དུང་"


async def test_the_tibetan_site_says_its_translation_is_being_checked_and_whom_to_call(core, tmp_path):
    async with web_client(core, language="bo") as client:
        page = (await client.get("/")).text
    footer = page.split('<footer class="site-footer">')[1]
    assert CHECKED in footer and "12345 ལ་ཁ་པར་བཏང་ནས་ང་ཚོར་བརྡ་ཁྱབ་གནང་རོགས།" in footer
    for language in ("zh_Hans", "en"):
        async with web_client(core, language=language) as client:
            assert "translation-check" not in (await client.get("/")).text
    # Once every Tibetan text is reviewed, the line goes.
    catalogs = copy_of_the_catalogs(tmp_path)
    path = catalog_path("bo", catalogs)
    path.write_text(path.read_text(encoding="utf-8").replace(f"# {REVIEW_MARKER}", "# Reviewed by Pema, 2026-12-07."), encoding="utf-8")
    raw = core.deployment.model_dump(mode="json")
    everything = {t.name for t in text_review.texts(raw)}
    reviewed = text_review.with_review(raw, "bo", {}, everything, by="Pema", day=datetime(2026, 12, 7).date())
    from intake.domain.deployment import Deployment

    assert text_review.awaiting_native_review(core.deployment, catalogs) == {"bo"}
    assert text_review.awaiting_native_review(Deployment.model_validate(reviewed), LOCALES_DIR) == {"bo"}
    assert text_review.awaiting_native_review(Deployment.model_validate(reviewed), catalogs) == set()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.same_on_every_database  # what the browser shows of the markup: checked in the SQLite run
async def test_the_review_page_passes_axe_in_the_browser(core, console_url, browser):  # noqa: F811
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("用户名").fill("zhou")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.wait_for_url(f"{console_url}/queue")
    await page.get_by_role("link", name="译文审校").click()
    await page.wait_for_url(f"{console_url}/translation-review")
    assert await page.get_by_role("table").count() == 3  # one per language
    await assert_accessible(page, "translation-review")
    await page.close()
