"""`kill -9` of a real `tipline serve` in the middle of submissions (real HTTP, the partner API
and the web form): afterwards no tip is half-written, and sending the same report again (the
same Idempotency-Key, the same form) after a restart makes exactly one tip."""
from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx
from sqlalchemy import func, select

from intake.platform.models.notifications import Notification
from intake.platform.models.reporting import Draft
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.reporting.partners import add_partner
from tests.conftest import database_url
from tests.test_faults_support import ServeProcess
from tests.test_web_api import ANSWERS
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter

REPORTS = 48  # enough in flight that some are cut by the kill, however fast the server answers
WEB_REPORTERS = 3


async def _send(client: httpx.AsyncClient, url: str, key: str, idempotency_key: str) -> httpx.Response | None:
    try:
        return await client.post(url + "/api/v1/reports", json={"language": "en", "answers": ANSWERS},
                                 headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key})
    except httpx.HTTPError:
        return None  # the server died under this request


async def _every_tip_is_whole(core) -> int:
    """Each tip has its draft (sealed receipt), people, routing, first event and notice."""
    async with core.db.session() as session:
        tips = (await session.scalars(select(Tip))).all()
        for tip in tips:
            assert tip.reporter_id is not None and tip.victim_id is not None and tip.lead_unit, tip.id
            for model in (StatusEvent, Assignment, Notification):
                count = await session.scalar(select(func.count()).select_from(model).where(model.tip_id == tip.id))
                assert count >= 1, (tip.id, model.__name__)
            draft = await session.scalar(select(Draft).where(Draft.tip_id == tip.id))
            assert draft is not None and draft.sealed_receipt is not None, tip.id
    return len(tips)


async def test_kill_9_in_the_middle_of_submissions_leaves_no_partial_tip_and_a_resend_makes_one(core, tmp_path):
    _partner, key = await add_partner(core, "Community app")
    server = ServeProcess(tmp_path, database_url(tmp_path)).start()
    idempotency_keys = [str(uuid.uuid4()) for _ in range(REPORTS)]
    web = [httpx.AsyncClient(base_url=server.url, timeout=30, headers={"Accept-Language": "en"}) for _ in range(WEB_REPORTERS)]
    try:
        await server.ready()
        reporters = [Reporter(client) for client in web]
        for reporter in reporters:
            await reporter.start()
            await reporter.walk(ANSWERS_FOR_MOTHER)
            assert reporter.url == "/report/review"
        review_pages = [reporter.page for reporter in reporters]

        async with httpx.AsyncClient(timeout=30) as client:
            through = asyncio.Event()

            def count_answer(task: asyncio.Task) -> None:
                # Kill the moment the third report is through, the others still on their way
                # (polling for it let a fast server answer every report first).
                if not through.is_set() and sum(1 for t in sending[:REPORTS] if t.done() and t.result() is not None) >= 3:
                    through.set()
                    os.kill(server.process.pid, signal.SIGKILL)

            sending = [asyncio.create_task(_send(client, server.url, key, k)) for k in idempotency_keys]
            sending += [asyncio.create_task(reporter.send()) for reporter in reporters]
            for task in sending[:REPORTS]:
                task.add_done_callback(count_answer)
            await asyncio.wait_for(through.wait(), 60)
            server.kill9()  # already dead: waits for the process
            first = await asyncio.gather(*sending, return_exceptions=True)
        answered = {k: r.json()["code"] for k, r in zip(idempotency_keys, first[:REPORTS])
                    if isinstance(r, httpx.Response) and r.status_code in (200, 201)}
        assert 3 <= len(answered) < REPORTS, "the kill came too late to test anything"
        before = await _every_tip_is_whole(core)
        assert before >= len(answered)

        # Restarted, everyone sends again: the same keys, the same forms.
        server = ServeProcess(tmp_path, database_url(tmp_path)).start()
        await server.ready()
        async with httpx.AsyncClient(timeout=30) as client:
            again = await asyncio.gather(*(_send(client, server.url, key, k) for k in idempotency_keys))
        assert all(r is not None and r.status_code in (200, 201) for r in again), [r and r.text for r in again]
        for k, reply in zip(idempotency_keys, again):
            if k in answered:
                assert reply.json()["repeated"] is True and reply.json()["code"] == answered[k]
        for client, reporter, page in zip(web, reporters, review_pages):
            client.base_url = server.url
            reporter.page, reporter.url = page, "/report/review"
            done = await reporter.send()
            assert done.status_code == 200 and "/report/done" in str(done.url), reporter.page[-500:]
            assert "Tracking code" in reporter.page or "tracking code" in reporter.page.lower()
    finally:
        for client in web:
            await client.aclose()
        server.stop()
    assert await _every_tip_is_whole(core) == REPORTS + WEB_REPORTERS  # exactly one tip per report
    async with core.db.session() as session:
        channels = (await session.execute(select(Tip.channel, func.count()).group_by(Tip.channel))).all()
    assert dict(channels) == {"api": REPORTS, "web": WEB_REPORTERS}
