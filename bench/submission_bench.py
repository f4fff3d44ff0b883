"""Full report submission: one HTTP POST of a complete report through the partner JSON API, which
writes the tip, its personal data, routing, first status event and outbox rows in one
transaction, against a bare FastAPI + SQLAlchemy Core POST inserting the same rows, loaded by
`wrk` with 64 connections, on SQLite and on PostgreSQL, with 1 and 2 server workers.

    .venv/bin/python -m bench.submission_bench                       # both databases, 1 and 2 workers
    .venv/bin/python -m bench.submission_bench --databases sqlite --workers 1 --seconds 5

The product is the real `tipline serve --workers N` when it has that option, else uvicorn with
the public site's app (bench/product_app.py). The partner key of the run is added with its own
limit of 1,000,000 reports per hour (the API's default is 600), so the limit is checked on every
request but never reached. Afterwards every 2xx answer's tracking code is looked up: each must
name exactly one tip, and there must be as many tips as 2xx answers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import urllib.request
from pathlib import Path

from bench.common import (
    COMPLETE_REPORT, PYTHON, Figure, Server, WrkResult, alternate, database_urls, fresh_dir, for_each_server, free_port,
    prepare_database, product_env, report, say, serve_has_workers, uvicorn_args, wrk_post,
)

TARGET = 0.6
BENCH_PARTNER = "bench partner"
BENCH_LIMIT = 1_000_000  # reports per hour for the bench key (stated in RESULTS.md)
BASELINE_KEY = "tlp_bench_baseline_key"
BODY = {"language": "zh_Hans", "answers": COMPLETE_REPORT}
#: Tables written while setting up (configuration, the partner), not per report.
SETUP_TABLES = {"alembic_version", "config_versions", "partners", "rate_counters", "reward_scheme_versions"}


def _settings(var_dir: Path, url: str):
    from intake.platform.settings import Settings

    return Settings(env="development", var_dir=var_dir, database_url=url)


async def add_bench_partner(var_dir: Path, url: str) -> str:
    from intake.reporting.partners import add_partner
    from tipline.bootstrap import bootstrap

    core = await bootstrap(_settings(var_dir, url))
    try:
        _info, key = await add_partner(core, BENCH_PARTNER, actor="bench", reports_per_hour=BENCH_LIMIT)
        return key
    finally:
        await core.db.dispose()


async def row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from intake.platform.models.base import Base

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return {name: await connection.scalar(select(func.count()).select_from(table))
                    for name, table in Base.metadata.tables.items() if name not in SETUP_TABLES}
    finally:
        await engine.dispose()


async def template_rows(url: str) -> dict[str, list[dict]]:
    """Every row the product wrote for its first tip, by table (the baseline inserts copies)."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from intake.platform.models.base import Base

    tables = Base.metadata.tables
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            tip = (await connection.execute(select(tables["tips"]).order_by(tables["tips"].c.id).limit(1))).mappings().one()
            rows: dict[str, list[dict]] = {"tips": [dict(tip)]}
            people = [pid for pid in (tip["reporter_id"], tip["victim_id"]) if pid is not None]
            rows["people"] = [dict(r) for r in (await connection.execute(
                select(tables["people"]).where(tables["people"].c.id.in_(people)))).mappings()]
            for name, table in tables.items():
                if name in ("tips", "people") or name in SETUP_TABLES or "tip_id" not in table.c:
                    continue
                found = [dict(r) for r in (await connection.execute(
                    select(table).where(table.c.tip_id == tip["id"]).order_by(*table.primary_key.columns))).mappings()]
                if found:
                    rows[name] = found
            return rows
    finally:
        await engine.dispose()


async def check_codes(var_dir: Path, url: str, result: WrkResult) -> tuple[list[str], int]:
    """Problems found (every 2xx answer's code names exactly one tip), and how many tips more than
    2xx answers there are: requests still in flight when wrk stopped, committed after it left."""
    from sqlalchemy import func, select

    from intake.platform.models.tips import Tip
    from intake.reporting.submission import tracking_hash
    from tipline.bootstrap import bootstrap

    problems = []
    core = await bootstrap(_settings(var_dir, url))
    try:
        codes = [code.replace(" ", "") for code in result.codes]
        if len(codes) != result.ok:
            problems.append(f"{result.ok} answers 2xx but {len(codes)} codes read")
        if len(set(codes)) != len(codes):
            problems.append(f"{len(codes) - len(set(codes))} codes answered twice")
        hashes = [tracking_hash(core.keys, code) for code in set(codes)]
        async with core.db.session() as session:
            found = 0
            for i in range(0, len(hashes), 500):
                found += await session.scalar(select(func.count()).select_from(Tip).where(Tip.tracking_hash.in_(hashes[i:i + 500])))
            tips = await session.scalar(select(func.count()).select_from(Tip))
        if found != len(set(codes)):
            problems.append(f"{len(set(codes)) - found} answered codes have no tip")
        if tips < result.ok:
            problems.append(f"only {tips} tips in the database for {result.ok} 2xx answers")
    finally:
        await core.db.dispose()
    return problems, tips - result.ok


