"""The tip page reads what the tip has: its notes, the reporter's later messages, its files, its
possible duplicates and its notices are read (and shown) when there are any, and not asked for
when there are none (the tip's own read says which it has)."""
from __future__ import annotations

from sqlalchemy import event

from intake.platform.attachments import store
from intake.casework.casework import add_note, reporter_reply
from intake.staff.staff import get_staff
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in
from tests.factories import a_photo, file_tip

class Statements:
    """The SQL the core's engines run while in use."""

    def __init__(self, core) -> None:
        self.engines = {engine.sync_engine for engine in (core.db.writer, core.db.reader)}
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._record)

    def read_from(self, table: str) -> bool:
        """Whether rows of `table` were read (not merely asked whether there are any)."""
        return any(statement.lstrip().startswith(f"SELECT {table}.") for statement in self.seen)


async def test_the_tip_page_reads_only_what_the_tip_has_and_shows_all_of_it(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    alone = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        with Statements(core) as statements:
            page = await client.get(f"/tips/{alone}")
        assert page.status_code == 200
        for table in ("tip_notes", "reporter_messages", "attachments"):
            assert not statements.read_from(table), (table, statements.seen)

        # The same tip with a note, a message from the reporter and a photo; then more tips naming the same suspect.
        officer = await get_staff(core, "li")
        await add_note(core, alone, "Called the care home.", staff=officer)
        await reporter_reply(core, alone, "I kept the receipt.", language="en")
        assert isinstance(await store(core, a_photo(), "receipt.jpg", tip_id=alone), str)
        first = (await file_tip(core)).tip_id
        again = (await file_tip(core)).tip_id  # names the same suspect as `first` and `alone`
        with Statements(core) as statements:
            page = (await client.get(f"/tips/{alone}")).text
        for table in ("tip_notes", "reporter_messages", "attachments"):
            assert statements.read_from(table), (table, statements.seen)
        assert "Called the care home." in page and "I kept the receipt." in page
        assert f'<img src="/tips/{alone}/files/1"' in page
        with Statements(core) as statements:
            page = (await client.get(f"/tips/{again}")).text
        assert statements.read_from("tip_match_keys")
        assert f'href="/tips/{first}"' in page and f'href="/tips/{alone}"' in page  # its possible duplicates


async def test_a_page_reads_through_one_session_and_sees_what_it_wrote(core):
    """A page asked for with GET makes its reads, the signed-in check's included, through one
    session: on SQLite one connection from the reader pool for the whole page (a tip page reads
    the session, the tip, its timeline and the assignee's name). On PostgreSQL reads and writes
    share a pool, and each read keeps its own session. A write inside the block is seen by the
    reads after it."""
    from sqlalchemy import update

    from intake.casework.assignment import assign_tip
    from intake.platform.models.tips import Tip

    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    await assign_tip(core, tip_id, "zhao", staff=await get_staff(core, "zhao"))
    checkouts: list[int] = []

    def checked_out(*_args) -> None:  # noqa: ANN002
        checkouts.append(1)

    async with client_for(core) as client:
        await sign_in(client, "zhao")
        event.listen(core.db.reader.sync_engine, "checkout", checked_out)
        try:
            page = await client.get(f"/tips/{tip_id}")
        finally:
            event.remove(core.db.reader.sync_engine, "checkout", checked_out)
    assert page.status_code == 200 and "zhao (zhao)" in page.text
    if core.db.is_sqlite:
        assert len(checkouts) == 1
    else:
        assert len(checkouts) >= 3  # the session, the tip, the assignee's name; the audit row's write

    async with core.db.shared_reads():
        async with core.db.session() as session:
            held = await session.get(Tip, tip_id)  # still held by the page when the write happens
            changed = "urgent" if held.priority != "urgent" else "normal"
        async with core.db.transaction() as session:
            await session.execute(update(Tip).where(Tip.id == tip_id).values(priority=changed))
        async with core.db.session() as session:
            assert (await session.get(Tip, tip_id)).priority == changed and held.priority != changed


async def test_reads_side_by_side_in_a_shared_block_each_have_a_session_of_their_own(core):
    """The statistics read their parts side by side (asyncio.gather); one session is not for two
    tasks at once, so while the shared session is lent to one block, another read gets its own."""
    import asyncio

    from sqlalchemy import select

    from intake.platform.models.tips import Tip

    tip_id = (await file_tip(core)).tip_id
    lent: list[object] = []

    async def read() -> int:
        async with core.db.session() as session:
            lent.append(session)
            await asyncio.sleep(0.01)  # both blocks are open at once
            return await session.scalar(select(Tip.id).where(Tip.id == tip_id))

    async with core.db.shared_reads():
        assert await asyncio.gather(read(), read(), read()) == [tip_id] * 3
        assert len({id(session) for session in lent}) == 3
        async with core.db.session() as first:
            pass
        async with core.db.session() as second:
            pass
    assert first is second or not core.db.is_sqlite  # one after the other: the one shared session (SQLite)
