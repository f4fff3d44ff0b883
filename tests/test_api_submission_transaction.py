"""A report through the partner API is one transaction: the key's look-up, the report's rows
and the count against the partner's limit commit together (bench/submission_bench.py). Every
request with a valid key counts, refused or not; over the limit nothing but the count is kept;
a key made before a key rotation still works and moves to the new hash."""
from __future__ import annotations

from sqlalchemy import event, func, select

from intake.platform.models.notifications import Notification
from intake.platform.models.operations import RateCounter
from intake.platform.models.reporting import Draft, Partner
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tip_records import TipMatchKey
from intake.platform.models.tips import Assignment, Person, StatusEvent, Tip
from intake.reporting.partners import add_partner
from intake.casework.search import POSTGRES_TABLE, SQLITE_TABLE
from tests.test_web_api import ANSWERS, auth, count
from tests.webclient import web_client


async def _rows(core) -> dict[str, int]:
    search = POSTGRES_TABLE if core.db.dialect == "postgresql" else SQLITE_TABLE
    return {model.__name__: await count(core, model)
            for model in (Tip, Person, Draft, TipMatchKey, Assignment, StatusEvent, Notification, AuditEvent)} | {
        "search": await count(core, search)}


async def _counted(core) -> int:
    async with core.db.session() as session:
        return int(await session.scalar(select(func.sum(RateCounter.count)).where(RateCounter.key.like("api-submit:%"))) or 0)


async def test_one_report_is_one_transaction_with_the_key_check_and_the_count(core):
    _partner, key = await add_partner(core, "Sunset community app")
    statements, commits, rollbacks = [], [], []
    engines = {core.db.writer, core.db.reader}
    listeners = [("before_cursor_execute", lambda _c, _cur, statement, *_a: statements.append(statement)),
                 ("commit", lambda _c: commits.append(1)), ("rollback", lambda _c: rollbacks.append(1))]
    async with web_client(core) as client:
        for engine in engines:
            for name, listener in listeners:
                event.listen(engine.sync_engine, name, listener)
        try:
            response = await client.post("/api/v1/reports", json={"language": "en", "answers": ANSWERS}, headers=auth(key))
        finally:
            for engine in engines:
                for name, listener in listeners:
                    event.remove(engine.sync_engine, name, listener)
    assert response.status_code == 201
    assert (len(commits), len(rollbacks)) == (1, 0)
    text = "\n".join(statements)
    assert "FROM partners" in text and "INSERT INTO rate_counters" in text and "INSERT INTO tips" in text
    # Nothing a new tip does not need: no search entry to replace, no rank to read back.
    assert "DELETE FROM tip_search" not in text and "SELECT tips.queue_rank" not in text
    assert "UPDATE drafts" not in text  # the API's draft is written once, already marked
    rows = await _rows(core)
    assert rows["Tip"] == rows["Draft"] == rows["StatusEvent"] == rows["search"] == 1
    assert rows["Assignment"] >= 1 and rows["TipMatchKey"] >= 1 and rows["Notification"] >= 1
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
        draft = await session.scalar(select(Draft))
        ranks = set((await session.scalars(select(Assignment.queue_rank))).all())
    assert draft.tip_id == tip.id and draft.sealed_receipt is not None and ranks == {tip.queue_rank}
    assert await _counted(core) == 1


async def test_every_request_with_a_key_counts_and_over_the_limit_only_the_count_is_kept(core):
    _partner, key = await add_partner(core, "Village app", reports_per_hour=3)
    async with web_client(core) as client:
        refused = await client.post("/api/v1/reports?lang=en", json={"answers": {**ANSWERS, "category": "lottery"}}, headers=auth(key))
        bad_body = await client.post("/api/v1/reports?lang=en", content=b"not json", headers=auth(key))
        made = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS},
                                 headers={**auth(key), "idempotency-key": "order-1"})
        assert [refused.status_code, bad_body.status_code, made.status_code] == [422, 400, 201]
        assert await _counted(core) == 3
        before = await _rows(core)
        # The fourth: its rows are written, then rolled back when the count is over the limit.
        over = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS}, headers=auth(key))
        again = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS},
                                  headers={**auth(key), "idempotency-key": "order-1"})
        bad_over = await client.post("/api/v1/reports?lang=en", content=b"not json", headers=auth(key))
    assert [over.status_code, again.status_code, bad_over.status_code] == [429, 429, 429]
    assert await _rows(core) == before and before["Tip"] == 1
    assert await _counted(core) == 6


async def test_a_key_from_before_a_key_rotation_still_sends_and_moves_to_the_new_hash(core):
    _partner, key = await add_partner(core, "Sunset community app")
    core.keys = core.keys.rotate()
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS}, headers=auth(key))
        wrong = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS}, headers=auth(key + "x"))
    assert response.status_code == 201 and wrong.status_code == 401
    async with core.db.session() as session:
        stored = await session.scalar(select(Partner.key_hash))
    assert stored == core.keys.lookup_hash(key, purpose="partner-api-key")
    assert await count(core, Tip) == 1
