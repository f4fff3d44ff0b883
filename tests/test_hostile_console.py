"""Garbage in every field of every console form, signed in as the unit lead of the tip's unit
(and on the sign-in forms, signed out): never a server error, a refused form writes nothing, and
the console still answers afterwards."""
from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from console.app import create_app
from intake.platform.models.rewards import Award
from intake.platform.models.tip_records import Outcome, TipNote
from intake.platform.models.tips import StatusEvent, Tip
from intake.casework.queues import tip_state
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip
from tests.hostile import HOSTILE_SETTINGS, NASTIES, hostile_text, once_per_core
from tests.test_access_control import console_routes

#: Every field name any console form uses; each request fills all of them.
FIELD_NAMES = ("target", "text", "internal_note", "template", "reason", "public_reason", "unit", "days", "kind",
               "penalty_decision_no", "penalty_date", "money_recovered", "merged_into", "tr_en", "tr_bo", "answer",
               "choice", "source", "language", "part", "event", "key", "colour", "note", "amount", "tier", "code",
               "pin", "name", "phone", "reference", "paid_on", "id_checked", "assignee", "action", "tip", "category",
               "direction", "reached", "happened_at", "summary", "username", "password", "queue", "back")


async def written(core) -> tuple[int, ...]:
    async with core.db.session() as session:
        return tuple([await session.scalar(select(func.count()).select_from(model))
                      for model in (Tip, StatusEvent, TipNote, Award, Outcome)])


async def signed_in(core):
    return await once_per_core("signed in", core, lambda: _sign_in(core))


async def _sign_in(core):
    lead = await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    client = client_for(core)
    await sign_in(client, "zhao")
    posts = sorted(path for method, path in console_routes(create_app(core).routes)
                   if method == "POST" and path not in ("/signout", "/signin", "/signin/totp", "/signin/enrol"))
    return lead, tip_id, client, posts


@HOSTILE_SETTINGS
@given(data=st.data(), value=hostile_text)
async def test_garbage_in_every_field_of_every_form_never_breaks_the_console(core, data, value):
    lead, tip_id, client, posts = await signed_in(core)
    path = data.draw(st.sampled_from(posts), label="form")
    csrf = csrf_of((await client.get("/account")).text)
    state = await tip_state(core, lead, tip_id)
    fields = {name: value for name in FIELD_NAMES}
    fields |= {"csrf": csrf, "version": state.version if state else "", "outcome_version": state.outcome_version if state else ""}
    url = path.replace("{tip_id}", str(tip_id)).replace("{ref}", quote(value[:40], safe="") or "x")
    before = await written(core)
    response = await client.post(url, data=fields)
    assert response.status_code < 500, (url, response.status_code)
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        assert await written(core) == before, (url, response.status_code)  # a refused form writes nothing
        assert "<html" in response.text
    assert (await client.get("/queue")).status_code == 200  # still answering, still signed in


async def test_hostile_sign_in_attempts_are_refused_kindly(core):
    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    async with client_for(core) as client:
        for value in NASTIES:
            page = await client.get("/signin")
            response = await client.post("/signin", data={"csrf": csrf_of(page.text), "username": value, "password": value})
            # 413: a value that makes the form larger than the console's 1 MB cap (300 KB of CJK, percent-encoded, twice)
            assert response.status_code in (400, 413, 429), (repr(value[:20]), response.status_code)
            totp = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": value})
            assert totp.status_code < 500
        assert (await sign_in(client, "zhao")).status_code == 303
        for value in ("", "x" * 5000, "\x00", "../../", "\u202e1"):
            assert (await client.get(f"/tips/{quote(value, safe='')}")).status_code < 500
            assert (await client.get("/queue", params={"view": value, "status": value, "category": value, "after": value})).status_code < 500
            assert (await client.get("/audit", params={"tip": value, "actor": value, "before": value})).status_code < 500
            assert (await client.get("/ledger", params={"start": value, "end": value, "region": value})).status_code < 500
