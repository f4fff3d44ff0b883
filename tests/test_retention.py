"""Retention (issue 9): after the period its final status sets, a tip's personal data goes (the
reporter's and victim's identity and contact, the chat, the files, the drafts), its facts stay,
the reporter's status page says so, and each erasure is audited; a dry run only lists."""
from __future__ import annotations

import io
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from intake.platform import attachments
from intake.casework.casework import move_tip
from intake.domain.deployment import CONFIG_DIR
from intake.reporting.drafts import new_draft, save_draft
from intake.platform.models.reporting import ChannelUser, Draft
from intake.platform.models.rewards import Award
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.domain.steps import ChannelCapabilities
from intake.admin.retention import run_retention
from intake.reporting.tips import public_view
from intake.platform.schedule import run_due
from tests.factories import a_photo, file_tip, staff
from tests.webclient import Reporter, text_of, web_client
from tests.cli import Ran, run_tipline
from tipline.serve import JOBS

LEAD_UNIT = "990121-civil_affairs"
CHAT_ID = "7009998887"
ERASED_EN = "your name, contact details, chat and files for this report have now been erased"



@pytest.fixture
async def people(core):
    return {"officer": await staff(core, "officer", "officer", LEAD_UNIT),
            "lead": await staff(core, "lead", "unit_lead", LEAD_UNIT)}


async def _finish(core, people, tip_id: int, verdict: str) -> None:
    await move_tip(core, tip_id, "accepted", staff=people["officer"])
    await move_tip(core, tip_id, "verifying", staff=people["officer"])
    await move_tip(core, tip_id, verdict, staff=people["officer"])
    await move_tip(core, tip_id, "closed", staff=people["lead"])


async def _people_of(core, tip_id: int) -> tuple[int | None, int | None, int]:
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        count = await session.scalar(select(func.count()).select_from(Person))
        return tip.reporter_id, tip.victim_id, int(count)


async def test_personal_data_goes_when_its_final_status_says_and_the_facts_stay(core, clock, people):
    confirmed = await file_tip(core, channel="telegram", owner=CHAT_ID, channel_address=CHAT_ID)
    photo = await attachments.store(core, a_photo((20, 20), gps=False, color=(10, 120, 30), image_format="PNG"), "receipt.png", tip_id=confirmed.tip_id)
    declined = await file_tip(core, language="en")
    unconfirmed = await file_tip(core)
    still_open = await file_tip(core)
    async with core.db.transaction() as session:
        from intake.reporting.drafts import owner_hash

        session.add(ChannelUser(channel="telegram", user_hash=owner_hash(core, "telegram", CHAT_ID), language="zh_Hans",
                                updated_at=clock.now()))
    await _finish(core, people, confirmed.tip_id, "substantiated")
    await _finish(core, people, unconfirmed.tip_id, "unsubstantiated")
    await move_tip(core, declined.tip_id, "declined", staff=people["officer"])
    await move_tip(core, still_open.tip_id, "accepted", staff=people["officer"])
    unfinished = await new_draft(core, "web", "browser-7", "en", ChannelCapabilities())
    unfinished.state.answers["reporter_name"] = "钱红梅"
    await save_draft(core, unfinished)
    draft_file = await attachments.store(core, a_photo((20, 20), gps=False, color=(10, 120, 30), image_format="PNG"), "draft.png", draft_id=unfinished.id)
    _reporter, _victim, people_before = await _people_of(core, declined.tip_id)

    # Half a year on: only the declined tip (180 days) is due, and a dry run erases nothing.
    clock.advance(days=181)
    listed = await run_retention(core, dry_run=True)
    assert [(d.tip_id, d.policy, d.people) for d in listed.erased] == [(declined.tip_id, "declined", 2)]
    assert listed.expired_drafts == 5  # the unfinished one, and the sent ones' receipts
    assert listed.orphan_files == 1
    assert (await _people_of(core, declined.tip_id))[2] == people_before
    assert await attachments.load(core, draft_file) is not None

    report = await run_retention(core)
    assert [d.tip_id for d in report.erased] == [declined.tip_id]
    reporter, victim, count = await _people_of(core, declined.tip_id)
    assert (reporter, victim, count) == (None, None, people_before - 2)
    assert await attachments.load(core, draft_file) is None
    async with core.db.session() as session:
        assert await session.get(Draft, unfinished.id) is None
        tip = await session.get(Tip, declined.tip_id)
        assert tip.personal_erased_at is not None and tip.status == "declined"
        assert tip.category == "care_service" and "贵宾卡" in tip.answers["description"]  # the facts stay
        audit = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.erased"))).all()
        assert [(a.tip_id, a.actor, a.detail["policy"], a.detail["people"]) for a in audit] == [
            (declined.tip_id, "retention", "declined", 2)]
        statuses = (await session.scalars(select(StatusEvent.to_status).where(
            StatusEvent.tip_id == declined.tip_id, StatusEvent.action == "status"))).all()
        assert list(statuses) == ["submitted", "declined"]  # statistics count the same steps as before

    # The reporter looks the code up: the page says the personal data was erased, in English.
    async with web_client(core, language="en") as client:
        reporter_page = Reporter(client)
        await reporter_page.get("/status")
        await reporter_page.post("/status", {"code": declined.code})
        page = text_of(reporter_page.page)
    assert ERASED_EN in page and "Not taken on" in page
    assert ERASED_EN not in (await public_view(core, unconfirmed.code, "en")).entries[-1].message

    # A year on the unconfirmed closed tip goes; three years on the confirmed one, with its chat and photo.
    clock.advance(days=185)
    assert [d.tip_id for d in (await run_retention(core)).erased] == [unconfirmed.tip_id]
    assert (await attachments.load(core, photo)) is not None
    clock.advance(days=1095 - 366 + 1)
    assert [(d.tip_id, d.policy, d.attachments) for d in (await run_retention(core)).erased] == [
        (confirmed.tip_id, "closed_substantiated", 1)]
    assert await attachments.load(core, photo) is None
    async with core.db.session() as session:
        assert (await session.scalars(select(ChannelUser))).all() == []
        assert (await session.get(Tip, confirmed.tip_id)).channel_user_hash is None
    zh = await public_view(core, confirmed.code, "zh_Hans")
    assert zh.status == "closed" and zh.entries[-1].message  # the step is on the timeline, in the reader's language
    assert (await _people_of(core, still_open.tip_id))[0] is not None  # an open tip keeps its reporter
    assert (await run_retention(core)).erased == []  # nothing twice


