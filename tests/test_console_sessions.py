"""Console sessions end on the server (issue 14.4): a cookie copied before signing out, or before a
change of role, opens nothing afterwards. Driven over real HTTP against the console served by
uvicorn on 127.0.0.1, as the outside tester did."""
from __future__ import annotations

import asyncio

import httpx

from console.app import create_app
from tests.browser import serving
from tests.cli import Ran, run_tipline
from tests.console_support import LEAD_UNIT, csrf_of, make_staff, sign_in
from tests.factories import file_tip

COOKIE = "console_session"


async def replay(console: str, cookie: str, path: str) -> httpx.Response:
    """A request from another machine carrying only the copied cookie."""
    async with httpx.AsyncClient(base_url=console, headers={"cookie": f"{COOKIE}={cookie}"}) as thief:
        return await thief.get(path)


def sent_to_sign_in(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/signin")


async def test_a_cookie_copied_before_sign_out_opens_neither_the_queue_nor_a_tip_afterwards(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with serving(create_app(core)) as console, httpx.AsyncClient(base_url=console) as officer:
        assert (await sign_in(officer, "li")).headers["location"] == "/queue"
        queue = await officer.get("/queue")
        assert queue.status_code == 200
        copied = officer.cookies[COOKIE]
        assert (await replay(console, copied, f"/tips/{tip_id}")).status_code == 200  # the copy works while signed in

        signed_out = await officer.post("/signout", data={"csrf": csrf_of(queue.text)})
        assert signed_out.status_code == 303

        for path in ("/queue", f"/tips/{tip_id}"):
            assert sent_to_sign_in(await replay(console, copied, path)), path
        core.clock.advance(minutes=5)  # not a matter of time: still nothing a while later
        assert sent_to_sign_in(await replay(console, copied, "/queue"))
        # Signing in again makes a new session; the old cookie stays dead.
        assert (await sign_in(officer, "li")).headers["location"] == "/queue"
        assert (await officer.get("/queue")).status_code == 200
        assert sent_to_sign_in(await replay(console, copied, "/queue"))


async def test_a_change_of_role_ends_the_sessions_made_before_it(core):
    from intake.staff.staff import change_role

    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with serving(create_app(core)) as console, httpx.AsyncClient(base_url=console) as officer:
        await sign_in(officer, "li")
        assert (await officer.get("/queue")).status_code == 200
        copied = officer.cookies[COOKIE]

        await change_role(core, "li", role="unit_lead", unit=LEAD_UNIT, actor="cli")

        assert sent_to_sign_in(await officer.get("/queue"))
        assert sent_to_sign_in(await replay(console, copied, "/queue"))
        assert (await sign_in(officer, "li")).headers["location"] == "/queue"
        account = await officer.get("/account")
        assert account.status_code == 200 and "负责人" in account.text  # signed in again, as the unit lead


async def test_a_disabled_account_and_a_password_reset_end_every_session(core):
    from intake.staff.auth import set_password
    from intake.staff.staff import disable_staff

    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "wang", "officer", LEAD_UNIT)
    async with serving(create_app(core)) as console, httpx.AsyncClient(base_url=console) as li, \
            httpx.AsyncClient(base_url=console) as wang:
        await sign_in(li, "li")
        await sign_in(wang, "wang")
        li_cookie, wang_cookie = li.cookies[COOKIE], wang.cookies[COOKIE]

        await set_password(core, "li", "a brand new password")
        await disable_staff(core, "wang", actor="cli")

        assert sent_to_sign_in(await replay(console, li_cookie, "/queue"))
        assert sent_to_sign_in(await replay(console, wang_cookie, "/queue"))
        assert (await sign_in(li, "li", "a brand new password")).headers["location"] == "/queue"
        assert (await sign_in(wang, "wang")).status_code == 400  # disabled: no way back in


def tipline(core, *args: str) -> Ran:
    """`tipline …` on the test's database and keys."""
    return run_tipline(*args, env={"TIPLINE_VAR_DIR": str(core.settings.var_dir),
                                   "TIPLINE_DATABASE_URL": core.settings.resolved_database_url})


async def test_the_staff_commands_for_a_role_and_for_disabling_end_the_sessions(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "wang", "officer", LEAD_UNIT)
    async with serving(create_app(core)) as console, httpx.AsyncClient(base_url=console) as li, \
            httpx.AsyncClient(base_url=console) as wang:
        await sign_in(li, "li")
        await sign_in(wang, "wang")
        role = await asyncio.to_thread(tipline, core, "staff", "role", "li", "unit_lead", "--unit", LEAD_UNIT)
        assert role.returncode == 0, role.stdout + role.stderr
        disabled = await asyncio.to_thread(tipline, core, "staff", "disable", "wang")
        assert disabled.returncode == 0, disabled.stdout + disabled.stderr
        assert sent_to_sign_in(await li.get("/queue")) and sent_to_sign_in(await wang.get("/queue"))
        unknown = await asyncio.to_thread(tipline, core, "staff", "role", "nobody", "officer", "--unit", LEAD_UNIT)
        assert unknown.returncode != 0 and "unknown user" in unknown.stdout + unknown.stderr


async def test_signing_in_again_from_an_open_sign_in_form_ends_the_session_it_replaces(core):
    from tests.console_support import PASSWORD

    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with serving(create_app(core)) as console, httpx.AsyncClient(base_url=console) as officer:
        form = await officer.get("/signin")  # a sign-in form left open in another tab
        await sign_in(officer, "li")
        first = officer.cookies[COOKIE]
        queue = await officer.get("/queue")
        again = await officer.post("/signin", data={"csrf": csrf_of(queue.text), "username": "li", "password": PASSWORD})
        assert again.headers["location"] == "/queue" and form.status_code == 200
        assert (await officer.get("/queue")).status_code == 200
        assert sent_to_sign_in(await replay(console, first, "/queue"))
