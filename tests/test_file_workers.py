"""Large images do not freeze the service: uploaded files are checked and re-encoded in a small
pool of worker processes, never on the event loop, with a cap on the pixels of one request.

The timing test is the one timing assert of the suite (issue 14 asks for it): a real `tipline
serve` (the public site and the console in one process, as in production) processes twenty
6300×6300 PNGs sent as replies, while a probe in a third process keeps loading the console's
sign-in page and the wizard's start page; both answer within 200 ms at the 95th percentile.
"""
from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import time

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from intake.platform.file_workers import FileWorkers, WorkerLost
from intake.platform.models.reporting import Attachment
from tests.factories import file_tip
from tests.test_faults_support import ROOT, ServeProcess
from tests.webclient import Reporter, text_of, token_of, web_client

SIDE = 6300  # 39.7 megapixels, just under the 40-megapixel cap of one image
P95_SECONDS = 0.2


@pytest.fixture(scope="module")
def large_png() -> bytes:
    """A 6300×6300 grey PNG: about 50 KB to send, 160 MB once decoded (as the outside tester's)."""
    out = io.BytesIO()
    Image.new("L", (SIDE, SIDE), 128).save(out, format="PNG")
    return out.getvalue()


async def stored_files(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(Attachment))


async def timeline_page(client: httpx.AsyncClient, code: str) -> str:
    form = await client.get("/status")
    return (await client.post("/status", data={"csrf": token_of(form.text), "code": code})).text


def p95(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=20)[-1]


@pytest.mark.alone  # a p95 figure: another test's work on the same cores would be measured too
async def test_the_console_and_the_wizard_answer_within_200_ms_while_twenty_large_images_are_processed(core, tmp_path, large_png):
    receipt = await file_tip(core, language="en")
    server = ServeProcess(tmp_path, core.settings.resolved_database_url)
    server.start()
    probe = None
    try:
        await server.ready()
        pages = [f"http://127.0.0.1:{server.console_port}/signin", server.url + "/"]
        probe = subprocess.Popen([sys.executable, "-m", "tests.latency_probe", *pages], cwd=ROOT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        await asyncio.sleep(1)  # the probe's first answers: the pages at rest
        async with httpx.AsyncClient(base_url=server.url, timeout=300, cookies={"tl_lang": "en"}) as client:
            page = await timeline_page(client, receipt.code)
            fields = {"csrf": token_of(page), "code": receipt.code, "pin": receipt.pin, "answer": "Photos of the leaflet."}
            files = [("files", (f"scan-{n}.png", large_png, "image/png")) for n in range(4)]
            replies = await asyncio.gather(*(client.post("/status/reply", data=fields, files=files) for _ in range(5)))
        timings = json.loads(probe.communicate(timeout=60)[0])
    finally:
        if probe is not None and probe.poll() is None:
            probe.kill()
        server.stop()
    assert [reply.status_code for reply in replies] == [303] * 5, [text_of(r.text)[:300] for r in replies]
    assert await stored_files(core) == 20
    for url, seconds in timings.items():
        assert len(seconds) >= 20, (url, len(seconds))
        assert p95(seconds) < P95_SECONDS, (url, f"p95 {p95(seconds):.3f} s, max {max(seconds):.3f} s over {len(seconds)}")


async def test_more_pixels_than_one_request_may_have_are_refused_before_any_is_decoded(core, large_png):
    receipt = await file_tip(core, language="en")
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.get("/status")
        await reporter.post("/status", {"code": receipt.code})
        files = [("files", (f"scan-{n}.png", large_png, "image/png")) for n in range(5)]  # 5 × 39.7 megapixels
        await reporter.post("/status/reply", {"code": receipt.code, "pin": receipt.pin, "answer": "Scans."}, files=files)
    assert "These pictures are too large to take together. Please send them a few at a time." in text_of(reporter.page)
    assert await stored_files(core) == 0


def _die() -> None:
    os._exit(1)  # as a worker killed by the kernel, or crashed in a decoder, would


def _pid() -> int:
    return os.getpid()


async def test_a_worker_that_dies_refuses_its_files_and_the_next_files_get_a_new_worker():
    workers = FileWorkers(1)
    try:
        first = await workers.run(_pid)
        with pytest.raises(WorkerLost):
            await workers.run(_die)
        again = await workers.run(_pid)
    finally:
        workers.shutdown()
    assert first != os.getpid() and again not in (first, os.getpid())


async def test_files_that_keep_a_worker_busy_too_long_are_refused_and_the_next_files_get_a_new_worker():
    workers = FileWorkers(1)
    try:
        first = await workers.run(_pid)  # started (the fork server too: slow on a busy machine)
        workers.timeout = 1
        with pytest.raises(WorkerLost):
            await workers.run(time.sleep, 30)  # as a file crafted to take minutes would
        workers.timeout = 30
        again = await workers.run(_pid)
    finally:
        workers.shutdown()
    assert again != first


async def test_files_waiting_their_turn_are_not_timed_out_while_others_are_worked_on():
    workers = FileWorkers(1)
    try:
        await workers.run(_pid)
        workers.timeout = 2.5
        # Three requests of 1 s each at once: the last waits 2 s, then its worker takes it for 1 s only.
        await asyncio.gather(*(workers.run(time.sleep, 1) for _ in range(3)))
    finally:
        workers.shutdown()
