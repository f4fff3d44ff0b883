"""The baseline of the full report submission: a bare FastAPI POST that checks a key, parses the
JSON and inserts, with SQLAlchemy Core in one transaction, the same rows the product wrote for
one report (copied from a tip the product made in the same run: draft, people, tip, match keys,
assignments, first status event, outbox row, audit row), with fresh ids and unique values.

    BENCH_DATABASE_URL=... BENCH_TEMPLATE=rows.pickle BENCH_KEY=... uvicorn bench.baselines.submission_app:app

Same engine settings as the product (intake/platform/db.py): SQLite with one writer connection, WAL,
synchronous=NORMAL and a busy timeout; PostgreSQL with a pool of 10 (+10).
"""
from __future__ import annotations

import os
import pickle
import secrets
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import event, insert, update
from sqlalchemy.ext.asyncio import create_async_engine

from intake.platform.models.base import Base  # only the table definitions (SQLAlchemy Core tables)

URL = os.environ["BENCH_DATABASE_URL"]
KEY = os.environ.get("BENCH_KEY", "bench")
#: {table name: [row dicts]} of one report, written by bench/submission_bench.py.
TEMPLATE: dict[str, list[dict]] = pickle.loads(Path(os.environ["BENCH_TEMPLATE"]).read_bytes())
TABLES = Base.metadata.tables

if URL.startswith("sqlite"):
    engine = create_async_engine(URL, pool_size=1, max_overflow=0, pool_timeout=60)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection, _record) -> None:  # noqa: ANN001
        cursor = connection.cursor()
        for pragma in ("PRAGMA busy_timeout=10000", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                       "PRAGMA foreign_keys=ON"):
            cursor.execute(pragma)
        cursor.close()
else:
    engine = create_async_engine(URL, pool_size=10, max_overflow=10)

# The children of a tip, in an order that satisfies their foreign keys.
CHILDREN = [name for name in ("tip_match_keys", "assignments", "status_events", "notifications", "audit_events")
            if TEMPLATE.get(name)]
CHILDREN += [name for name in TEMPLATE if name not in CHILDREN and name not in ("drafts", "people", "tips")]


def _without_id(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "id"}


app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/api/v1/reports")
async def send_report(request: Request) -> JSONResponse:
    if request.headers.get("authorization") != f"Bearer {KEY}":
        return JSONResponse({"errors": [{"field": "authorization", "message": "no key"}]}, status_code=401)
    body = await request.json()
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return JSONResponse({"errors": [{"field": "", "message": "bad body"}]}, status_code=400)
    code = "".join(secrets.choice("0123456789") for _ in range(12))
    draft_id = uuid.uuid4().hex
    async with engine.begin() as connection:
        draft = {**TEMPLATE["drafts"][0], "id": draft_id, "tip_id": None}
        await connection.execute(insert(TABLES["drafts"]).values(draft))
        people = {}
        for row in TEMPLATE.get("people", []):
            people[row["id"]] = (await connection.execute(
                insert(TABLES["people"]).values(_without_id(row)).returning(TABLES["people"].c.id))).scalar_one()
        tip = {**_without_id(TEMPLATE["tips"][0]), "tracking_hash": secrets.token_hex(32), "draft_id": draft_id,
               "reporter_id": people.get(TEMPLATE["tips"][0]["reporter_id"]),
               "victim_id": people.get(TEMPLATE["tips"][0]["victim_id"])}
        tip_id = (await connection.execute(insert(TABLES["tips"]).values(tip).returning(TABLES["tips"].c.id))).scalar_one()
        events = {}
        for name in CHILDREN:
            table = TABLES[name]
            for row in TEMPLATE[name]:
                values = {**_without_id(row), "tip_id": tip_id}
                if "event_id" in values and values["event_id"] is not None:
                    values["event_id"] = events[values["event_id"]]
                if name == "status_events":
                    events[row["id"]] = (await connection.execute(insert(table).values(values).returning(table.c.id))).scalar_one()
                else:
                    await connection.execute(insert(table).values(values))
        await connection.execute(update(TABLES["drafts"]).where(TABLES["drafts"].c.id == draft_id).values(tip_id=tip_id))
    return JSONResponse({"code": f"{code[:4]} {code[4:8]} {code[8:]}", "pin": code[:4]}, status_code=201)
