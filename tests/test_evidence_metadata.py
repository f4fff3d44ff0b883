"""Evidence reaches staff without its metadata, whatever its type: the ID3 artist of an MP3, the
comments of a voice note, the location of an M4A voice memo, a PDF's author, XMP, JavaScript,
attached files and the GPS block of a photo inside it. Files are sent through the real channels
(the web wizard and the bot) and read back as staff download them (the console's evidence route).
A PDF stays accepted once cleaned; only what cannot be cleaned (a password) is refused."""
from __future__ import annotations

import io
import re

import mutagen
import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from intake.domain.answers.invalid import Invalid
from intake.platform.attachments import load
from intake.platform.file_cleaning import clean_files
from intake.platform.models.reporting import Attachment
from tests.bot_harness import Choose, answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in
from tests.evidence_files import MARKERS, a_pdf, an_m4a, an_mp3, an_ogg_opus
from tests.hostile import HOSTILE_SETTINGS
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, text_of, web_client

FILES = {  # name: (bytes, media type sent, media type kept)
    "recording.mp3": (an_mp3, "audio/mpeg"),
    "voice.ogg": (an_ogg_opus, "audio/ogg"),
    "memo.m4a": (an_m4a, "audio/mp4"),
    "contract.pdf": (a_pdf, "application/pdf"),
}


