"""Key rotation (issue 9): `tipline keys rotate` moves every sealed value and every look-up
hash it can over to new keys, in batches, survives being killed half-way, and an old key is
retired only when nothing needs it. A copied database shows no reporter in plain text."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import LargeBinary, delete, func, literal, select, text, update

from intake.platform import attachments
from intake.platform.crypto import Keyring, blob_header
from intake.platform.keyring_file import keyring_path
from intake.reporting.drafts import find_draft, new_draft, owner_hash, save_draft
from intake.admin.key_rotation import key_usage, plan_rotation, rotate_data
from intake.platform.models.base import Base
from intake.platform.models.reporting import ChannelUser, Draft
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Organisation, RiskObjection
from intake.domain.purposes import RISK_OBJECTION, SUBSCRIBER
from intake.platform.models.prevention import WarningSubscription
from intake.prevention.subscriptions import by_token, chat_subscriptions, subscribe_chat
from intake.platform.models.tips import Person, Tip
from intake.domain.steps import ChannelCapabilities
from intake.reporting.tips import check_pin, find_tip, public_view
from tests.cli import run_tipline
from tests.conftest import POSTGRES_URL
from tests.factories import a_photo, file_tip
from tests.walk import ANSWERS_ANONYMOUS_SELF

CHAT_ID = "7001234567"
FILE_NAME = "赵桂兰的收据.png"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
OBJECTION_CONTACT = "0571-8888 0000"
NAMES = ["王秀英", "李建国", "赵桂兰"]
PHONES = ["13800138000", "13900139000", "138 0013 8000"]



async def _deployment_with_reporters(core):
    """Named and anonymous tips (one from a Telegram chat, with a photo), a report in progress,
    a chat's language and a staff member's second factor: every kind of sealed or hashed row."""
    tips = []
    chat = await file_tip(core, channel="telegram", owner=CHAT_ID, channel_address=CHAT_ID, reporter_name="赵桂兰")
    tips.append(chat)
    for _ in range(4):
        tips.append(await file_tip(core))
    tips.append(await file_tip(core, ANSWERS_ANONYMOUS_SELF))
    stored = await attachments.store(core, a_photo((40, 30), gps=False, image_format="PNG"), FILE_NAME, tip_id=chat.tip_id)
    assert isinstance(stored, str)
    draft = await new_draft(core, "web", "browser-cookie-1", "en", ChannelCapabilities())
    draft.state.answers["reporter_name"] = "李建国"
    await save_draft(core, draft)
    async with core.db.transaction() as session:
        session.add(ChannelUser(channel="telegram", user_hash=owner_hash(core, "telegram", CHAT_ID), language="zh_Hans",
                                updated_at=core.clock.now()))
        session.add(StaffUser(username="wang", display_name="王", role="officer", created_at=core.clock.now(),
                              totp_sealed=core.keys.seal(TOTP_SECRET, purpose="totp")))
        # An organisation's objection to the public risk list, with how to answer it.
        organisation = Organisation(key="福寿康养老服务", display_name="福寿康养老服务有限公司", colour="red", set_by="coord",
                                    set_at=core.clock.now())
        session.add(organisation)
        await session.flush()
        session.add(RiskObjection(organisation_id=organisation.id, text="决定已撤销", language="zh_Hans",
                                  received_at=core.clock.now(),
                                  contact_sealed=core.keys.seal(OBJECTION_CONTACT, purpose=RISK_OBJECTION)))
        # The oldest tip's draft (and with it its sealed receipt) is gone: its code and PIN can
        # only move to the new hash key when the reporter next uses them.
        await session.execute(delete(Draft).where(Draft.tip_id == tips[1].tip_id))
    # The chat hears of new warnings in its county: its chat id sealed, found by keyed hashes.
    await subscribe_chat(core, "telegram", CHAT_ID, "990121", "zh_Hans")
    return tips, stored


async def _everything_still_opens(core, tips, attachment_id) -> None:
    for receipt in tips:
        tip = await find_tip(core, receipt.code)
        assert tip is not None and tip.id == receipt.tip_id, receipt.code
        assert (await public_view(core, receipt.code, "en")).status_label == "Received"
        assert (await check_pin(core, receipt.code, receipt.pin)).id == receipt.tip_id
    async with core.db.session() as session:
        people = (await session.scalars(select(Person))).all()
        opened = [core.keys.open_json(person.sealed, purpose="people") for person in people]
        staff = await session.scalar(select(StaffUser).where(StaffUser.username == "wang"))
        assert core.keys.open_text(staff.totp_sealed, purpose="totp") == TOTP_SECRET
        objection = await session.scalar(select(RiskObjection))
        assert core.keys.open_text(objection.contact_sealed, purpose=RISK_OBJECTION) == OBJECTION_CONTACT
        subscription = await session.scalar(select(WarningSubscription))
        token = core.keys.open_json(subscription.sealed, purpose=SUBSCRIBER)["token"]
    assert [s.region for s in await chat_subscriptions(core, "telegram", CHAT_ID)] == ["990121"]
    assert (await by_token(core, token)).id == subscription.id
    assert {"name": "赵桂兰", "channel": "telegram", "channel_address": CHAT_ID}.items() <= next(
        data for data in opened if data.get("channel_address") == CHAT_ID).items()
    assert sum(data.get("name") == "王秀英" for data in opened) == 5  # the victim of the five named tips
    photo = await attachments.load(core, attachment_id)
    assert photo.name == FILE_NAME
    with Image.open(io.BytesIO(photo.content)) as image:  # the photo as stored (re-encoded, no metadata)
        assert image.size == (40, 30)
    resumed = await find_draft(core, "web", "browser-cookie-1")
    assert resumed is not None and resumed.state.answers["reporter_name"] == "李建国"


async def _count_sealed_under(core, key_id: str) -> int:
    header = blob_header(key_id)
    async with core.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Person).where(
            func.substr(Person.sealed, 1, len(header)) == literal(header, LargeBinary()))))


async def test_rotation_moves_everything_over_and_old_hashes_move_when_used(core):
    tips, attachment_id = await _deployment_with_reporters(core)
    old = core.keys
    core.keys = old.rotate()

    steps = await plan_rotation(core)
    assert {step.name: step.total for step in steps} == {"people": 10, "chats": 5, "drafts": 6, "codes": 6, "attachments": 1,
                                                         "staff": 1, "objections": 1, "subscriptions": 1}  # codes: each tip's, kept for its reporter (/mytips)
    seen = []
    report = await rotate_data(core, batch_size=2, progress=lambda step, n: seen.append((step.name, n)))
    assert [n for name, n in seen if name == "people"] == [2, 2, 2, 2, 2]  # in batches of two, one transaction each

    usage = await key_usage(core)
    assert usage[old.active_key_id] == {}  # nothing sealed is left under the old key
    # The chat's hash moved with the chat id in the reporter's contact, and the chat's language
    # with it; the code and PIN of the tip without a receipt wait for their next use.
    assert usage[old.hash_key_id] == {"tips.tracking_hash": 1, "tips.pin_hash": 1, "tips.channel_user_hash": 5,
                                      "drafts.owner_hash": 5}
    assert next(step for step in report.steps if step.name == "chats").left_for_later == 4  # terminal reporters: no chat id
    async with core.db.session() as session:
        chat = await session.scalar(select(ChannelUser))
        assert chat.user_hash == owner_hash(core, "telegram", CHAT_ID)

    await _everything_still_opens(core, tips, attachment_id)
    usage = await key_usage(core)
    # Looking the code up and typing the PIN moved them; the browser's draft moved when it came back.
    assert "tips.tracking_hash" not in usage[old.hash_key_id] and "tips.pin_hash" not in usage[old.hash_key_id]
    assert usage[old.hash_key_id]["drafts.owner_hash"] == 4  # the terminal sessions' sent drafts: expire unused

    # A second run finds nothing left to seal again.
    assert sum(step.total for step in await plan_rotation(core)) == sum(
        step.left_for_later for step in report.steps)


def _tipline(tmp_path: Path, database_url: str, *args: str, pause: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": database_url, "TIPLINE_ENV": "test",
           "COLUMNS": "200", "TIPLINE_ROTATE_BATCH_PAUSE": str(pause)}
    env.pop("TIPLINE_TEST_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "tipline", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)


def _command(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str]:
    """`tipline *args` in this process (typer's runner): only the run that is killed needs a process."""
    ran = run_tipline(*args, env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": database_url,
                                  "TIPLINE_ENV": "test", "TIPLINE_ROTATE_BATCH_PAUSE": "0"})
    return ran.returncode, ran.stdout + ran.stderr