def product_server(var_dir: Path, url: str, workers: int, port: int, log: Path) -> Server:
    env = product_env(var_dir, url)
    if serve_has_workers():
        args = [PYTHON, "-m", "tipline", "serve", "--host", "127.0.0.1", "--port", str(port),
                "--console-port", str(free_port()), "--workers", str(workers)]
    else:
        args = uvicorn_args("bench.product_app:app", port, workers)
    return Server(args, env, port, log)


def post_once(url: str, key: str) -> str:
    """One report by hand (it warms the server up and gives the baseline its rows); its code."""
    request = urllib.request.Request(url, data=json.dumps(BODY).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["code"]


def measure(kind: str, workers: int, *, seconds: float, connections: int, base: Path | None,
            profile: bool = False, rounds: int = 3) -> Figure:
    directory = fresh_dir(f"submission-{kind}-{workers}", base)
    product_url, baseline_url = database_urls(kind, directory)
    product_dir = directory / "product"

    asyncio.run(prepare_database(product_url))
    asyncio.run(prepare_database(baseline_url))
    key = asyncio.run(add_bench_partner(product_dir, product_url))
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/reports"
    with product_server(product_dir, product_url, workers, port, directory / "product.log") as server:
        first_code = post_once(url, key)
        (directory / "rows.pickle").write_bytes(pickle.dumps(asyncio.run(template_rows(product_url))))
        bare_port = free_port()
        env = product_env(directory, baseline_url, BENCH_DATABASE_URL=baseline_url,
                          BENCH_TEMPLATE=str(directory / "rows.pickle"), BENCH_KEY=BASELINE_KEY)
        with Server(uvicorn_args("bench.baselines.submission_app:app", bare_port, workers), env, bare_port,
                    directory / "baseline.log"):
            bare_url = f"http://127.0.0.1:{bare_port}/api/v1/reports"
            post_once(bare_url, BASELINE_KEY)
            spy = server.profile(directory / "product-profile.txt", seconds) if profile else None
            options = {"connections": connections, "seconds": seconds / rounds, "workdir": directory}
            product, baseline = alternate(
                rounds,
                lambda: wrk_post(url, BODY, {"Authorization": f"Bearer {key}"}, **options),
                lambda: wrk_post(bare_url, BODY, {"Authorization": f"Bearer {BASELINE_KEY}"}, **options),
            )
            rss = server.rss_mib()
            if spy is not None:
                spy.wait(timeout=120)
    product.codes.append(first_code)
    product.statuses[201] = product.statuses.get(201, 0) + 1
    problems, unanswered = asyncio.run(check_codes(product_dir, product_url, product))
    if product.ok <= 1:
        raise SystemExit(f"the product answered no request with 2xx: {product.statuses}; see {directory / 'product.log'}")
    product_rows = asyncio.run(row_counts(product_url))
    baseline_rows = asyncio.run(row_counts(baseline_url))

    per_tip = lambda counts: {k: round(v / max(counts.get("tips", 1), 1), 2) for k, v in sorted(counts.items()) if v}  # noqa: E731
    product_per, baseline_per = per_tip(product_rows), per_tip(baseline_rows)
    notes = [
        f"p50/p99 ms: product {product.p50_ms:.0f}/{product.p99_ms:.0f}, baseline {baseline.p50_ms:.0f}/{baseline.p99_ms:.0f}",
        f"errors (non-2xx + socket): product {product.errors}, baseline {baseline.errors}"
        + (f" (product statuses {product.statuses})" if product.errors else ""),
        f"every 2xx has exactly one tip: {'yes' if not problems else 'NO: ' + '; '.join(problems)} "
        f"({product.ok:,} answers, {len(set(product.codes)):,} codes; {unanswered} more tips from requests still in "
        "flight when wrk stopped)",
        f"rows per report: product {product_per}" + ("" if product_per == baseline_per else f"; baseline {baseline_per}"),
        f"resident memory of the product server after the load ({workers} worker(s), all processes): {rss:.0f} MiB",
    ]
    return report(Figure(f"full report submission, {kind}, {workers} worker(s), {connections} connections",
                         product.rate, baseline.rate, "req/s", TARGET, notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both (comma-separated)")
    parser.add_argument("--workers", default="1,2", help="server workers to measure, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=30, help="load time of each server, in --rounds turns")
    parser.add_argument("--rounds", type=int, default=3, help="turns of product and baseline load (shared machine)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--dir", type=Path, default=None, help="working directory (default var/bench/)")
    parser.add_argument("--profile", action="store_true", help="py-spy the product server (product-profile.txt)")
    args = parser.parse_args(argv)
    say(f"# full report submission (target >= {TARGET}x a bare FastAPI + Core POST of the same rows; "
        f"bench partner limit {BENCH_LIMIT:,} reports/hour; product: "
        f"{'tipline serve --workers N' if serve_has_workers() else 'uvicorn bench.product_app:app --workers N'})")
    for_each_server(args, measure)


if __name__ == "__main__":
    main()
