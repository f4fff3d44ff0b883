"""Console latency on a large database: the queue, the tip page and the campaign statistics,
beside a trivial page of the same app behind the same sign-in, measured in the same run.

    .venv/bin/python -m bench.console_bench                 # 100,000 tips (a few minutes)
    .venv/bin/python -m bench.console_bench --tips 1000000  # the full run

It fills a fresh SQLite database (var/bench/console.db, schema by the product's own migrations)
with N tips, their lead and assisting assignments and status events through SQLAlchemy Core
bulk inserts, signs in an officer and a coordinator, then requests each page in turn through
the ASGI app in this process (no network, so the ratio shows the product's own cost) and
prints p50 and p95 in milliseconds and the ratio to the trivial page (the account page).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pyotp
from sqlalchemy import create_engine, delete, func, insert, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.app import create_app  # noqa: E402
from intake.casework import search  # noqa: E402
from intake.staff.auth import enrol_totp, new_totp_secret, set_password  # noqa: E402
from intake.platform.clock import FrozenClock  # noqa: E402
from intake.platform.models.operations import RateCounter  # noqa: E402
from intake.platform.models.tips import Assignment, StatusEvent, Tip, priority_rank  # noqa: E402
from intake.platform.settings import Settings  # noqa: E402
from intake.staff.staff import add_staff  # noqa: E402
from intake.domain.workflow import ACCEPT_DAYS, FINISH_DAYS  # noqa: E402
from tipline.bootstrap import bootstrap  # noqa: E402
from tipline.serve import settle_heap  # noqa: E402

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
PASSWORD = "bench horse battery staple"
BATCH = 20_000
# Status mix of a campaign in its second half-year (made up, but every status is present).
STATUSES = [("submitted", 20), ("accepted", 10), ("verifying", 15), ("needs_info", 5), ("transferred_police", 5),
            ("substantiated", 5), ("unsubstantiated", 5), ("closed", 30), ("declined", 3), ("merged", 2)]
# What the tips say, by tip id (not the seeded generator, so the rest of the fill is unchanged): one
# in ten mentions 保健品 and one in seven names a 王, the frequent words that make search hard.
DESCRIPTIONS = ["养老院卖贵宾卡，三万元一张", "社区讲座推销保健品，一盒两千元", "以养老项目投资为名集资", "冒充社保局工作人员让老人转账",
                "免费体检后推销理疗仪", "旅游团低价带老人买玉器", "以房养老骗局，抵押房产", "网上理财群承诺高额回报", "上门推销净水器", "收藏品拍卖骗局"]
SUSPECTS = ["张经理", "王经理", "李老师", "刘主任", "陈医生", "赵总", "孙大姐"]
BENCH_OFFICER, BENCH_UNIT = "bench_officer", "990121-civil_affairs"
# Every view of the queue, and its filters, as an officer uses them.
QUEUE_URLS = ["/queue", "/queue?view=new", "/queue?view=mine", "/queue?view=overdue", "/queue?view=waiting",
              "/queue?view=answered", "/queue?status=verifying&category=care_service",
              "/queue?region=990121&from=2026-10-01&to=2026-11-27"]


def progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} tips, {rate:,.0f}/s")
    sys.stderr.flush()
    if done >= total:
        sys.stderr.write("\n")


def fill(database: Path, deployment, tips: int, seed: int = 20261127) -> None:
    """N tips with assignments and status events, by Core bulk inserts on a plain sqlite3 engine."""
    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{database}")
    categories = [c.code for c in deployment.active_categories()]
    regions = [r.code for r in deployment.reportable_regions()]
    rules = deployment.rule_by_category
    statuses, weights = zip(*STATUSES)
    start_id = 1
    with engine.begin() as connection:
        start_id = (connection.execute(select(func.max(Tip.id))).scalar() or 0) + 1
    started = time.perf_counter()
    for first in range(start_id, start_id + tips, BATCH):
        last = min(first + BATCH, start_id + tips)
        tip_rows, assignment_rows, event_rows = [], [], []
        for tip_id in range(first, last):
            category = rng.choice(categories)
            region = rng.choice(regions)
            rule = rules.get(category)
            lead = f"{region}-{rule.lead}" if rule and f"{region}-{rule.lead}" in deployment.unit_by_code else f"{deployment.root_region().code}-coordination"
            created = NOW - timedelta(seconds=rng.randrange(0, 365 * 86400))
            status = rng.choices(statuses, weights)[0]
            money = rng.choice([0, 0, 200_000, 3_000_000, 50_000, "dont_know"])
            accepted = created + timedelta(days=rng.randrange(0, 20), hours=rng.randrange(0, 24))
            tip_rows.append({
                "id": tip_id, "tracking_hash": f"bench{tip_id:012d}", "pin_hash": "bench", "status": status,
                "urgent": False, "category": category, "region_code": region,
                "answers": {"category": category, "region": region, "money_lost": money or "none",
                            "description": f"{DESCRIPTIONS[tip_id % 10]} bench tip {tip_id}", "suspect_organisation": f"福寿康{tip_id % 997}养老院",
                            "suspect_person": SUSPECTS[tip_id % 7]},
                "language": "zh_Hans", "channel": rng.choice(["web", "telegram", "phone"]), "anonymous": True,
                "notify": False, "pin_failures": 0, "created_at": created, "updated_at": created, "lead_unit": lead,
                "priority": rng.choices(["normal", "high", "urgent"], [85, 12, 3])[0],
                # The queue's columns (migration 0006b), from the tip id so the seeded draws are unchanged:
                # one in 50 of the bench officer's unit's tips is assigned to them, one in 20 being
                # checked has an unanswered reply from the reporter.
                "assignee": BENCH_OFFICER if lead == BENCH_UNIT and tip_id % 50 == 0 else None,
                "reporter_answered": status == "verifying" and tip_id % 20 == 0,
                "accept_due": created + timedelta(days=ACCEPT_DAYS),
                "finish_due": accepted + timedelta(days=FINISH_DAYS) if status not in ("submitted", "declined") else None,
                "extension_days": 0,
            })
            tip_rows[-1]["queue_rank"] = queue_rank = priority_rank(tip_rows[-1]["priority"])
            copied = {"queue_rank": queue_rank, "tip_status": status, "reporter_answered": tip_rows[-1]["reporter_answered"]}
            assignment_rows.append({"tip_id": tip_id, "unit_code": lead, "role": "lead", "assigned_at": created, "active": True, **copied})
            for kind in (rule.assisting[:1] if rule else ()):
                unit = f"{region}-{kind}"
                if unit in deployment.unit_by_code:
                    assignment_rows.append({"tip_id": tip_id, "unit_code": unit, "role": "assisting", "assigned_at": created, "active": True,
                                            **copied})
            event_rows.append({"tip_id": tip_id, "at": created, "from_status": None, "to_status": "submitted", "action": "status"})
            # The statistics' durations, as the workflow writes them with each step (migration 0018r);
            # the database's triggers count the tip in tip_counts_daily as it is inserted.
            tip_rows[-1]["accept_seconds"] = tip_rows[-1]["finish_seconds"] = None
            if status not in ("submitted", "declined", "merged"):
                event_rows.append({"tip_id": tip_id, "at": accepted, "from_status": "submitted", "to_status": "accepted", "action": "status"})
                tip_rows[-1]["accept_seconds"] = round((accepted - created).total_seconds())
            if status == "closed":
                closed = accepted + timedelta(days=rng.randrange(1, 60))
                event_rows.append({"tip_id": tip_id, "at": closed, "from_status": "substantiated", "to_status": "closed", "action": "status"})
                tip_rows[-1]["finish_seconds"] = round((closed - accepted).total_seconds())
        with engine.begin() as connection:
            connection.execute(insert(Tip), tip_rows)
            connection.execute(insert(Assignment), assignment_rows)
            connection.execute(insert(StatusEvent), event_rows)
            connection.execute(search.insert_statement("sqlite"), [  # the search index, as submission writes it
                search.index_row("sqlite", row["id"], search.document(search.searchable_texts(row["answers"], None))) for row in tip_rows
            ])
        progress(last - start_id, tips, started)
    with engine.begin() as connection:  # as `tipline search reindex` leaves it
        connection.exec_driver_sql("INSERT INTO tip_search(tip_search) VALUES ('optimize')")
    engine.dispose()


async def sign_in(client: httpx.AsyncClient, username: str, secret: str | None, clock) -> None:
    import re

    def csrf(html: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    page = await client.get("/signin")
    response = await client.post("/signin", data={"csrf": csrf(page.text), "username": username, "password": PASSWORD})
    if secret and response.headers.get("location") == "/signin/totp":
        page = await client.get("/signin/totp")
        clock.advance(seconds=30)  # a code signs in once only, and the one that set up the app not at all: the next one
        response = await client.post("/signin/totp", data={"csrf": csrf(page.text), "code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status_code == 303 and response.headers["location"] == "/queue", (username, response.status_code)


async def measure(client: httpx.AsyncClient, urls: list[str], requests: int, cpu: list[float] | None = None, *,
                  start: int = 0) -> list[float]:
    """Wall-clock milliseconds per request; with `cpu`, the process's CPU time per request too
    (every thread: the database's work included), which waiting for a core on a shared machine
    does not inflate as it does the wall clock. `start`: where in `urls` this turn goes on from
    (the first turn, at 0, warms up every page once, so each is measured in its steady state)."""
    for url in urls if start == 0 else ():
        assert (await client.get(url)).status_code == 200, url
    times = []
    for index in range(requests):
        url = urls[(start + index) % len(urls)]
        begun, begun_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url)
        times.append((time.perf_counter() - begun) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - begun_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def _profiler():  # noqa: ANN202 - pyinstrument's Profiler, started
    from pyinstrument import Profiler  # the test extra: only needed with --profile

    profiler = Profiler(async_mode="enabled", interval=0.0005)
    profiler.start()
    return profiler


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "console")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database of the same size")
    parser.add_argument("--rounds", type=int, default=10, help="turns of every page, each with requests/rounds of its requests")
    parser.add_argument("--profile", default="", help="profile the pages whose name contains this text (pyinstrument)")
    parser.add_argument("--only", default="", help="measure only the pages whose name contains one of these comma-separated "
                                                    "texts (the trivial page always), e.g. --only queue,tip")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    database = args.dir / "console.db"
    marker = args.dir / "tips.txt"
    reuse = args.reuse and database.exists() and marker.exists() and marker.read_text().strip() == str(args.tips)
    if not reuse:
        for stale in args.dir.glob("console.db*"):
            stale.unlink()
    clock = FrozenClock(NOW)
    settings = Settings(env="test", var_dir=args.dir, database_url=f"sqlite+aiosqlite:///{database}")
    core = await bootstrap(settings, clock=clock)
    if not reuse:
        print(f"filling {database} with {args.tips:,} tips …")
        begun = time.perf_counter()
        await asyncio.to_thread(fill, database, core.deployment, args.tips)
        print(f"  filled in {time.perf_counter() - begun:.1f} s")
        for username, role, unit in (("bench_officer", "officer", "990121-civil_affairs"),
                                     ("bench_coordinator", "coordinator", "990100-coordination")):
            await add_staff(core, username, role=role, unit=unit)
            await set_password(core, username, PASSWORD)
        marker.write_text(str(args.tips))
    if reuse:  # the clock is frozen at NOW: every earlier run's sign-ins still count against the sign-in limit
        async with core.db.transaction() as session:
            await session.execute(delete(RateCounter).where(RateCounter.key.like("console-signin:%")))
    from intake.staff.staff import get_staff
    coordinator = await get_staff(core, "bench_coordinator")
    secret = new_totp_secret()
    await enrol_totp(core, coordinator.id, secret, pyotp.TOTP(secret).at(clock.now()))
    officer_tips = [row for row, in (await _officer_tips(core))]
    app = create_app(core)
    settle_heap()  # as `tipline serve` does once its apps are built: the bench measures the product as it runs
    results: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.bench") as officer, \
            httpx.AsyncClient(transport=transport, base_url="http://console.bench") as coordinating:
        await sign_in(officer, "bench_officer", None, clock)
        await sign_in(coordinating, "bench_coordinator", secret, clock)
        # Interleave so that drift on the machine touches every page alike: short turns of each page
        # (`--rounds`), since on a shared machine the trivial page's own time moves by a third within seconds.
        for _round in range(args.rounds):
            for name, client, urls, count in (
                ("trivial page (/account)", officer, ["/account"], args.requests),
                ("queue (/queue, all views)", officer, QUEUE_URLS, args.requests * 2),
                ("queue, coordinator", coordinating, ["/queue", "/queue?view=new", "/queue?region=990122"], args.requests),
                ("search 保健 (/queue?q=)", officer, ["/queue?q=保健"], args.requests),
                ("search 王 (/queue?q=)", officer, ["/queue?q=王"], args.requests),
                ("tip page (/tips/N)", officer, [f"/tips/{tip_id}" for tip_id in officer_tips], args.requests),
                ("statistics, a month", coordinating, ["/statistics?start=2026-10-01&end=2026-10-31"], max(5, args.requests // 10)),
                ("statistics, the year", coordinating, ["/statistics?start=2025-11-28&end=2026-11-27"], max(3, args.requests // 20)),
            ):
                if args.only and not name.startswith("trivial") and not any(part and part in name for part in args.only.split(",")):
                    continue
                profiler = _profiler() if args.profile and args.profile in name else None
                results.setdefault(name, []).extend(await measure(client, urls, turn := count // args.rounds or 1, cpu.setdefault(name, []),
                                                                         start=_round * turn))
                if profiler is not None:
                    profiler.stop()
                    report = args.dir / f"profile-{args.profile.strip('/ ').replace('/', '_') or 'page'}.txt"
                    with report.open("a") as handle:
                        handle.write(profiler.output_text(unicode=False, color=False))
                    print(f"  profile of {name} appended to {report}")
    await core.db.dispose()
    base = percentile(results["trivial page (/account)"], 0.95)
    base_cpu = statistics.median(cpu["trivial page (/account)"])
    print(f"\nconsole latency with {args.tips:,} tips (in-process ASGI, sequential requests, SQLite)")
    print(f"{'page':28} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p95 / trivial':>14} {'CPU p50 ms':>11} {'CPU / trivial':>14}")
    for name, values in results.items():
        p95, cpu_p50 = percentile(values, 0.95), statistics.median(cpu[name])
        print(f"{name:28} {len(values):>5} {statistics.median(values):>9.1f} {p95:>9.1f} {p95 / base:>13.1f}x"
              f" {cpu_p50:>11.1f} {cpu_p50 / base_cpu:>13.1f}x")
    print("target (issue 8): queue and tip page p95 under 3x the trivial page")


async def _officer_tips(core) -> list:
    async with core.db.session() as session:
        rows = (await session.execute(
            select(Assignment.tip_id).where(Assignment.unit_code == "990121-civil_affairs", Assignment.role == "lead")
            .order_by(Assignment.tip_id.desc()).limit(50)
        )).all()
    return rows


if __name__ == "__main__":
    asyncio.run(main())