async def test_a_rotation_killed_half_way_loses_nothing_and_the_next_run_finishes_it(core, settings, tmp_path, monkeypatch):
    # `core` stands for a running service: its keyring follows the file the command rewrites
    # (checked at once here instead of every two seconds).
    monkeypatch.setattr("intake.platform.crypto.FOLLOW_SECONDS", 0.0)
    tips, attachment_id = await _deployment_with_reporters(core)
    path = keyring_path(settings.resolved_keys_dir)
    before = Keyring.load(path)
    url = settings.resolved_database_url

    rotating = _tipline(tmp_path, url, "keys", "rotate", "--batch-size", "1", pause=1.0)  # time to kill it half-way, even on a busy machine
    deadline = time.monotonic() + 60
    new_key = None
    while time.monotonic() < deadline:
        current = Keyring.load(path)
        if current.active_key_id != before.active_key_id:
            new_key = current.active_key_id
            if await _count_sealed_under(core, new_key) >= 3:
                break
        time.sleep(0.05)
    rotating.send_signal(signal.SIGKILL)
    rotating.wait(timeout=30)
    assert new_key is not None, "the rotation never started"

    # Half-way: some personal data under the new key, some still under the old one.
    moved = await _count_sealed_under(core, new_key)
    assert 3 <= moved < 10, moved
    half = Keyring.load(path)
    assert half.rotation == {"to": new_key, "started": half.rotation["started"]}
    await _everything_still_opens(core, tips, attachment_id)
    assert core.keys.active_key_id == new_key  # the running service writes with the new key too

    code, out = _command(tmp_path, url, "keys", "rotate", "--batch-size", "2")
    assert code == 0, out
    assert f"continuing the unfinished rotation to key {new_key}" in out
    done = Keyring.load(path)
    assert done.rotation is None and done.active_key_id == new_key and len(done.keys) == 2  # no third key
    await _everything_still_opens(core, tips, attachment_id)
    assert (await key_usage(core))[before.active_key_id] == {}

    # The old hash key is still needed by a tip whose reporter has not come back; the old
    # encryption key by nothing: that one can go, and everything still opens without it.
    async with core.db.transaction() as session:
        old_code = done.lookup_hash(tips[1].code, purpose="tracking-code", key_id=before.hash_key_id)
        await session.execute(update(Tip).where(Tip.id == tips[1].tip_id).values(tracking_hash=old_code))
    code, out = _command(tmp_path, url, "keys", "retire", before.hash_key_id)
    assert code == 1 and "tips.tracking_hash 1" in out, out
    code, out = _command(tmp_path, url, "keys", "retire", done.active_key_id)
    assert code == 1 and "current key" in out, out
    code, out = _command(tmp_path, url, "keys", "retire", before.active_key_id)
    assert code == 0, out
    await _everything_still_opens(core, tips, attachment_id)
    assert set(core.keys.keys) == {new_key}
    code, out = _command(tmp_path, url, "keys", "status")
    assert code == 0 and new_key in out and before.hash_key_id in out, out


