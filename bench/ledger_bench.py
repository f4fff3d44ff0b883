"""The ledger (台账) export on a large database: how soon its first bytes leave, how long the whole
file takes, and the most memory it held (tracemalloc's peak of Python allocations, and the
process's resident high-water mark), for CSV and XLSX.

    .venv/bin/python -m bench.console_bench --tips 200000 --dir var/bench/console200k --only trivial
    .venv/bin/python -m bench.ledger_bench --dir var/bench/console200k --tips 100000

It reuses the console bench's database (bench/console_bench.py fills it) and exports, as its
coordinator, the most recent days that hold `--tips` tips, through the same code the console's
download streams (intake.reports.ledger.open_export).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.console_bench import NOW  # noqa: E402
from console.report_views import LEDGER_HEADERS, LEDGER_WORDS  # noqa: E402
from intake.platform.clock import FrozenClock, local_date  # noqa: E402
from intake.platform.models.tips import Tip  # noqa: E402
from intake.platform.settings import Settings  # noqa: E402
from intake.reports.ledger import COLUMNS, open_export  # noqa: E402
from intake.reports.statistics import Period  # noqa: E402
from intake.staff.staff import get_staff  # noqa: E402
from tipline.bootstrap import bootstrap  # noqa: E402


def high_water_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def period_of(core, tips: int) -> Period:
    """The last days before NOW that hold about `tips` tips."""
    async with core.db.session() as session:
        since = await session.scalar(select(Tip.created_at).order_by(Tip.created_at.desc()).offset(tips - 1).limit(1))
        total = await session.scalar(select(func.count()).select_from(Tip))
    if since is None:
        raise SystemExit(f"the database holds {total:,} tips, fewer than {tips:,}")
    return Period(local_date(since.replace(tzinfo=NOW.tzinfo) + timedelta(days=1)), local_date(NOW))


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "console")
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args(argv)
    settings = Settings(env="test", var_dir=args.dir, database_url=f"sqlite+aiosqlite:///{args.dir / 'console.db'}")
    core = await bootstrap(settings, clock=FrozenClock(NOW))
    coordinator = await get_staff(core, "bench_coordinator")
    period = await period_of(core, args.tips)
    print(f"ledger of {period.start} to {period.end} (sqlite, {args.dir / 'console.db'}); before: high-water {high_water_mib():.0f} MiB")
    for fmt in args.formats.split(","):
        tracemalloc.start()
        begun, cpu = time.perf_counter(), time.process_time()
        export = await open_export(core, coordinator, period, fmt, headers=[LEDGER_HEADERS[c] for c in COLUMNS],
                                   words=dict(LEDGER_WORDS), title="Ledger")
        first = size = 0.0
        async for chunk in export.chunks():
            if chunk and not first:
                first = time.perf_counter() - begun
            size += len(chunk)
        took, cpu = time.perf_counter() - begun, time.process_time() - cpu
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {fmt:4} {await export.counted:>9,} tips  {size / 2**20:7.1f} MiB  first bytes after {first * 1000:6.0f} ms  "
              f"whole file {took:6.1f} s (CPU {cpu:5.1f} s)  peak traced {peak / 2**20:6.1f} MiB  process high-water {high_water_mib():.0f} MiB")
    await core.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
