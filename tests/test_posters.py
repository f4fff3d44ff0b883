"""Posters and leaflets (宣传画, issue 18 item 4): a coordinator prints a Tibetan poster for a
county's civil affairs bureau, and a bilingual Chinese and Tibetan leaflet; what a reader sees
is checked on the PDF itself with Debian's tools: its fonts (pdffonts), its text (pdftotext), and
its QR codes read from the page as a camera would (pdftoppm, zbarimg)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from i18n import Translator
from intake.domain.posters import HEADLINE, HOTLINES_HEADING, PosterRefused, compose_poster, form_address, warning_signs
from intake.domain.deployment import LocalText
from intake.platform import audit
from intake.reports.posters import poster_html, poster_pdf
from tests.cli import run_tipline
from tests.console_support import client_for, make_staff, sign_in

UNIT = "990121-civil_affairs"  # Donghu county civil affairs bureau, phone 0999-6000100
UNIT_PHONE = "0999-6000100"
SITE = "https://tipline.example.gov.cn"
SHORT = "https://t.example.cn/fd?src=poster"  # a deployment's own short address


def pdf_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of the PDF, as pdffonts lists them."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        fields = line.split()
        name = fields[0].split("+", 1)[-1]  # the subset's tag ("ABCDEF+") off
        fonts.append((name, fields[-5] == "yes"))
    return fonts


def pdf_text(pdf: Path) -> str:
    """The PDF's text in the order it was written (-raw: the layout analysis can misorder wrapped
    Tibetan lines), without the line breaks the layout put in."""
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def qr_codes(pdf: Path, tmp_path: Path) -> list[str]:
    """What a phone's camera reads off the printed pages, printed at 150 dpi."""
    stem = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(stem)], check=True)
    pages = sorted(str(page) for page in tmp_path.glob("page-*.png"))
    found = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *pages],
                           capture_output=True, text=True)
    return sorted(line for line in found.stdout.splitlines() if line)


def cli(core, *args: str, **env: str | None):
    return run_tipline(*args, env={
        "TIPLINE_VAR_DIR": str(core.settings.var_dir), "TIPLINE_DATABASE_URL": core.settings.resolved_database_url,
        "TIPLINE_ENV": "test", "TIPLINE_PUBLIC_BASE_URL": SITE, "TIPLINE_POSTER_URL": None, **env})


async def test_a_tibetan_poster_is_shaped_by_an_embedded_tibetan_font_and_its_code_opens_the_form_in_tibetan(core, tmp_path):
    out = tmp_path / "poster.pdf"

    ran = cli(core, "posters", "make", "--unit", UNIT, "--lang", "bo", "--out", str(out))

    assert ran.returncode == 0, ran.stderr
    assert f"{SITE}/?lang=bo" in ran.stdout
    assert ("Tibetan-Machine-Uni", True) in pdf_fonts(out)  # embedded, so any printer prints it as shaped here
    assert pdf_pages(out) == 1
    text = pdf_text(out)
    bo = Translator("bo")
    deployment = core.deployment
    for expected in (bo(HEADLINE), deployment.unit_name(UNIT, "bo"), bo(HOTLINES_HEADING), *warning_signs(deployment, "bo"),
                     "110", "96110", "12345", UNIT_PHONE, f"{SITE}/?lang=bo"):
        assert squeezed(expected) in text, expected
    assert qr_codes(out, tmp_path) == [f"{SITE}/?lang=bo"]
    events, _ = await audit.read_log(core, action="poster.made")
    assert [(e.actor, e.detail) for e in events] == [("cli", {"unit": UNIT, "languages": "bo", "paper": "A4", "categories": ["care_service", "care_project", "care_product"]})]


async def test_a_bilingual_leaflet_has_both_languages_and_a_code_for_each_at_the_deployments_own_address(core, tmp_path):
    out = tmp_path / "leaflet.pdf"

    ran = cli(core, "posters", "make", "--unit", UNIT, "--lang", "zh_Hans+bo", "--paper", "a5", "--out", str(out),
              TIPLINE_POSTER_URL=SHORT)

    assert ran.returncode == 0, ran.stderr
    fonts = pdf_fonts(out)
    assert ("Tibetan-Machine-Uni", True) in fonts and ("Noto-Sans-CJK-SC", True) in fonts
    text = pdf_text(out)
    for expected in ("警惕养老诈骗", "东湖县民政局", "求助电话", "付钱之前，先打反诈专线96110问一问。", warning_signs(core.deployment, "zh_Hans")[0],
                     Translator("bo")(HEADLINE), core.deployment.unit_name(UNIT, "bo")):
        assert squeezed(expected) in text, expected
    assert pdf_pages(out) == 2  # front: the warnings; back: the numbers and the codes
    codes = [f"{SHORT}&lang=zh_Hans", f"{SHORT}&lang=bo"]
    assert qr_codes(out, tmp_path) == sorted(codes)
    assert all(code in text for code in codes)  # the plain address beside each code
    assert SITE not in text


