"""Warnings in the console over HTTP (issue #18, item 1): a coordinator writes one (every field
to fix named at once, in her language), proposes it; a second coordinator in another session
approves it after confirming nothing identifies anyone; an officer adds the Tibetan text, which
waits for a second coordinator; withdrawing takes it off the public site at once."""
from __future__ import annotations

import re
from contextlib import asynccontextmanager

import pyotp
from sqlalchemy import select

from intake.staff.auth import enrol_totp, new_totp_secret

from intake.platform.models.staff import AuditEvent
from tests.console_support import as_seen, client_for, csrf_of, make_staff, sign_in
from tests.warning_support import BO_BODY, BO_TITLE, CITY_UNIT, ZH_BODY, ZH_TITLE
from tests.webclient import text_of, web_client


@asynccontextmanager
async def signed_in(core, username: str, role: str = "coordinator", unit: str = CITY_UNIT, language: str = "en"):
    user = await make_staff(core, username, role, unit, language=language)
    secret = new_totp_secret()  # coordinators and auditors sign in with a second factor
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    async with client_for(core) as client:
        response = await sign_in(client, username, totp_secret=secret, core=core)
        assert response.status_code == 303 and response.headers["location"] != "/signin", response.text
        yield client


async def post_from(client, page_path: str, action: str, **fields):
    """Submit a form the way a browser does: with the token of the page it is on."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf": csrf_of(page.text), **fields})


def draft_fields(**changes) -> dict:
    return {"kind": "warning", "category": "care_service", "regions": ["990121"], "visible_until": "2026-12-31",
            "title_zh_Hans": ZH_TITLE, "body_zh_Hans": ZH_BODY, "do_not_call": "138 0013 8000\n0999 8888 7777",
            "do_not_open": "http://yanglao-bed.example/pay", **changes}


async def test_two_coordinators_publish_a_warning_and_one_withdraws_it(core):
    async with signed_in(core, "zhou") as zhou, signed_in(core, "qian", language="zh_Hans") as qian:
        created = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields())
        assert created.status_code == 303
        path = created.headers["location"].split("?")[0]
        warning_id = int(path.rsplit("/", 1)[1])
        page = await zhou.get(created.headers["location"])
        assert "Saved as a draft" in as_seen(page.text) and "138\u20110013\u20118000" in page.text
        assert (await post_from(zhou, path, f"{path}/propose")).status_code == 303

        own = await zhou.get(path)
        assert "a different coordinator must approve it" in as_seen(own.text)
        assert f'action="{path}/approve"' not in own.text

        unconfirmed = await post_from(qian, path, f"{path}/approve")
        assert unconfirmed.status_code == 400 and "确认" in as_seen(unconfirmed.text)
        async with web_client(core) as public:
            assert (await public.get(f"/warnings/{warning_id}")).status_code == 404

        approved = await post_from(qian, path, f"{path}/approve", nothing_identifies="yes")
        assert approved.status_code == 303
        async with web_client(core, language="zh_Hans") as public:
            assert ZH_TITLE in (await public.get(f"/warnings/{warning_id}")).text

            withdrawn = await post_from(zhou, path, f"{path}/withdraw", reason="县名写错了")
            assert withdrawn.status_code == 303
            assert (await public.get(f"/warnings/{warning_id}")).status_code == 404
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("%warning.%"))
                                         .order_by(AuditEvent.id))).all()
    assert actions == ["warning.create", "warning.propose", "warning.approve", "warning.withdraw"]


async def test_every_field_to_fix_is_named_and_what_was_typed_is_kept(core):
    async with signed_in(core, "zhou") as zhou:
        response = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields(
            body_zh_Hans="骗子电话 138 0013 8000，网址 www.fake.cn", regions=[], do_not_call="96110"))
    assert response.status_code == 400
    seen = as_seen(response.text)
    assert "There is a problem" in seen
    assert "cannot contain links" in seen
    assert "Choose at least one region" in seen
    assert "official number" in seen
    assert "骗子电话 138 0013 8000，网址 www.fake.cn" in response.text  # kept, to fix
    assert re.search(r'<a href="#text_zh_Hans">', response.text)


async def test_an_officer_translates_and_a_coordinator_approves_the_translation(core):
    async with signed_in(core, "zhou") as zhou, signed_in(core, "qian") as qian, \
            signed_in(core, "li", "officer", "990121-civil_affairs") as li:
        created = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields())
        path = created.headers["location"].split("?")[0]
        await post_from(zhou, path, f"{path}/propose")
        await post_from(qian, path, f"{path}/approve", nothing_identifies="yes")
        officer_new = await li.get("/warnings/new")
        assert officer_new.status_code == 403
        translated = await post_from(li, path, f"{path}/translate", language="bo", title=BO_TITLE, body=BO_BODY)
        assert translated.status_code == 303
        warning_id = int(path.rsplit("/", 1)[1])
        async with web_client(core, language="bo") as public:
            assert BO_TITLE not in (await public.get(f"/warnings/{warning_id}")).text  # waits for approval
            waiting = await qian.get(path)
            assert "Translations waiting for a second coordinator" in as_seen(waiting.text)
            assert (await post_from(qian, path, f"{path}/approve", nothing_identifies="yes")).status_code == 303
            assert BO_TITLE in (await public.get(f"/warnings/{warning_id}")).text


async def test_staff_without_a_part_in_warnings_are_kept_out(core):
    async with signed_in(core, "audit", "auditor", None) as auditor:
        assert (await auditor.get("/warnings")).status_code == 403
        assert (await auditor.get("/warnings/1")).status_code == 403
    async with signed_in(core, "zhou") as zhou:
        assert (await zhou.get("/warnings/999")).status_code == 404
        assert (await zhou.get("/warnings/abc")).status_code in (400, 404)


async def test_the_needs_translation_queue_lists_warnings_missing_a_language(core):
    async with signed_in(core, "zhou") as zhou, signed_in(core, "li", "officer", "990121-civil_affairs") as li:
        created = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields(
            title_en="Fake care home 'bed fees'", body_en="People pretending to be care home staff ask for a fee."))
        path = created.headers["location"].split("?")[0]
        queue = text_of((await li.get("/translations")).text)
        assert "Warnings without a Tibetan or English text" in queue
        assert f"{ZH_TITLE} · Missing: བོད་ཡིག" in queue  # English is there already
        await post_from(li, path, f"{path}/translate", language="bo", title=BO_TITLE, body=BO_BODY)
        assert ZH_TITLE not in text_of((await li.get("/translations")).text)


async def test_the_form_links_a_warning_to_an_organisation_of_the_organisations_page(core):
    from intake.casework.duplicates import organisation_key, set_colour
    from tests.factories import file_tip
    from tests.warning_support import coordinators

    [colours] = await coordinators(core, "wang")
    await file_tip(core, suspect_organisation="福寿康养老服务有限公司")
    await set_colour(core, colours, organisation_key("福寿康养老服务有限公司"), "orange")
    async with signed_in(core, "zhou") as zhou:
        wrong = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields(organisation="长青旅行社"))
        right = await post_from(zhou, "/warnings/new", "/warnings/new", **draft_fields(organisation="福寿康 养老服务"))
        shown = await zhou.get(right.headers["location"])
        edit = await zhou.get(right.headers["location"].split("?")[0] + "/edit")
    assert wrong.status_code == 400 and "No organisation of that name is on the organisations page" in text_of(wrong.text)
    assert 'value="长青旅行社"' in wrong.text  # kept, to correct it
    assert right.status_code == 303 and "About the organisation: 福寿康养老服务有限公司" in text_of(shown.text)
    assert 'name="organisation" maxlength="200" value="福寿康养老服务有限公司"' in edit.text
