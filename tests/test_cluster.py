"""Two instances of one deployment (two real `tipline serve`, as on two machines) on one
PostgreSQL database and one Redis: the work that must be done once is done once, whichever
instance answers, and when one is killed (SIGKILL) in the middle of sending notices the other
finishes its work with nothing lost. One pair of servers for every check (they are slow to
start); the lease itself, with a clock moved by hand, is tests/test_leases.py; rate limits counted
together through Redis, tests/test_production_mode.py."""
from __future__ import annotations

import asyncio
import subprocess

import httpx
import pytest
from sqlalchemy import select

from intake.domain.workflow import Status
from intake.platform.crypto import Keyring, blob_key_id
from intake.platform.keyring_file import keyring_path
from intake.platform.models.notifications import Notification
from intake.platform.models.operations import Lease
from intake.platform.models.reporting import Draft
from intake.notify.dispatch import LEASE_EXPIRED
from tests.bot_harness import fake_telegram, new_user  # noqa: F401 - fixture
from tests.conftest import database_url
from tests.console_support import LEAD_UNIT, csrf_of, make_staff, sign_in
from tests.factories import file_tip
from tests.fake_telegram import TOKEN
from tests.test_faults_support import ServeProcess, redis_server, tipline_command, until  # noqa: F401 - fixture
from tests.test_outbox import PATH, labels, move
from tipline.serve import JOBS

pytestmark = pytest.mark.postgresql  # two instances on the suite's PostgreSQL server: the PostgreSQL run only

LEASE_SECONDS = 6  # a killed instance's work is taken over after this (60 s in production)
DAILY = [job.name for job in JOBS if job.every.days >= 1]
REPORTERS = 6


async def test_two_instances_share_one_deployments_work_and_one_finishes_what_a_killed_one_left(
        core, tmp_path, redis_server, fake_telegram):
    fake = fake_telegram
    env = {"redis_url": redis_server.url, "telegram_token": TOKEN, "lease_seconds": str(LEASE_SECONDS)}
    # One keyring file (var_dir/keys, shared with this test's core), one database, one Redis.
    instances = {name: ServeProcess(tmp_path, database_url(tmp_path), **env, telegram_api_base=fake.base_url_for(name))
                 for name in ("a", "b")}
    for instance in instances.values():
        instance.start()
    try:
        await asyncio.gather(*(instance.ready() for instance in instances.values()))
        assert await until(lambda: fake.callers_of("getUpdates"), 30)
        await _a_console_session_works_whichever_instance_answers(core, instances)
        assert await until(_daily_jobs_leased(core), 30)
        await _a_key_rotation_on_one_machine_is_followed_by_both_without_a_restart(core, tmp_path, instances, fake)
        killed, survivor = await _one_killed_while_sending_notices_the_other_finishes(core, instances, fake)
        # Telegram's long polling: one instance at a time, the survivor after the kill.
        assert fake.conflicts == 0
        user = new_user(fake)
        await user.send("/start")
        assert await until(lambda: fake.sent_to(user.chat_id), 30), survivor.log()
        assert fake.sent_to(user.chat_id)[0].via == _name(instances, survivor)
    finally:
        for instance in instances.values():
            instance.stop()
    logs = "\n".join(instance.log() for instance in instances.values())
    # Each daily job ran once, by one of the two (their leases are due again in a day).
    assert {job: logs.count(f"{job}: run by ") for job in DAILY} == {job: 1 for job in DAILY}, logs
    assert "Traceback" not in survivor.log(), survivor.log()


def _name(instances: dict[str, ServeProcess], instance: ServeProcess) -> str:
    return next(name for name, candidate in instances.items() if candidate is instance)


def _daily_jobs_leased(core):
    async def leased() -> bool:
        async with core.db.session() as session:
            names = set((await session.scalars(select(Lease.name))).all())
        return {f"job:{job}" for job in DAILY} <= names

    return leased


