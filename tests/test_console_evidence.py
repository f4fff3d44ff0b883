"""The reporter's evidence on the console's tip page: photos shown inline (without the location
the phone wrote into them), every file downloadable under a name that does not name the
reporter, each look audited, and nothing of a tip out of scope."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from intake.platform.attachments import store
from intake.platform.models.staff import AuditEvent
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in
from tests.factories import a_photo, file_tip

OTHER_COUNTY_UNIT = "990122-civil_affairs"


async def _audit(core, action: str) -> list[AuditEvent]:
    async with core.db.session() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_an_officer_sees_the_photo_without_its_location_and_can_download_it(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    assert isinstance(await store(core, a_photo(gps=True), "王秀英 家门口.jpg", tip_id=tip_id), str)
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = (await client.get(f"/tips/{tip_id}")).text
        assert "Evidence the reporter sent" in page
        assert f'<img src="/tips/{tip_id}/files/1" alt="Photo 1 sent by the reporter"' in page
        assert f'href="/tips/{tip_id}/files/1?download=1"' in page
        shown = await client.get(f"/tips/{tip_id}/files/1")
        downloaded = await client.get(f"/tips/{tip_id}/files/1?download=1")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["content-disposition"] == f'inline; filename="tip-{tip_id}-file-1.jpg"'
    assert "sandbox" in shown.headers["content-security-policy"] and shown.headers["x-content-type-options"] == "nosniff"
    photo = Image.open(io.BytesIO(shown.content))
    assert photo.size == (64, 48) and 0x8825 not in photo.getexif()  # no GPS block any more
    assert downloaded.headers["content-disposition"] == f'attachment; filename="tip-{tip_id}-file-1.jpg"'
    assert "王秀英" not in downloaded.headers["content-disposition"]
    views = await _audit(core, "tip.file_view")
    assert [(v.actor, v.tip_id, v.detail) for v in views] == [("li", tip_id, {"file": 1})] * 2


async def test_a_tip_without_files_says_so(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = (await client.get(f"/tips/{tip_id}")).text
        missing = await client.get(f"/tips/{tip_id}/files/1")
    assert "The reporter sent no files." in page
    assert missing.status_code == 404


async def test_an_officer_of_another_county_gets_not_found_and_the_attempt_is_audited(core):
    await make_staff(core, "xihu", "officer", OTHER_COUNTY_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id  # Donghu's
    await store(core, a_photo(), "photo.jpg", tip_id=tip_id)
    async with client_for(core) as client:
        await sign_in(client, "xihu")
        answer = await client.get(f"/tips/{tip_id}/files/1?download=1")
    assert answer.status_code == 404 and "There is no such tip" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    refused = await _audit(core, "refused:file")
    assert [(r.actor, r.tip_id) for r in refused] == [("xihu", tip_id)]
    assert await _audit(core, "tip.file_view") == []


async def test_a_wechat_voice_message_plays_in_the_page_and_one_kept_as_it_arrived_is_offered_to_download(core):
    from tests.test_voice_files import AMR_VOICE

    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    assert isinstance(await store(core, AMR_VOICE, "voice.amr", tip_id=tip_id), str)  # converted to Ogg/Opus
    core.clock.advance(minutes=1)
    core.settings.ffmpeg = ""  # a server without ffmpeg
    assert isinstance(await store(core, AMR_VOICE, "voice.amr", tip_id=tip_id), str)
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = (await client.get(f"/tips/{tip_id}")).text
        played = await client.get(f"/tips/{tip_id}/files/1")
        kept = await client.get(f"/tips/{tip_id}/files/2?download=1")
    assert f'<audio controls preload="none" src="/tips/{tip_id}/files/1"' in page
    assert f'src="/tips/{tip_id}/files/2"' not in page
    assert "kept as it arrived (AMR): the browser cannot play it" in page and f'href="/tips/{tip_id}/files/2?download=1"' in page
    assert played.headers["content-type"] == "audio/ogg" and played.content.startswith(b"OggS")
    assert kept.content == AMR_VOICE and kept.headers["content-disposition"] == f'attachment; filename="tip-{tip_id}-file-2.amr"'
