"""No space left for attachments: the reporter is told clearly, in their language, that the
file could not be kept, and the report itself is still saved. The error is injected in the
attachment store (ENOSPC), and on SQLite it is also made real (the database may not grow)."""
from __future__ import annotations

import errno

import pytest
from sqlalchemy import func, select

from i18n import Translator
from intake.platform import attachments
from intake.platform.attachments import STORAGE_FULL
from intake.platform.models.reporting import Attachment
from intake.platform.models.tips import Tip
from tests.bot_harness import Files, answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.test_bot_reporting import SON
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, text_of, web_client
from tests.factories import a_photo



async def count(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _report_with_a_full_store(core, language: str) -> str:
    """Walk the web form, add a photo the store cannot keep, go on without it, send."""
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
        refused = await reporter.answer(None, files=[("files", ("receipt.jpg", a_photo((900, 900), gps=False, noise=True), "image/jpeg"))])
        assert refused.status_code == 200 and reporter.current_key == "evidence"
        page = text_of(reporter.page)
        assert Translator(language)(STORAGE_FULL) in page and "error-summary" in reporter.page
        await reporter.walk(ANSWERS_FOR_MOTHER)  # the same page again, without the file
        sent = await reporter.send()
        assert sent.status_code == 200 and reporter.url == "/report/done"
        return text_of(reporter.page)


async def test_no_space_for_an_attachment_says_so_in_the_reporters_language_and_the_report_is_saved(core, monkeypatch):
    async def disk_full(core, row) -> None:  # noqa: ANN001
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(attachments, "_write", disk_full)
    await _report_with_a_full_store(core, "zh_Hans")
    assert await count(core, Tip) == 1 and await count(core, Attachment) == 0


async def test_sqlite_really_full_refuses_the_photo_and_keeps_the_report(core):
    if core.db.dialect != "sqlite":
        pytest.skip(reason="the real disk-full case uses SQLite's max_page_count; the injected ENOSPC test runs on every database")
    async with core.db.writer.connect() as connection:  # the one writer connection
        pages = (await connection.exec_driver_sql("PRAGMA page_count")).scalar()
        await connection.exec_driver_sql(f"PRAGMA max_page_count = {pages + 60}")  # ~240 KB left: a report, not a photo
    await _report_with_a_full_store(core, "bo")
    assert await count(core, Tip) == 1 and await count(core, Attachment) == 0


async def test_the_bot_says_the_store_is_full_and_the_report_goes_on(core, fake_telegram, running_bot, monkeypatch):
    async def disk_full(core, row) -> None:  # noqa: ANN001
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(attachments, "_write", disk_full)
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", SON, stop_at="evidence") == "evidence"
    shown = await user.send_photo(a_photo(gps=False, color="white"))
    assert any(Translator("en")(STORAGE_FULL) in message.text for message in shown), [m.text for m in shown]
    # The question is asked again; the reporter goes on without the photo and sends the report.
    assert await answer_until(user, core, "en", SON | {"evidence": Files(())}) == "__review__"
    receipt = await user.press("Send the report")
    assert any("Your tracking code is:" in message.text for message in receipt)
    assert await count(core, Tip) == 1 and await count(core, Attachment) == 0