async def test_a_copied_database_shows_no_reporter_name_phone_chat_id_or_file_name(core):
    tips, _attachment = await _deployment_with_reporters(core)
    core.keys = core.keys.rotate()
    await rotate_data(core, batch_size=3)
    await _everything_still_opens(core, tips, _attachment)
    secrets = [*NAMES, *PHONES, "139-0013-9000", "wang.son@example.com", CHAT_ID, FILE_NAME, TOTP_SECRET,
               *(receipt.code for receipt in tips)]
    if core.db.dialect == "sqlite":
        await core.db.dispose()  # the WAL is read too, before and after the checkpoint
        raw = core.db.sqlite_path.read_bytes()
        for extra in core.db.sqlite_path.parent.glob("tipline.db-*"):
            raw += extra.read_bytes()
        for secret in secrets:
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in raw, secret
        leftovers = [p.name for p in core.db.sqlite_path.parent.rglob("*") if p.is_file() and p.suffix not in (".db", ".json", ".db-wal", ".db-shm", ".migrate-lock")]
        assert leftovers == [], leftovers  # no attachment folder, no temp files beside the database
    else:
        async with core.db.transaction() as session:
            for table in Base.metadata.sorted_tables:
                rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
                # Every value as the bytes a dump would hold: blobs as they are, the rest as text.
                raw = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for row in rows for v in row)
                for secret in secrets:
                    assert secret.encode() not in raw, (table.name, secret)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="runs the raw-file check on the embedded SQLite database")
async def test_a_database_file_copied_while_running_shows_no_reporter(core):
    # A copy taken while the service runs: the database file and its WAL as they are, no checkpoint.
    await _deployment_with_reporters(core)
    raw = core.db.sqlite_path.read_bytes() + b"".join(p.read_bytes() for p in core.db.sqlite_path.parent.glob("tipline.db-wal"))
    for secret in [*NAMES, *PHONES, CHAT_ID, FILE_NAME]:
        assert secret.encode() not in raw, secret