def pdf_without_compression(data: bytes) -> bytes:
    """The PDF with every stream and object stream unpacked, so a marker cannot hide in them."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def assert_clean_audio(data: bytes, original: bytes) -> None:
    audio = mutagen.File(io.BytesIO(data))
    assert audio is not None, "no longer a recording"
    assert not audio.tags, dict(audio.tags)
    assert abs(audio.info.length - mutagen.File(io.BytesIO(original)).info.length) < 0.05  # nothing of the sound lost
    assert [marker for marker in MARKERS if marker in data] == []


def assert_clean_pdf(data: bytes) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1 and b"Contract for the care card" in pdf.pages[0].Contents.read_bytes()
        assert dict(pdf.docinfo) == {}
        for key in ("/Metadata", "/OpenAction", "/AA", "/Names"):
            assert key not in pdf.Root, key
        assert "/Annots" not in pdf.pages[0] or all("/A" not in annot for annot in pdf.pages[0].Annots)
        photo = pdf.pages[0].Resources.XObject.Im0.read_raw_bytes()
    assert not Image.open(io.BytesIO(photo)).getexif()  # the photo inside: no GPS block, no camera
    unpacked = pdf_without_compression(data)
    assert [marker for marker in MARKERS if marker in unpacked] == []
    assert not re.search(rb"/JavaScript|/JS\b|/EmbeddedFile|/Launch", unpacked)


async def staff_downloads(core, tip_id: int, count: int) -> dict[str, bytes]:
    """What an officer of the lead unit downloads from the tip page: {media type: bytes}."""
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    downloads = {}
    async with client_for(core) as client:
        await sign_in(client, "li")
        for number in range(1, count + 1):
            answer = await client.get(f"/tips/{tip_id}/files/{number}?download=1")
            assert answer.status_code == 200, answer.text
            downloads[answer.headers["content-type"]] = answer.content
    return downloads


async def test_files_sent_with_a_web_report_reach_staff_without_tags_location_or_active_content(core):
    originals = {name: make() for name, (make, _type) in FILES.items()}
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
        await reporter.answer(None, files=[("files", (name, data, FILES[name][1])) for name, data in originals.items()])
        assert reporter.current_key != "evidence", text_of(reporter.page)[:500]
        await reporter.walk(ANSWERS_FOR_MOTHER)
        await reporter.send()
        assert reporter.url == "/report/done"
    async with core.db.session() as session:
        tip_id = (await session.scalars(select(Attachment.tip_id))).first()
    downloads = await staff_downloads(core, tip_id, len(FILES))
    assert set(downloads) == {"audio/mpeg", "audio/ogg", "audio/mp4", "application/pdf"}
    assert_clean_audio(downloads["audio/mpeg"], originals["recording.mp3"])
    assert_clean_audio(downloads["audio/ogg"], originals["voice.ogg"])
    assert_clean_audio(downloads["audio/mp4"], originals["memo.m4a"])
    assert_clean_pdf(downloads["application/pdf"])


async def test_a_voice_note_and_a_voice_memo_sent_to_the_bot_are_kept_without_their_tags(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    family = {"urgent": Choose("no"), "reporting_for": Choose("family"), "relationship": Choose("child"),
              "category": Choose("care_service"), "description": "The care home sells VIP cards.", "suspect_known": Choose("no"),
              "region": Choose("990121"), "money_lost": "3万", "victim_age": Choose("70_79")}
    await answer_until(user, core, "en", family, stop_at="evidence")
    voice, memo = an_ogg_opus(), an_m4a()
    assert (await user.send_voice(voice))[0].text.startswith("Thank you, the file was added (1 of 10).")
    assert (await user.send_document(memo, "memo.m4a", mime="audio/mp4"))[0].text.startswith("Thank you, the file was added (2 of 10).")
    async with core.db.session() as session:
        ids = (await session.scalars(select(Attachment.id).order_by(Attachment.created_at))).all()
    kept = [(await load(core, attachment_id)).content for attachment_id in ids]  # what the console serves
    assert_clean_audio(kept[0], voice)
    assert_clean_audio(kept[1], memo)


async def test_a_pdf_without_metadata_stays_accepted_and_one_with_a_password_is_refused(core):
    plain = a_pdf(tagged=False)
    locked = io.BytesIO()
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="1234", owner="5678"))
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
        await reporter.answer(None, files=[("files", ("locked.pdf", locked.getvalue(), "application/pdf"))])
        assert reporter.current_key == "evidence"
        assert "This PDF is protected with a password, so we cannot check it." in text_of(reporter.page)
        await reporter.answer(None, files=[("files", ("contract.pdf", plain, "application/pdf"))])
        assert reporter.current_key != "evidence"
    async with core.db.session() as session:
        [kept] = (await session.scalars(select(Attachment))).all()
    content = (await load(core, kept.id)).content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) == 1 and b"Contract for the care card" in pdf.pages[0].Contents.read_bytes()


@pytest.mark.parametrize(("name", "data", "media_type"), [
    ("voice.ogg", b"OggS" + b"\x00" * 500, "audio/ogg"),
    ("song.mp3", b"ID3" + b"\x00" * 500, "audio/mpeg"),
    ("memo.m4a", b"\x00\x00\x00\x14ftypM4A " + b"\x00" * 500, "audio/mp4"),
    ("contract.pdf", b"%PDF-1.4 a contract", "application/pdf"),
])
async def test_a_file_that_only_looks_like_audio_or_a_pdf_is_refused_as_it_cannot_be_cleaned(core, name, data, media_type):
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
        await reporter.answer(None, files=[("files", (name, data, media_type))])
        assert reporter.current_key == "evidence" and "error-summary" in reporter.page
        assert "could not be opened" in text_of(reporter.page)
    async with core.db.session() as session:
        assert (await session.scalars(select(Attachment))).all() == []


SAMPLES = [make() for make in (an_mp3, an_ogg_opus, an_m4a, a_pdf)]


@HOSTILE_SETTINGS
@given(sample=st.sampled_from(range(len(SAMPLES))), cuts=st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=8)), max_size=4),
       length=st.integers(8, 5000))
def test_a_damaged_recording_or_pdf_is_cleaned_or_refused_never_an_error(sample, cuts, length):
    data = bytearray(SAMPLES[sample])
    for position, junk in cuts:
        data[position % len(data):position % len(data) + len(junk)] = junk
    result = clean_files([bytes(data[:length])])
    assert isinstance(result, (list, Invalid))
    if isinstance(result, list):
        assert [marker for marker in MARKERS if marker in result[0].content] == []
