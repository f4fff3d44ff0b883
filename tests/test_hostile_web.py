"""Hostile input through the public site over HTTP: every question page, the status page and
the uploads. Each answer: a page in the visitor's language (a 4xx or a page that says what to
fix, never a 5xx), nothing half-written, and the site still answering afterwards."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from i18n import Translator
from intake.platform.attachments import load
from intake.platform.models.reporting import Attachment, Draft
from intake.platform.models.tips import Tip
from intake.domain.questionnaire import STEP_BY_KEY
from intake.domain.steps import Kind
from tests.hostile import HOSTILE_SETTINGS, NASTIES, hostile_text, once_per_core
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, text_of, web_client
from tests.factories import a_photo

#: Questions the mother's walk answers, so "check your answers" links back to each of them.
ANSWERED = [key for key, value in ANSWERS_FOR_MOTHER.items() if STEP_BY_KEY[key].kind is not Kind.FILES]


async def rows(core) -> tuple[int, int, int]:
    async with core.db.session() as session:
        return tuple([await session.scalar(select(func.count()).select_from(model)) for model in (Tip, Draft, Attachment)])


def page_language(page: str) -> str:
    return re.search(r'<html[^>]*\slang="([^"]+)"', page).group(1)


async def at_review(core, language: str) -> Reporter:
    reporter = Reporter(web_client(core, language=language))
    await reporter.start()
    await reporter.walk(ANSWERS_FOR_MOTHER)
    assert reporter.url == "/report/review"
    return reporter


@HOSTILE_SETTINGS
@given(key=st.sampled_from(ANSWERED), value=hostile_text, language=st.sampled_from(["bo", "zh_Hans", "en"]))
async def test_any_text_at_any_question_gets_a_page_in_the_visitors_language_and_no_tip(core, key, value, language):
    reporter = await once_per_core("at review", core, lambda: at_review(core, "bo"))
    reporter.client.cookies.set("tl_lang", language)
    before = await rows(core)
    await reporter.get(f"/report/q/{key}?from=review")
    response = await reporter.post(f"/report/q/{key}", {"answer": value, "from": "review"})
    assert response.status_code < 500
    assert page_language(reporter.page) == {"zh_Hans": "zh-Hans"}.get(language, language)
    if reporter.current_key == key:  # refused: the error is explained, in the page's language
        assert "error-summary" in reporter.page
        assert Translator(language)("Error:") in re.search(r"<title>(.*?)</title>", reporter.page, re.S).group(1)
    else:
        assert reporter.url == "/report/review"
    assert "<script>alert" not in reporter.page and "<img src=x" not in reporter.page
    assert await rows(core) == before  # answering never makes a tip, a second draft or a file
    if reporter.url != "/report/review":  # put the walk back together for the next example
        await reporter.get(f"/report/q/{key}?from=review")
        await reporter.answer(ANSWERS_FOR_MOTHER[key])


async def test_garbage_urls_fields_and_bodies_get_pages_not_errors(core):
    async with web_client(core, language="bo") as client:
        reporter = Reporter(client)
        await reporter.start()
        before = await rows(core)
        token = reporter.page and re.search(r'name="csrf" value="([^"]*)"', reporter.page).group(1)
        attempts = [
            client.get("/report/q/%00%E2%80%AE"), client.get("/report/q/" + "x" * 5000),
            client.get("/report/notice/nope"), client.get("/prefs/lang/%F0%9F%98%80?next=//evil.example"),
            client.get("/prefs/%00/%00?next=\\\\evil"), client.get("/status/view"),
            client.post("/report/q/description", content=b"\xff\xfe\x00garbage=\xc3\x28&answer=\xed\xa0\x80",
                        headers={"content-type": "application/x-www-form-urlencoded"}),
            client.post("/report/q/description", content=b"--x\r\nbroken multipart",
                        headers={"content-type": "multipart/form-data; boundary=x"}),
            client.post("/report/q/description", content=b"{}", headers={"content-type": "application/json"}),
            client.post("/report/q/description", data={"csrf": token, **{f"f{i}": "v" for i in range(2000)}}),
            client.post("/report/submit", data={"csrf": token, "draft_id": "../../" + "\x00" * 10}),
            client.post("/report/submit", data={"csrf": token, "draft_id": ["a", "b"]}),
            client.post("/report/finish", data={"csrf": token}),
            client.post("/report/start", content=b"a" * (2 * 1024 * 1024),
                        headers={"content-type": "application/x-www-form-urlencoded"}),
        ]
        for attempt in attempts:
            response = await attempt
            assert response.status_code < 500, (response.request.url, response.status_code)
            assert "Traceback" not in response.text
            if response.status_code in (302, 303):
                assert response.headers["location"].startswith("/")
        assert await rows(core) == before
        assert (await client.get("/")).status_code == 200


# --- the status page ------------------------------------------------------------------------------

code_like = st.one_of(
    hostile_text,
    st.text(st.sampled_from("0123456789 -－༠༡༢༣༤༥༦༧༨༩٠١٢٣"), min_size=0, max_size=40),
    st.sampled_from(["", "0" * 12, "9" * 12, "1234 5678 9012", "1" * 100_000]),
)


@HOSTILE_SETTINGS
@given(code=code_like, pin=st.one_of(hostile_text, st.text("0123456789", max_size=8)), answer=hostile_text)
async def test_garbage_codes_and_pins_on_the_status_page_are_answered_kindly(core, code, pin, answer):
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        before = await rows(core)
        await reporter.get("/status")
        looked = await reporter.post("/status", {"code": code})
        assert looked.status_code in (200, 400, 413, 429), looked.status_code
        await reporter.get("/status")
        replied = await reporter.post("/status/reply", {"code": code, "pin": pin, "answer": answer})
        assert replied.status_code in (200, 400, 403, 404, 413, 429), replied.status_code
        await reporter.get("/status")
        rated = await reporter.post("/status/rate", {"code": code, "pin": pin, "rating": answer[:10]})
        assert rated.status_code in (200, 400, 403, 404, 413, 429), rated.status_code
        for response in (looked, replied, rated):
            assert page_language(response.text) == "en" and "Traceback" not in response.text
        assert await rows(core) == before


# --- oversized and lying uploads -------------------------------------------------------------------


def png_bomb() -> bytes:
    """A few kilobytes that decompress to 100 million pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_just_over_the_limit() -> bytes:
    """45 million pixels: Pillow itself would only warn and then decode it all."""
    out = io.BytesIO()
    Image.new("1", (9_000, 5_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("receipt.jpg", b"\x00" * (50 * 1024 * 1024))
    return out.getvalue()


REFUSED_UPLOADS = {
    "an exe renamed jpg": (b"MZ\x90\x00\x03" + b"\x00" * 4000, "receipt.jpg", "image/jpeg", "not one of them"),
    "a zip bomb": (zip_bomb(), "photos.zip.jpg", "image/jpeg", "not one of them"),
    "a png decompression bomb": (png_bomb(), "receipt.png", "image/png", "could not be opened"),
    "a 45-megapixel png": (png_just_over_the_limit(), "scan.png", "image/png", "could not be opened"),
    "a truncated jpeg": (a_photo(gps=False)[:200], "receipt.jpg", "image/jpeg", "could not be opened"),
    "html pretending to be a gif": (b"GIF89a<script>alert(1)</script>", "x.gif", "image/gif", "could not be opened"),
    "a 30 MB photo": (a_photo(gps=False) + b"\x00" * (30 * 1024 * 1024), "photo.jpg", "image/jpeg", "the most we can take is 20 MB"),
    "an empty file": (b"", "empty.jpg", "image/jpeg", None),
}


async def walk_to_evidence(core, language: str = "en") -> Reporter:
    reporter = Reporter(web_client(core, language=language))
    await reporter.start()
    await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
    assert reporter.current_key == "evidence"
    return reporter


@pytest.mark.parametrize("name", REFUSED_UPLOADS)
async def test_lying_and_oversized_uploads_are_refused_and_nothing_is_stored(core, name):
    data, filename, media_type, words = REFUSED_UPLOADS[name]
    reporter = await walk_to_evidence(core)
    good = a_photo(gps=False)
    before = await rows(core)
    response = await reporter.post("/report/q/evidence", files=[("files", ("good.jpg", good, "image/jpeg")),
                                                                ("files", (filename, data, media_type))])
    assert response.status_code < 500
    if words is None:  # an empty file field is no file at all: the good one is kept
        return
    assert reporter.current_key == "evidence" and "error-summary" in reporter.page
    assert words in text_of(reporter.page)
    assert await rows(core) == before  # not even the good file of the same request
    assert (await reporter.get("/report/q/evidence")).status_code == 200


async def test_a_polyglot_photo_and_a_gps_photo_are_stored_as_clean_pictures_only(core):
    reporter = await walk_to_evidence(core)
    payload = b"PK\x03\x04SECRET-ZIP-PAYLOAD<script>alert(1)</script>"
    polyglot = a_photo(gps=False) + payload  # a JPEG that is also an archive with a script in it
    await reporter.post("/report/q/evidence", files=[("files", ("poly.jpg", polyglot, "image/jpeg")),
                                                     ("files", ("gps.jpg", a_photo(gps=True), "image/jpeg"))])
    assert reporter.current_key == "contact_mode"
    async with core.db.session() as session:
        stored = (await session.scalars(select(Attachment))).all()
    assert len(stored) == 2
    for row in stored:
        content = (await load(core, row.id)).content
        assert b"SECRET-ZIP-PAYLOAD" not in content and b"PhoneMaker" not in content
        image = Image.open(io.BytesIO(content))
        assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
        assert not image.getexif().get_ifd(0x8825)  # no GPS