def test_bad_input_gets_a_clear_message_and_no_file(core, tmp_path):
    out = tmp_path / "poster.pdf"
    for args, env, message in (
        (("--unit", "990121-nowhere", "--lang", "bo"), {}, "There is no unit 990121-nowhere in this deployment."),
        (("--unit", UNIT, "--lang", "fr"), {}, "Unknown language fr: choose zh_Hans, bo, en or zh_Hans+bo."),
        (("--unit", UNIT, "--lang", "bo", "--paper", "A3"), {}, "Unknown paper size A3: choose A4 (poster) or A5 (leaflet)."),
        (("--unit", UNIT, "--category", "lottery"), {}, "There is no category lottery with examples to print: choose one of "
         "care_service, care_project, care_product, house_pension, pension_insurance, care_assistance, tour_art, "
         "online_telecom, medical, posters."),
        (("--unit", UNIT, *[arg for code in ("medical", "tour_art", "care_product", "online_telecom") for arg in ("--category", code)]),
         {}, "Choose at most 3 categories: the poster has room for that many warning signs."),
        (("--unit", UNIT, "--lang", "bo"), {"TIPLINE_PUBLIC_BASE_URL": None},
         "The poster needs the site's address: set TIPLINE_POSTER_URL or TIPLINE_PUBLIC_BASE_URL."),
    ):
        ran = cli(core, "posters", "make", *args, "--out", str(out), **env)
        assert (ran.returncode, ran.stderr.strip()) == (2, message)
        assert not out.exists()
    ran = cli(core, "posters", "make", "--unit", UNIT, "--out", str(tmp_path / "nowhere" / "poster.pdf"))
    assert (ran.returncode, ran.stderr.strip()) == (2, f"There is no folder {tmp_path / 'nowhere'} to write poster.pdf in.")


def test_the_address_keeps_the_deployments_own_path_and_query_and_sets_the_language_once():
    assert form_address("https://tipline.example.gov.cn", "bo") == "https://tipline.example.gov.cn/?lang=bo"
    assert form_address("https://t.example.cn/fd?src=poster&lang=en", "zh_Hans") == "https://t.example.cn/fd?src=poster&lang=zh_Hans"


def test_a_retired_unit_gets_no_poster(deployment):
    retired = deployment.model_copy(update={"units": tuple(
        u.model_copy(update={"retired": True}) if u.code == UNIT else u for u in deployment.units)})
    with pytest.raises(PosterRefused) as refused:
        compose_poster(retired, UNIT, "bo", "A4", SITE)
    assert refused.value.params == {"unit": UNIT}


def test_a_deployment_with_longer_texts_still_gets_a_poster_of_one_page(deployment, tmp_path):
    """Another deployment's unit name and examples run longer than the demo's: smaller type
    keeps the A4 poster to its one side."""
    long_name = LocalText(zh_Hans="东湖县民政局养老服务和社会救助工作科（县养老服务指导中心）",
                          bo="ཏུང་ཧུའུ་རྫོང་དམངས་སྲིད་ཅུས་ཀྱི་རྒན་གསོའི་ཞབས་ཞུ་དང་སྤྱི་ཚོགས་སྐྱབས་སྐྱོར་ལས་དོན་སྡེ་ཚན",
                          en="Donghu County Civil Affairs Bureau, Elder Care Services and Social Assistance Section")
    longer = deployment.model_copy(update={
        "units": tuple(u.model_copy(update={"name": long_name}) if u.code == UNIT else u for u in deployment.units),
        "categories": tuple(c.model_copy(update={"examples": tuple(
            LocalText(zh_Hans=e.zh_Hans * 2, bo=f"{e.bo} {e.bo}", en=f"{e.en}; {e.en}") for e in c.examples)})
            for c in deployment.categories),
    })
    poster = compose_poster(longer, UNIT, "zh_Hans+bo", "A4", SITE)
    assert poster_html(poster).count(long_name.bo) == 2  # the band, and beside the unit's number
    out = tmp_path / "poster.pdf"
    out.write_bytes(poster_pdf(poster))
    assert pdf_pages(out) == 1
    assert squeezed(long_name.zh_Hans) in pdf_text(out)


# The console page: coordinators for any unit, unit leads for their own.

async def sign_in_as(core, client, username: str, role: str, unit: str | None) -> None:
    await make_staff(core, username, role, unit)
    response = await sign_in(client, username)
    assert response.status_code == 303, response.text


@pytest.fixture
def console_core(core):
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": (), "public_base_url": SITE})
    return core