async def _a_console_session_works_whichever_instance_answers(core, instances) -> None:
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    a, b = instances["a"], instances["b"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{a.console_port}", timeout=10) as browser:
        assert (await sign_in(browser, "li")).status_code == 303
        # The same browser (its cookie) on the other instance: signed in there too.
        queue = await browser.get(f"http://127.0.0.1:{b.console_port}/queue")
        assert queue.status_code == 200 and "Sign out" in queue.text
        signed_out = await browser.post(f"http://127.0.0.1:{b.console_port}/signout", data={"csrf": csrf_of(queue.text)})
        assert signed_out.status_code == 303
        # Signed out on b: the session is over on a as well (it lived on the server, not in the cookie).
        again = await browser.get("/queue")
        assert again.status_code == 303 and again.headers["location"].startswith("/signin")


async def _a_key_rotation_on_one_machine_is_followed_by_both_without_a_restart(core, tmp_path, instances, fake) -> None:
    rotated = subprocess.run([*tipline_command(), "keys", "rotate"], env=instances["a"].env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    new_key = Keyring.load(keyring_path(tmp_path / "keys")).active_key_id
    # The bot's instance, never restarted, keeps a new conversation under the new key.
    user = new_user(fake)
    await user.send("/start")
    assert await until(lambda: any(m.buttons() for m in fake.sent_to(user.chat_id)), 30)
    await user.press("English")
    assert await until(lambda: len(fake.sent_to(user.chat_id)) >= 2, 30)

    async def drafts_keys() -> set[str]:
        async with core.db.session() as session:
            return {blob_key_id(blob) for blob in (await session.scalars(select(Draft.sealed_state))).all() if blob}

    assert await until(drafts_keys, 10)
    assert await drafts_keys() == {new_key}


async def _one_killed_while_sending_notices_the_other_finishes(core, instances, fake):
    """Notices to six reporters: the instance that sends the first one is killed half-way; the
    other sends every notice, each reporter's in order. A notice arrives twice only when it had
    reached Telegram before the kill and the killed instance could not record it (then its row
    says its lease expired)."""
    fake.hold("sendMessage")  # Telegram takes each message at once, and answers when told
    users = [new_user(fake) for _ in range(REPORTERS)]
    tips = [(await file_tip(core, channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id),
                            language="en")).tip_id for user in users]
    for target in PATH:
        for tip_id in tips:
            await move(core, tip_id, target)
    chats = {user.chat_id for user in users}

    def notices() -> list:
        return [sent for chat in chats for sent in fake.sent_to(chat)]

    assert await until(lambda: notices(), 30)
    killed = instances[notices()[0].via]
    survivor = next(instance for instance in instances.values() if instance is not killed)
    killed.kill9()  # its messages in flight were taken by Telegram; it never learns so
    before_kill = {id(sent) for sent in notices()}
    fake.answer(_name(instances, survivor))

    async def all_sent() -> bool:
        async with core.db.session() as session:
            return set((await session.scalars(select(Notification.status).where(Notification.tip_id.in_(tips)))).all()) == {"sent"}

    assert await until(all_sent, 60), survivor.log()
    expected = labels("en", Status.SUBMITTED, *PATH)
    async with core.db.session() as session:
        taken_over = {n.id for n in (await session.scalars(select(Notification).where(Notification.last_error == LEASE_EXPIRED))).all()}
    assert taken_over, "the killed instance was sending nothing"
    twice = 0
    for user in users:
        received = fake.sent_to(user.chat_id)
        steps = [next(i for i, label in enumerate(expected) if label in sent.text) for sent in received]
        assert sorted(set(steps)) == list(range(len(expected))), [sent.text for sent in received]  # every notice
        assert steps == sorted(steps), [sent.text for sent in received]  # in order
        for i in range(1, len(received)):
            earlier, later = received[i - 1], received[i]
            if steps[i - 1] == steps[i]:  # the same notice twice:
                assert id(earlier) in before_kill and earlier.via == _name(instances, killed)  # sent by the killed one
                assert id(later) not in before_kill and later.via == _name(instances, survivor)  # and again after
                twice += 1
    assert twice <= len(taken_over)
    return killed, survivor
