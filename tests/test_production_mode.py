"""Production mode, with real processes: several `tipline serve` started at once on a fresh
database migrate it once and all serve; `--workers N` shares the public port; rate limits are
shared by every worker through Redis (and fall back to the database when Redis is down); two
`tipline dispatch` processes never send a notice twice; the bot's webhook is on the public port."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
from collections import defaultdict

import httpx
import pytest
from sqlalchemy import func, select

from bot.settings import BotSettings
from intake.platform import ratelimit
from intake.domain.conversation import SKIP
from intake.platform.core import Core
from intake.platform.db import Database
from intake.platform.models.notifications import Notification
from intake.platform.models.operations import RateCounter
from intake.domain.workflow import Status
from tests.bot_harness import TOKEN, fake_telegram, new_user  # noqa: F401 - fixture
from tests.conftest import database_url, fresh_postgres_database
from tests.test_faults_support import (  # noqa: F401 - fixtures
    ServeProcess, alive, children_of, clean_env, free_port, redis_server, tipline_command, until,
)
from tests.test_outbox import PATH, labels, make_tip, move
from tipline.serve import serve

FIRST_MIGRATION = re.compile(r"Running upgrade\s+-> 0001\b")


async def _start_together(processes: list[ServeProcess]) -> None:
    for process in processes:
        process.start()
    await asyncio.gather(*(process.ready() for process in processes))


# The PostgreSQL case runs in the suite's PostgreSQL run, on a fresh database of its server (a
# cluster of its own cost an initdb in the SQLite run).
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=[pytest.mark.database, pytest.mark.postgresql])])
async def test_three_servers_started_together_on_a_fresh_database_migrate_it_once_and_all_serve(backend, tmp_path):
    if backend == "sqlite":
        await _three_servers_on(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    else:
        async with fresh_postgres_database("fresh") as url:
            await _three_servers_on(url, tmp_path)


async def _three_servers_on(url: str, tmp_path) -> None:
    servers = [ServeProcess(tmp_path, url) for _ in range(3)]
    try:
        await _start_together(servers)
        async with httpx.AsyncClient(timeout=10) as client:
            for server in servers:
                page = await client.get(server.url + "/", headers={"Accept-Language": "en"})
                assert page.status_code == 200 and 'lang="en"' in page.text
    finally:
        for server in servers:
            server.stop()
    migrations = sum(len(FIRST_MIGRATION.findall(server.log())) for server in servers)
    assert migrations == 1, "\n".join(server.log() for server in servers)
    assert not any("Traceback" in server.log() for server in servers), "\n".join(server.log() for server in servers)


async def test_production_mode_workers_share_rate_limits_and_the_bot_webhook_through_redis(core, tmp_path, redis_server, fake_telegram):
    # Two servers on one database, one of them with two workers and the bot in webhook mode.
    bot = {"telegram_token": TOKEN, "telegram_api_base": fake_telegram.base_url, "telegram_webhook_secret": "s3cret",
           "telegram_webhook_url": "https://tipline.example/telegram/webhook"}
    many = ServeProcess(tmp_path, database_url(tmp_path), workers=2, redis_url=redis_server.url, **bot)
    single = ServeProcess(tmp_path, database_url(tmp_path), redis_url=redis_server.url)
    try:
        await _start_together([many, single])
        assert await until(lambda: fake_telegram.count("setWebhook") >= 1, 30), many.log()
        await asyncio.sleep(0.5)
        assert fake_telegram.count("setWebhook") == 1  # by worker 0 only
        await _a_conversation_through_the_webhook_of_several_workers(many, fake_telegram)
        # 20 requests with a wrong API key per address per hour, counted together wherever they land.
        answers = []
        for attempt in range(21):
            target = (many, single)[attempt % 2]
            async with httpx.AsyncClient(timeout=10) as client:  # a new connection each time: any worker
                reply = await client.post(target.url + "/api/v1/reports", json={"answers": {}},
                                          headers={"Authorization": "Bearer wrong", "Accept-Language": "en"})
            answers.append(reply.status_code)
        assert answers == [401] * 20 + [429]
        assert "Too much was sent in a short time" in reply.json()["errors"][0]["message"]
        await _a_dead_worker_is_replaced_and_workers_end_with_their_parent(many)
    finally:
        many.stop()
        single.stop()
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_server.url)
    keys = [key.decode() async for key in redis.scan_iter("tipline:rl:api-bad-key:*")]
    await redis.aclose()
    assert len(keys) == 1  # one counter, for this address, in this hour
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RateCounter)) == 0  # the database was not written


async def _a_conversation_through_the_webhook_of_several_workers(server: ServeProcess, fake) -> None:
    user = new_user(fake)

    async def post(update: dict) -> None:
        async with httpx.AsyncClient(timeout=10) as client:  # a new connection: any worker may take it
            taken = await client.post(server.url + "/telegram/webhook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert taken.status_code == 200

    await post({"update_id": 1, "message": user._message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])})
    assert await until(lambda: any(m.buttons() for m in fake.sent_to(user.chat_id)), 20)
    language = user.last_with_buttons()
    english = next(data for label, data in language.buttons() if label == "English")
    for update_id in (2, 3):  # pressed twice (a slow phone), maybe taken by two workers: no harm
        await post({"update_id": update_id, "callback_query": {"id": f"cq-{update_id}", "from": user._from, "chat_instance": "ci",
                                                               "message": language.as_api(), "data": english}})
    assert await until(lambda: any("Is money being paid" in (m.text or "") for m in fake.sent_to(user.chat_id)), 20)


async def _a_dead_worker_is_replaced_and_workers_end_with_their_parent(server: ServeProcess) -> None:
    workers = children_of(server.process.pid)
    assert len(workers) == 2 and all("--worker" in command for command in workers.values()), workers
    second = next(pid for pid, command in workers.items() if "--worker 1 " in command)
    os.kill(second, signal.SIGKILL)
    assert await until(lambda: any("--worker 1 " in c for p, c in children_of(server.process.pid).items() if p != second), 30)
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(server.url + "/")).status_code == 200
    workers = children_of(server.process.pid)
    server.kill9()  # the parent: its workers notice and stop, the port closes
    # A worker stops within ORPHAN_EXIT_SECONDS (15 s) of noticing; the bound allows a busy machine.
    assert await until(lambda: not any(alive(pid) for pid in workers), 45), workers


async def test_two_workers_count_one_limit_and_the_database_counts_while_redis_is_down(core, redis_server):
    limit = ratelimit.Limit("test-shared", 3, 60)
    settings = core.settings.model_copy(update={"redis_url": redis_server.url})
    workers = [Core(db=Database(core.settings.resolved_database_url), keys=core.keys, deployment=core.deployment,
                    settings=settings, clock=core.clock) for _ in range(2)]
    try:
        assert [await ratelimit.hit(workers[i % 2], limit, "10.0.0.1") for i in range(4)] == [True, True, True, False]
        redis_server.kill()
        # Redis gone: the database counts (shared too), so the limit still holds and nothing fails.
        assert [await ratelimit.hit(workers[i % 2], limit, "10.0.0.2") for i in range(4)] == [True, True, True, False]
        async with core.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(RateCounter)) == 1
    finally:
        await ratelimit.close_redis()
        for worker in workers:
            await worker.db.dispose()


async def test_two_dispatcher_processes_never_send_a_notice_twice(core, tmp_path):
    tips = [await make_tip(core, language="en", owner=f"r{i}", reporter_email=SKIP, reporter_phone=f"139-0013-{9100 + i}")
            for i in range(10)]
    for target in PATH:
        for tip_id in tips:
            await move(core, tip_id, target)
    env = clean_env(env="test", var_dir=str(tmp_path), database_url=database_url(tmp_path))
    log = tmp_path / "dispatch.log"
    with log.open("ab") as out:
        dispatchers = [subprocess.Popen([*tipline_command(), "dispatch"], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
                       for _ in range(2)]
    sms = tmp_path / "sms.jsonl"
    try:
        assert await until(lambda: sms.exists() and len(sms.read_text().splitlines()) >= 40, 60, 0.2), log.read_text()
    finally:  # counted once both have ended: no late duplicate can come after that
        for process in dispatchers:
            process.send_signal(signal.SIGTERM)
        for process in dispatchers:
            process.wait(20)
    by_phone: dict[str, list[str]] = defaultdict(list)
    for line in sms.read_text().splitlines():
        entry = json.loads(line)
        by_phone[re.sub(r"\D", "", entry["to"])[-4:]].append(entry["params"]["status"])
    expected = labels("en", Status.SUBMITTED, *PATH)
    assert dict(by_phone) == {str(9100 + i): expected for i in range(10)}  # each once, in order
    async with core.db.session() as session:
        assert set((await session.scalars(select(Notification.status))).all()) == {"sent"}


async def test_the_webhook_is_served_on_the_public_sites_port(core, fake_telegram):
    web_port, console_port = free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    settings = BotSettings(telegram_token=TOKEN, telegram_api_base=fake_telegram.base_url, redis_url="",
                           telegram_webhook_url="https://tipline.example/telegram/webhook", telegram_webhook_secret="s3cret")
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        bot_settings=settings, ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        user = new_user(fake_telegram)
        update = {"update_id": 990002, "message": user._message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])}
        async with httpx.AsyncClient() as client:
            site = await client.get(f"http://127.0.0.1:{web_port}/", headers={"Accept-Language": "en"})
            assert site.status_code == 200
            hook = f"http://127.0.0.1:{web_port}/telegram/webhook"
            assert (await client.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})).status_code == 403
            assert (await client.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})).status_code == 200
        assert await until(lambda: fake_telegram.sent_to(user.chat_id), 15)
        assert "Please choose your language." in fake_telegram.sent_to(user.chat_id)[0].text
        assert fake_telegram.count("setWebhook") == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
