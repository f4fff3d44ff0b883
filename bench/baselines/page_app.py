"""The baseline of the wizard question page: a bare FastAPI + Jinja2 page of the same size as the
product's page, which reads one row (the visitor's draft, by a cookie) with SQLAlchemy Core.

    BENCH_DATABASE_URL=... BENCH_PAGE_BYTES=9000 uvicorn bench.baselines.page_app:app
"""
from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import create_async_engine

from intake.platform.models.base import Base  # only the table definition

URL = os.environ["BENCH_DATABASE_URL"]
PAGE_BYTES = int(os.environ.get("BENCH_PAGE_BYTES", "5000"))
DRAFTS = Base.metadata.tables["drafts"]

if URL.startswith("sqlite"):
    engine = create_async_engine(URL, pool_size=4, max_overflow=0, pool_timeout=60)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection, _record) -> None:  # noqa: ANN001
        cursor = connection.cursor()
        for pragma in ("PRAGMA busy_timeout=10000", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"):
            cursor.execute(pragma)
        cursor.close()
else:
    engine = create_async_engine(URL, pool_size=10, max_overflow=10)

TEMPLATE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><form method="post" action="/report/q/{{ key }}">
<h1>{{ title }}</h1><p>{{ channel }} {{ updated }}</p>
{% for item in items %}<div class="choice"><input type="radio" name="answer" id="answer-{{ loop.index0 }}" value="{{ item }}">
<label for="answer-{{ loop.index0 }}">{{ item }}</label></div>
{% endfor %}<button type="submit">继续</button></form></main></body></html>
"""
env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
template = env.from_string(TEMPLATE)


def _size(items: list[str]) -> int:
    return len(template.render(title="您是为谁举报？", key="category", channel="web", updated="2026-11-27 11:00:00",
                               items=items).encode())


ITEMS = ["选项选项选项"] * max(1, round((PAGE_BYTES - _size([])) / (_size(["选项选项选项"]) - _size([]))))

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/report/q/{key}")
async def question(request: Request, key: str) -> HTMLResponse:
    draft_id = request.cookies.get("draft", "")
    async with engine.connect() as connection:
        row = (await connection.execute(select(DRAFTS.c.channel, DRAFTS.c.updated_at).where(DRAFTS.c.id == draft_id))).first()
    if row is None:
        return HTMLResponse("not found", status_code=404)
    html = template.render(title="您是为谁举报？", key=key, channel=row.channel, updated=row.updated_at, items=ITEMS)
    return HTMLResponse(html)
