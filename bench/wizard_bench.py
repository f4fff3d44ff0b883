"""A wizard question page of the public site (the visitor's draft read and opened, the question
rendered in the visitor's language) against a bare Jinja2 page of the same size that reads one
row, both served by uvicorn the same way and loaded by `wrk`.

    .venv/bin/python -m bench.wizard_bench
    .venv/bin/python -m bench.wizard_bench --databases sqlite,postgres --workers 1,2 --seconds 10

The product is the real `tipline serve` (with `--workers N` when it has that option).
"""
from __future__ import annotations

import argparse
import asyncio
import urllib.request
from pathlib import Path

from bench.common import (
    COMPLETE_REPORT, Figure, Server, alternate, database_urls, fresh_dir, for_each_server, free_port, prepare_database,
    product_env, report, say, uvicorn_args, wrk_load,
)
from bench.submission_bench import product_server

TARGET = 0.6
#: The page measured: the category question, with its ten choices, help text and links.
PAGE_KEY = "category"


async def make_draft(var_dir: Path, url: str) -> tuple[str, str]:
    """A visitor (cookie) whose draft stands at PAGE_KEY; returns (owner cookie, draft id)."""
    from intake.domain import conversation as conv
    from intake.reporting.drafts import new_draft, save_draft
    from intake.platform.settings import Settings
    from tipline.bootstrap import bootstrap
    from web_form.report import CAPABILITIES, CHANNEL, _context
    from web_form.security import new_owner

    core = await bootstrap(Settings(env="development", var_dir=var_dir, database_url=url))
    try:
        owner = new_owner()
        record = await new_draft(core, CHANNEL, owner, "zh_Hans", CAPABILITIES)
        while record.state.current != PAGE_KEY:
            outcome = conv.answer(record.state, COMPLETE_REPORT[record.state.current], _context(core))
            assert outcome.error is None, outcome.error
            record.state = outcome.state
        await save_draft(core, record)
        return owner, record.id
    finally:
        await core.db.dispose()


def page_bytes(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        return len(response.read())


def measure(kind: str, workers: int, *, seconds: float, connections: int, base: Path | None,
            profile: bool = False, rounds: int = 3) -> Figure:
    directory = fresh_dir(f"wizard-{kind}-{workers}", base)
    product_url, baseline_url = database_urls(kind, directory)
    asyncio.run(prepare_database(product_url))
    asyncio.run(prepare_database(baseline_url))
    owner, _draft_id = asyncio.run(make_draft(directory / "product", product_url))
    _owner, draft_id = asyncio.run(make_draft(directory / "baseline", baseline_url))
    port = free_port()
    page = f"http://127.0.0.1:{port}/report/q/{PAGE_KEY}"
    headers = {"Cookie": f"tl_owner={owner}; tl_lang=zh_Hans"}
    with product_server(directory / "product", product_url, workers, port, directory / "product.log") as server:
        size = page_bytes(page, headers)
        bare_port = free_port()
        env = product_env(directory, baseline_url, BENCH_DATABASE_URL=baseline_url, BENCH_PAGE_BYTES=str(size))
        with Server(uvicorn_args("bench.baselines.page_app:app", bare_port, workers), env, bare_port,
                    directory / "baseline.log"):
            bare_page = f"http://127.0.0.1:{bare_port}/report/q/{PAGE_KEY}"
            bare_headers = {"Cookie": f"draft={draft_id}"}
            bare_size = page_bytes(bare_page, bare_headers)
            spy = server.profile(directory / "product-profile.txt", seconds) if profile else None
            options = {"connections": connections, "seconds": seconds / rounds, "workdir": directory}
            product, baseline = alternate(rounds, lambda: wrk_load(page, "GET", headers, **options),
                                          lambda: wrk_load(bare_page, "GET", bare_headers, **options))
            rss = server.rss_mib()
            if spy is not None:
                spy.wait(timeout=120)
    notes = [
        f"page size: product {size:,} bytes, baseline {bare_size:,} bytes",
        f"p50/p99 ms: product {product.p50_ms:.0f}/{product.p99_ms:.0f}, baseline {baseline.p50_ms:.0f}/{baseline.p99_ms:.0f}",
        f"errors (non-2xx + socket): product {product.errors}, baseline {baseline.errors}",
        f"resident memory of the product server after the load: {rss:.0f} MiB",
    ]
    return report(Figure(f"wizard question page, {kind}, {workers} worker(s), {connections} connections",
                         product.rate, baseline.rate, "pages/s", TARGET, notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgres or both (comma-separated)")
    parser.add_argument("--workers", default="1")
    parser.add_argument("--seconds", type=float, default=30, help="load time of each server, in --rounds turns")
    parser.add_argument("--rounds", type=int, default=3, help="turns of product and baseline load (shared machine)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="py-spy the product server (product-profile.txt)")
    args = parser.parse_args(argv)
    say(f"# wizard question page (target >= {TARGET}x a bare Jinja2 page of the same size reading one row)")
    for_each_server(args, measure)


if __name__ == "__main__":
    main()
