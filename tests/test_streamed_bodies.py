"""Request bodies are counted while they stream, not trusted from their Content-Length: a chunked
body (no length at all) larger than the cap is stopped at the cap on every form of the public site
and the console, the sign-in page included. Driven over real HTTP (uvicorn on 127.0.0.1), with the
server's spooled upload files watched where they live: unlinked temporary files, seen through
/proc/self/fd (the server runs in a thread of this process)."""
from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from console.app import create_app as create_console
from intake.platform.models.reporting import Attachment
from tests.browser import LiveSite
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, text_of, token_of
from web_form.common import MAX_FORM_BODY, MAX_UPLOAD_BODY

MB = 1024 * 1024
BOUNDARY = "----tipline-streamed-body"


class SpoolWatch:
    """The most bytes the server ever had in temporary files under `directory` at once (sampled
    every 2 ms: uploads spooled to disk are unlinked files, visible only through their descriptors)."""

    def __init__(self, directory: Path) -> None:
        self.directory = str(directory)
        self.most = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _on_disk(self) -> int:
        total = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}").startswith(self.directory + "/"):
                    total += os.stat(f"/proc/self/fd/{fd}").st_size
            except OSError:  # closed meanwhile
                continue
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self._on_disk())
            self.samples += 1
            time.sleep(0.002)

    def __enter__(self) -> SpoolWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def spool(tmp_path, monkeypatch) -> Path:
    """Where the server spools uploads (Starlette's SpooledTemporaryFile rolls over to tempfile's directory)."""
    directory = tmp_path / "spool"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


async def chunked_multipart(fields: dict[str, str], file_bytes: int) -> AsyncIterator[bytes]:
    """A multipart form with `fields` and one file part of `file_bytes`, sent in 64 KB chunks
    with no Content-Length (httpx then sends Transfer-Encoding: chunked)."""
    for name, value in fields.items():
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="receipt.jpg"\r\n'
           "Content-Type: image/jpeg\r\n\r\n").encode()
    chunk = b"\xff" * (64 * 1024)
    for _ in range(file_bytes // len(chunk)):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def post_chunked(client: httpx.AsyncClient, url: str, fields: dict[str, str], file_bytes: int) -> httpx.Response:
    return await client.post(url, content=chunked_multipart(fields, file_bytes),
                             headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})


async def attachments(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(Attachment))


async def test_a_chunked_upload_larger_than_the_cap_is_stopped_at_the_cap(core, spool):
    with LiveSite(settings=core.settings, lookup_floor_seconds=0.0) as site:
        async with httpx.AsyncClient(base_url=site.url, timeout=120, cookies={"tl_lang": "en"}) as client:
            reporter = Reporter(client)
            await reporter.start()
            await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="evidence")
            assert reporter.current_key == "evidence"
            with SpoolWatch(spool) as watch:
                answer = await post_chunked(client, "/report/q/evidence", {"csrf": token_of(reporter.page)},
                                            MAX_UPLOAD_BODY + 10 * MB)
    assert answer.status_code < 500
    assert "These files are too big to send together. Please send at most 60 MB at a time." in text_of(answer.text)
    assert MB < watch.most <= MAX_UPLOAD_BODY  # the watch sees the spooled file, which stops at the cap
    assert await attachments(core) == 0


async def test_a_chunked_body_on_a_form_without_files_reaches_no_disk(core, spool):
    with LiveSite(settings=core.settings, lookup_floor_seconds=0.0) as site:
        async with httpx.AsyncClient(base_url=site.url, timeout=120, cookies={"tl_lang": "en"}) as client:
            page = (await client.get("/status")).text
            with SpoolWatch(spool) as watch:
                answer = await post_chunked(client, "/status", {"csrf": token_of(page), "code": "1234"}, 20 * MB)
    assert answer.status_code < 500 and 'lang="en"' in answer.text
    assert watch.samples and watch.most == 0  # under the 1 MB cap nothing is spooled to disk
    assert MAX_FORM_BODY == MB


async def test_a_chunked_body_on_the_console_sign_in_page_is_stopped_at_the_cap(core, spool):
    with LiveSite(settings=core.settings, app=create_console) as console:
        async with httpx.AsyncClient(base_url=console.url, timeout=120) as client:
            await client.get("/signin")
            with SpoolWatch(spool) as watch:
                answer = await post_chunked(client, "/signin", {"username": "li", "password": "x"}, 20 * MB)
    assert answer.status_code == 413
    assert "text/html" in answer.headers["content-type"] and "<h1>" in answer.text
    assert watch.samples and watch.most == 0