async def test_a_tip_with_an_open_reward_waits(core, clock, people):
    receipt = await file_tip(core)
    await _finish(core, people, receipt.tip_id, "substantiated")
    async with core.db.transaction() as session:
        session.add(Award(tip_id=receipt.tip_id, case_tip_id=receipt.tip_id, status="approved", tier="administrative_penalty",
                          amount_fen=100000, budget_region="990100", budget_year=2026, scheme_digest="x" * 64,
                          reason="penalty decided", proposed_by="zhou", proposed_at=clock.now()))
    clock.advance(days=1096)
    report = await run_retention(core)
    assert report.erased == [] and [(d.tip_id, d.held) for d in report.held] == [(receipt.tip_id, "reward open")]
    assert (await _people_of(core, receipt.tip_id))[0] is not None
    async with core.db.transaction() as session:
        (await session.get(Award, 1)).status = "paid"
    assert [d.tip_id for d in (await run_retention(core)).erased] == [receipt.tip_id]


async def test_serve_runs_retention_on_its_daily_schedule(core, clock, people):
    receipt = await file_tip(core)
    await move_tip(core, receipt.tip_id, "declined", staff=people["officer"])
    clock.advance(days=200)
    assert "retention" in await run_due(core, JOBS, "instance-a", hold=timedelta(minutes=1))
    assert (await _people_of(core, receipt.tip_id))[0] is None


def _config_copy(tmp_path: Path, retention: str | None) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    if retention is not None:
        (folder / "retention.toml").write_text(retention, encoding="utf-8")
    return folder


@pytest.mark.parametrize("retention,problem", [
    (None, None),
    ("[periods]\ndeclined = 90\n", None),  # the others keep their defaults
    ("[periods]\ndeclined = 0\n", r"retention\.toml: periods\.declined: Input should be greater than or equal to 1"),
    ("[periods]\nclosed_substansiated = 30\n", r"periods\.closed_substansiated: Extra inputs are not permitted"),
    ("[periods\n", r"retention\.toml"),
])
def test_config_check_checks_the_retention_periods(tmp_path, retention, problem):
    from tipline.cli import app

    result = CliRunner().invoke(app, ["config", "check", str(_config_copy(tmp_path, retention))])
    if problem is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and re.search(problem, result.output.replace("\n", "")), result.output


def _tipline(tmp_path: Path, database_url: str, *args: str) -> Ran:
    return run_tipline(*args, env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": database_url, "TIPLINE_ENV": "test"})


async def test_retention_run_from_the_command_line_lists_then_erases(core, clock, people, settings, tmp_path):
    clock.current = datetime(2024, 1, 10, 2, 0, tzinfo=timezone.utc)  # declined long before the real today
    receipt = await file_tip(core, language="en", when="2023年10月")
    await move_tip(core, receipt.tip_id, "declined", staff=people["officer"])
    url = settings.resolved_database_url

    dry = _tipline(tmp_path, url, "retention", "run", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert re.search(rf"\b{receipt.tip_id}\b.*declined.*declined.*2024-01-10.*would erase", dry.stdout), dry.stdout
    assert "dry run: nothing was erased" in dry.stdout
    assert (await _people_of(core, receipt.tip_id))[0] is not None

    run = _tipline(tmp_path, url, "retention", "run")
    assert run.returncode == 0 and "erased the personal data of 1 tips" in run.stdout, run.stdout + run.stderr
    assert (await _people_of(core, receipt.tip_id))[0] is None
    status = _tipline(tmp_path, url, "status", receipt.code, "--lang", "en")
    assert ERASED_EN in " ".join(status.stdout.split()), status.stdout