async def test_a_coordinator_makes_a_tibetan_leaflet_in_the_console(console_core, tmp_path):
    core = console_core
    async with client_for(core) as client:
        await sign_in_as(core, client, "wang", "coordinator", "990100-coordination")
        page = await client.get("/posters")
        assert page.status_code == 200
        assert "宣传画和宣传单" in page.text and "东湖县民政局" in page.text and "东湖县市场监督管理局" in page.text
        assert 'href="/posters"' in page.text  # in the menu
        checked = re.findall(r'name="category" value="(\w+)"[^>]*checked', page.text)
        assert checked == ["care_service", "care_project", "care_product"]  # the first three, to change

        response = await client.get("/posters/poster.pdf", params={
            "unit": UNIT, "lang": "bo", "paper": "A5", "category": ["online_telecom", "care_product"]})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="poster-{UNIT}-bo-A5.pdf"' in response.headers["content-disposition"]
    out = tmp_path / "leaflet.pdf"
    out.write_bytes(response.content)
    text = pdf_text(out)
    assert squeezed(Translator("bo")(HEADLINE)) in text
    assert all(squeezed(sign) in text for sign in warning_signs(core.deployment, "bo", ["online_telecom", "care_product"]))
    assert squeezed(warning_signs(core.deployment, "bo")[0]) not in text  # care homes' sign was not chosen
    events, _ = await audit.read_log(core, action="poster.made")
    assert [(e.actor, e.detail) for e in events] == [("wang", {"unit": UNIT, "languages": "bo", "paper": "A5", "categories": ["online_telecom", "care_product"]})]


async def test_the_console_says_what_is_wrong_with_a_choice(console_core):
    async with client_for(console_core) as client:
        await sign_in_as(console_core, client, "wang", "coordinator", "990100-coordination")
        response = await client.get("/posters/poster.pdf", params={"unit": UNIT, "lang": "fr", "paper": "A4"})
    assert response.status_code == 400
    assert "不认识的语言 fr：请选择 zh_Hans、bo、en 或 zh_Hans+bo。" in response.text
    assert '<form method="get" action="/posters/poster.pdf">' in response.text  # the form again, to choose again


async def test_a_unit_lead_makes_posters_for_their_own_unit_only(console_core):
    core = console_core
    async with client_for(core) as client:
        await sign_in_as(core, client, "zhao", "unit_lead", UNIT)
        page = await client.get("/posters")
        own = await client.get("/posters/poster.pdf", params={"unit": UNIT, "lang": "zh_Hans", "paper": "A4"})
        other = await client.get("/posters/poster.pdf", params={"unit": "990121-market_regulation", "lang": "zh_Hans", "paper": "A4"})
    assert "东湖县民政局" in page.text and "东湖县市场监督管理局" not in page.text
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    assert other.status_code == 403 and "单位负责人只能制作本单位的宣传画。" in other.text
    events, _ = await audit.read_log(core, action="poster.made")
    assert len(events) == 1


@pytest.mark.parametrize("role", ["officer", "reward_admin", "auditor"])
async def test_roles_that_make_no_posters_are_refused(console_core, role):
    async with client_for(console_core) as client:
        await sign_in_as(console_core, client, "li", role, UNIT if role == "officer" else None)
        page = await client.get("/posters")
        pdf = await client.get("/posters/poster.pdf", params={"unit": UNIT, "lang": "bo", "paper": "A4"})
    for response in (page, pdf):
        assert response.status_code == 403
        assert "宣传画和宣传单由协调员和单位负责人制作。" in response.text
    assert 'href="/posters"' not in page.text


@pytest.mark.same_on_every_database
async def test_a_unit_lead_downloads_a_tibetan_leaflet_in_the_browser(console_core, tmp_path):
    """The page in Chromium: axe-clean (WCAG 2.2 AA), reached from the menu, and the form's
    download is the PDF."""
    from playwright.async_api import async_playwright, expect

    from console.app import create_app
    from tests.browser import serving
    from tests.console_support import PASSWORD
    from tests.test_console_browser import CHROMIUM, assert_accessible

    await make_staff(console_core, "zhao", "unit_lead", UNIT)
    async with serving(create_app(console_core)) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        page = await browser.new_page(locale="zh-CN", accept_downloads=True)
        await page.goto(f"{url}/signin")
        await page.get_by_label("用户名").fill("zhao")
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录", exact=True).click()
        await page.get_by_role("link", name="宣传画和宣传单").click()
        await expect(page.get_by_role("heading", name="宣传画和宣传单")).to_be_visible()
        await assert_accessible(page, "posters")
        await page.get_by_label("语言").select_option(label="藏文")
        await page.get_by_label("A5 宣传单（发放用）").check()
        async with page.expect_download() as downloading:
            await page.get_by_role("button", name="生成 PDF").click()
        download = await downloading.value
        out = tmp_path / download.suggested_filename
        await download.save_as(out)
        await browser.close()
    assert out.name == f"poster-{UNIT}-bo-A5.pdf"
    assert squeezed(Translator("bo")(HEADLINE)) in pdf_text(out)
