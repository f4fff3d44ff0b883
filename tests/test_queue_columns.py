"""The queue's copies of a tip's status, answered flag and rank on its assignment rows (migration
0018c) stay equal to the tip's after every kind of change, and a unit's views read them: a tip
waiting for the reporter, answered by them, re-routed, merged, re-opened, erased by retention."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import or_, select, text

from intake.admin.retention import run_retention
from intake.casework.casework import move_tip, reporter_reply, reroute_tip
from intake.casework.categorising import set_category
from intake.casework.queues import unit_queue
from intake.domain.messages import PublicMessage
from intake.platform.models.tips import Assignment, Tip
from tests.factories import file_tip, move_to, staff

LEAD_UNIT = "990121-civil_affairs"  # where the mother's care-home tip goes (tests/walk.py)


@pytest.fixture
async def people(core):
    return {
        "officer": await staff(core, "officer", "officer", LEAD_UNIT),
        "lead": await staff(core, "lead", "unit_lead", LEAD_UNIT),
        "coordinator": await staff(core, "coord", "coordinator", "990100-coordination"),
        "police": await staff(core, "cop", "officer", "990121-police"),
        "other_lead": await staff(core, "other", "unit_lead", "990121-market_regulation"),
    }


async def drift(core) -> list[tuple]:
    """Assignment rows whose copies differ from their tip (none, always)."""
    async with core.db.session() as session:
        rows = (await session.execute(
            select(Assignment.tip_id, Assignment.unit_code, Assignment.tip_status, Tip.status, Assignment.reporter_answered,
                   Tip.reporter_answered, Assignment.queue_rank, Tip.queue_rank)
            .join(Tip, Tip.id == Assignment.tip_id)
            .where(or_(Assignment.tip_status != Tip.status, Assignment.reporter_answered != Tip.reporter_answered,
                       Assignment.queue_rank != Tip.queue_rank))
        )).all()
    return [tuple(row) for row in rows]


async def ids_in(core, who, view: str = "all", **filters) -> list[int]:
    return [item.id for item in (await unit_queue(core, who, view=view, **filters)).items]


async def test_every_change_keeps_the_assignment_rows_equal_to_their_tip(core, clock, people):
    officer, lead = people["officer"], people["lead"]
    tip = (await file_tip(core)).tip_id
    assert await drift(core) == []
    assert await ids_in(core, officer, "new") == [tip]

    # Moves, and the reporter's answer: the views by status and by answer follow.
    await move_to(core, tip, "verifying", staff=officer)
    await move_tip(core, tip, "needs_info", staff=officer, public=PublicMessage(text="请问您还记得具体日期吗？", language="zh_Hans"))
    assert await drift(core) == []
    assert await ids_in(core, officer, "waiting") == [tip] and await ids_in(core, officer, "new") == []
    await reporter_reply(core, tip, "是十一月三日。", language="zh_Hans")
    assert await drift(core) == []
    assert await ids_in(core, officer, "answered") == [tip] and await ids_in(core, officer, "waiting") == []
    assert await ids_in(core, officer, status="verifying") == [tip]

    # The police brought in (a new assisting row), then staff act: the answer is seen to.
    await move_tip(core, tip, "transferred_police", staff=officer)
    assert await drift(core) == []
    assert await ids_in(core, people["police"], status="transferred_police") == [tip]
    assert await ids_in(core, officer, "answered") == []

    # Re-routing (a new lead row) and a category change that re-routes (new rows again).
    second = (await file_tip(core)).tip_id
    await reroute_tip(core, second, "990121-market_regulation", staff=lead, reason="health products")
    assert await drift(core) == []
    assert await ids_in(core, people["other_lead"], "new") == [second]
    third = (await file_tip(core)).tip_id
    await set_category(core, third, "care_product", staff=people["coordinator"], reason="pills")
    await move_tip(core, third, "accepted", staff=people["other_lead"])
    assert await drift(core) == []

    # A merge, a close and a re-opening.
    await move_tip(core, third, "merged", staff=people["other_lead"], merged_into=second, internal_note="the same care home")
    assert await drift(core) == []
    assert await ids_in(core, people["other_lead"], status="merged") == [third]
    assert await ids_in(core, people["coordinator"], status="merged") == [third]
    await move_tip(core, tip, "substantiated", staff=people["police"])
    await move_tip(core, tip, "closed", staff=lead)
    await move_tip(core, tip, "verifying", staff=people["coordinator"], internal_note="a second care home")
    assert await drift(core) == []
    assert await ids_in(core, officer, status="verifying") == [tip]

    # Retention erases the personal data of the declined and the merged tip; their queue rows stay as they were.
    declined = (await file_tip(core)).tip_id
    await move_tip(core, declined, "declined", staff=officer)
    clock.advance(days=181)
    assert sorted(d.tip_id for d in (await run_retention(core)).erased) == [third, declined]
    assert await drift(core) == []
    assert await ids_in(core, officer, status="declined") == [declined]


@pytest.mark.parametrize("index, newest_first", [
    ("ix_assignments_queue", "tip_id"), ("ix_assignments_status_queue", "tip_id"), ("ix_assignments_answered_queue", "tip_id"),
    ("ix_tips_queue", "id"), ("ix_tips_assignee_queue", "id"), ("ix_tips_answered_queue", "id"),
])
async def test_the_migrated_queue_indexes_keep_newest_first(core, index, newest_first):
    """Each queue index is in the page's order (rank, newest first), so a page is read, not sorted:
    a migration that copies a table on SQLite (batch mode) would re-create it without its DESC."""
    async with core.db.session() as session:
        if core.db.dialect == "postgresql":
            definition = await session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": index})
            descending = re.findall(r"(\w+) DESC", definition)
        else:
            descending = [row.name for row in (await session.execute(text(f"PRAGMA index_xinfo({index})"))).all() if row.key and row.desc]
    assert descending == [newest_first]
