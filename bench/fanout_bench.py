"""Notification fan-out: progress notices delivered from the outbox by the product's dispatcher
(intake/notify/dispatch.py with the bot's Telegram channel) to the fake Bot API server, against the same
number of bare `sendMessage` calls made directly with aiogram, in the same run, to the same
server (tests/fake_telegram.py, run in a process of its own by bench/fake_bot_api.py).

    .venv/bin/python -m bench.fanout_bench                          # 1,000 tips x 10 notices, SQLite
    .venv/bin/python -m bench.fanout_bench --tips 200 --per-tip 5 --databases sqlite,postgres

The outbox is filled first (tips of Telegram reporters, each with --per-tip status events whose
public messages are numbered, and their pending notifications); then one `run_once()` of the
dispatcher delivers them all (each round claims up to `batch` streams, 100, and sends them side
by side, each stream's notices in order). The bare calls run with the same concurrency, `batch`
at once. Afterwards every chat must have received its tip's notices exactly
once each, in order.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import PYTHON, ROOT, Figure, database_urls, fresh_dir, postgres_available, prepare_database, report, say

TARGET = 0.5
TOKEN = "123456:TEST-token-for-the-fake-api"
FIRST_CHAT = 8_000_001
BARE_CHAT_OFFSET = 10_000_000  # the bare calls' chats, apart from the product's
NUMBER = re.compile(r"notice (\d+) of tip")


async def fill_outbox(core, start: int, tips: int, per_tip: int) -> None:
    """Tips number start..start+tips-1 from Telegram chats, each with `per_tip` pending notices
    (one per status event)."""
    from intake.platform.models.notifications import Notification
    from intake.platform.models.tips import Person, StatusEvent, Tip

    now = core.clock.now()
    unit = next(iter(core.deployment.unit_by_code))
    for first in range(start, start + tips, 200):
        async with core.db.transaction() as session:
            batch = []
            for n in range(first, min(first + 200, start + tips)):
                chat_id = FIRST_CHAT + n
                person = Person(sealed=core.keys.seal({"channel": "telegram", "channel_address": str(chat_id)}, purpose="people"),
                                created_at=now)
                session.add(person)
                batch.append((n, person))
            await session.flush()
            made = []
            for n, person in batch:
                tip = Tip(tracking_hash=f"bench-{n:012d}", pin_hash="x", status="verifying", category="care_service",
                          region_code="990121", answers={}, language="zh_Hans", channel="telegram", anonymous=False,
                          notify=True, reporter_id=person.id, created_at=now, updated_at=now, lead_unit=unit,
                          priority="normal")
                session.add(tip)
                made.append((n, tip))
            await session.flush()
            events = []
            for n, tip in made:
                for k in range(per_tip):
                    event = StatusEvent(tip_id=tip.id, at=now + timedelta(microseconds=k), from_status="verifying",
                                        to_status="verifying", actor="bench",
                                        public_message={"text": f"notice {k} of tip {n}", "language": "zh_Hans"})
                    session.add(event)
                    events.append((tip, event))
            await session.flush()
            for tip, event in events:
                session.add(Notification(tip_id=tip.id, event_id=event.id, stream=f"tip:{tip.id}:telegram",
                                         channel="telegram", kind="status", status="pending", next_attempt_at=now,
                                         created_at=now))
    if not core.db.is_sqlite:
        # The tables were empty a moment ago: give the planner the statistics autovacuum keeps
        # on a running deployment (without them PostgreSQL plans the claim for an empty table).
        async with core.db.transaction() as session:
            await session.execute(text("ANALYZE"))


def check_delivery(received: dict[str, list[str]], tips: int, per_tip: int) -> list[str]:
    problems = []
    for n in range(tips):
        texts = received.get(str(FIRST_CHAT + n), [])
        numbers = [int(m.group(1)) for m in map(NUMBER.search, texts) if m]
        if numbers != list(range(per_tip)):
            twice = [k for k, c in Counter(numbers).items() if c > 1]
            problems.append(f"tip {n}: got {numbers[:12]}" + (f" (twice: {twice})" if twice else ""))
    return problems


async def sample_body(core) -> str:
    """A rendered notice, so the bare calls send text of the same size."""
    from sqlalchemy import select

    from intake.platform.models.notifications import Notification
    from intake.notify.outbox import render_notice

    async with core.db.session() as session:
        return (await render_notice(core, session, await session.scalar(select(Notification).limit(1)))).body


async def measure(kind: str, tips: int, per_tip: int, base: Path | None, rounds: int = 3) -> Figure:
    from bot.app import make_bot
    from bot.notifier import TelegramChannel
    from intake.notify.dispatch import Dispatcher
    from intake.platform.settings import Settings
    from tipline.bootstrap import bootstrap

    directory = fresh_dir(f"fanout-{kind}", base)
    url, _ = database_urls(kind, directory)
    await prepare_database(url)
    core = await bootstrap(Settings(env="development", var_dir=directory, database_url=url))
    received_path = directory / "received.json"
    fake = subprocess.Popen([PYTHON, "-m", "bench.fake_bot_api", str(received_path)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    sent = product_seconds = bare_seconds = 0.0
    try:
        api_base = fake.stdout.readline().strip()
        product_bot, bare_bot = make_bot(TOKEN, api_base=api_base), make_bot(TOKEN, api_base=api_base)
        dispatcher = Dispatcher(core, {"telegram": TelegramChannel(product_bot, core)}, worker_id="bench")
        gate = asyncio.Semaphore(dispatcher.batch)  # the bare calls as many at once as the dispatcher's batch

        async def bare_send(n: int) -> None:
            async with gate:
                await bare_bot.send_message(chat_id=BARE_CHAT_OFFSET + FIRST_CHAT + n, text=body)

        size = -(-tips // rounds)
        body = ""
        for first in range(0, tips, size):  # in turns: a shared machine's load weighs on both alike
            count = min(size, tips - first)
            await fill_outbox(core, first, count, per_tip)
            body = body or await sample_body(core)
            started = time.perf_counter()
            sent += await dispatcher.run_once()
            product_seconds += time.perf_counter() - started
            started = time.perf_counter()
            await asyncio.gather(*(bare_send(first + i % count) for i in range(count * per_tip)))
            bare_seconds += time.perf_counter() - started
        await product_bot.session.close()
        await bare_bot.session.close()
    finally:
        await core.db.dispose()
        fake.stdin.write("done\n")
        fake.stdin.flush()
        fake.wait(timeout=60)
    total = tips * per_tip
    received = json.loads(received_path.read_text())
    problems = check_delivery(received, tips, per_tip)
    bare = sum(len(texts) for chat, texts in received.items() if int(chat) >= BARE_CHAT_OFFSET)
    notes = [
        f"{total:,} notices ({tips:,} tips x {per_tip}), in {rounds} turns; product sent {int(sent):,}, the bare calls {bare:,}",
        "in order per tip, none twice: " + ("yes" if not problems else f"NO ({len(problems)} tips): " + "; ".join(problems[:3])),
    ]
    return report(Figure(f"notification fan-out, {kind}", total / product_seconds, total / bare_seconds, "notices/s",
                         TARGET, notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--tips", type=int, default=1000)
    parser.add_argument("--per-tip", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="turns of product and bare sending (shared machine)")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    say(f"# notification fan-out (target >= {TARGET}x bare aiogram sendMessage calls to the same fake Bot API)")
    for kind in args.databases.split(","):
        if kind == "postgres" and not postgres_available():
            say("postgres: no server at TIPLINE_BENCH_DATABASE_URL; skipped")
            continue
        asyncio.run(measure(kind, args.tips, args.per_tip, args.dir, args.rounds))


if __name__ == "__main__":
    main()
