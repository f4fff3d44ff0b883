"""Signing in to the staff console: passwords, lock-out, TOTP, sessions that expire."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from intake.staff.auth import set_password
from intake.platform.models.staff import AuditEvent
from tests.console_support import LEAD_UNIT, PASSWORD, as_seen, client_for, csrf_of, make_staff, sign_in

COORDINATION = "990100-coordination"


async def audit_actions(core, actor: str) -> list[str]:
    async with core.db.session() as session:
        return list((await session.scalars(select(AuditEvent.action).where(AuditEvent.actor == actor).order_by(AuditEvent.id))).all())


async def test_an_officer_signs_in_with_a_password_and_reaches_the_queue(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        response = await sign_in(client, "li")
        assert response.status_code == 303 and response.headers["location"] == "/queue"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        queue = await client.get("/queue")
    assert queue.status_code == 200
    assert '<html lang="zh-Hans">' in queue.text and "队列" in queue.text
    assert "staff.sign_in" in await audit_actions(core, "li")


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        wrong = await sign_in(client, "li", "not the password")
        unknown = await sign_in(client, "nobody", "not the password")
        assert (await client.get("/queue")).status_code == 303
    assert wrong.status_code == unknown.status_code == 400
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text


async def test_after_five_failures_the_next_attempt_waits_and_each_wait_is_longer(core):
    """A minute after the fifth failure, two after the sixth (intake/staff/sign_in_backoff.py); while it
    waits, even the right password gets the answer a wrong one gets."""
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        for _ in range(5):
            wrong = await sign_in(client, "li", "wrong password!")
            assert wrong.status_code == 400
        held = await sign_in(client, "li")
        assert held.status_code == 400 and as_seen(held.text) == as_seen(wrong.text)
        core.clock.advance(seconds=61)
        assert (await sign_in(client, "li", "wrong password!")).status_code == 400  # checked: the sixth failure
        core.clock.advance(seconds=61)
        assert (await sign_in(client, "li")).status_code == 400  # two minutes now
        core.clock.advance(seconds=60)
        assert (await sign_in(client, "li")).headers["location"] == "/queue"
    actions = await audit_actions(core, "li")
    assert actions.count("staff.sign_in_failed") == 6 and actions.count("staff.sign_in_slowed") == 2
    assert actions.count("staff.sign_in_refused") == 2


async def test_a_coordinator_must_enrol_a_second_factor_and_then_always_gives_a_code(core):
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    async with client_for(core) as client:
        first = await sign_in(client, "zhou")
        assert first.headers["location"] == "/signin/enrol"
        assert (await client.get("/queue")).status_code == 303  # not in before the second factor
        page = await client.get("/signin/enrol")
        secret = re.search(r'class="secret" lang="en">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
        wrong = await client.post("/signin/enrol", data={"csrf": csrf_of(page.text), "code": "000000"})
        assert wrong.status_code == 400 and "验证码不正确" in wrong.text
        code = pyotp.TOTP(secret).at(core.clock.now())
        enrolled = await client.post("/signin/enrol", data={"csrf": csrf_of(wrong.text), "code": code})
        assert enrolled.headers["location"] == "/queue"
        queue = await client.get("/queue")
        await client.post("/signout", data={"csrf": csrf_of(queue.text)})
        assert (await client.get("/queue")).status_code == 303

        again = await sign_in(client, "zhou")
        assert again.headers["location"] == "/signin/totp"
        page = await client.get("/signin/totp")
        refused = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": "123456"})
        assert refused.status_code == 400
        core.clock.advance(seconds=30)
        done = await client.post("/signin/totp", data={"csrf": csrf_of(refused.text), "code": pyotp.TOTP(secret).at(core.clock.now())})
        assert done.headers["location"] == "/queue"
        assert (await client.get("/queue")).status_code == 200
    actions = await audit_actions(core, "zhou")
    assert "staff.totp_enrolled" in actions and actions.count("staff.sign_in") == 2


async def test_wrong_codes_count_with_the_passwords_and_then_wait(core):
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    secret = await _enrol(core, "zhou")
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        page = await client.get("/signin/totp")
        for _ in range(5):
            page = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": "000000"})
            assert page.status_code == 400
        waiting = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": "000000"})
        assert waiting.status_code == 429 and "请等几分钟" in waiting.text
        again = await sign_in(client, "zhou", totp_secret=secret, core=core)
        assert again.status_code == 400  # the password step waits too, and answers like a wrong password


async def test_signing_in_again_with_the_password_does_not_reset_the_code_guesses(core):
    """Someone who knows the password must not be able to guess codes for ever."""
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    await _enrol(core, "zhou")
    async with client_for(core) as client:
        answers = []
        for _ in range(6):
            first = await sign_in(client, "zhou")
            if first.status_code != 303:
                answers.append(("password", first.status_code))
                continue
            page = await client.get("/signin/totp")
            answer = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": "000000"})
            answers.append(("code", answer.status_code))
        assert answers == [("code", 400)] * 5 + [("password", 400)]


async def _enrol(core, username: str) -> str:
    from intake.staff.auth import enrol_totp, get_staff_by_id, new_totp_secret
    from intake.staff.staff import get_staff

    user = await get_staff(core, username)
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    assert (await get_staff_by_id(core, user.id)).totp_sealed is not None
    return secret


async def _sign_in_with_code(core, username: str, code: str):
    """A sign-in from a browser of its own: the password, then this code."""
    async with client_for(core) as client:
        assert (await sign_in(client, username)).headers["location"] == "/signin/totp"
        page = await client.get("/signin/totp")
        answer = await client.post("/signin/totp", data={"csrf": csrf_of(page.text), "code": code})
        signed_in = (await client.get("/queue")).status_code == 200
    return answer, signed_in


async def test_a_code_signs_in_once_and_never_again(core):
    """Someone who saw the code over the shoulder (or in a proxy's log) cannot use it after the officer."""
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    secret = await _enrol(core, "zhou")
    totp = pyotp.TOTP(secret)
    core.clock.advance(seconds=30)
    code = totp.at(core.clock.now())
    answer, signed_in = await _sign_in_with_code(core, "zhou", code)
    assert answer.headers["location"] == "/queue" and signed_in
    again, signed_in_again = await _sign_in_with_code(core, "zhou", code)
    assert again.status_code == 400 and not signed_in_again
    assert "验证码已用过" in again.text
    core.clock.advance(seconds=30)  # the next code from the app works
    answer, signed_in = await _sign_in_with_code(core, "zhou", totp.at(core.clock.now()))
    assert answer.headers["location"] == "/queue" and signed_in


async def test_an_earlier_windows_code_is_refused_once_a_later_one_was_used(core):
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    secret = await _enrol(core, "zhou")
    totp = pyotp.TOTP(secret)
    core.clock.advance(seconds=60)
    previous = totp.at(core.clock.now() - timedelta(seconds=30))  # still within the accepted window of ±30 s
    answer, signed_in = await _sign_in_with_code(core, "zhou", totp.at(core.clock.now()))
    assert answer.headers["location"] == "/queue" and signed_in
    late, signed_in_late = await _sign_in_with_code(core, "zhou", previous)
    assert late.status_code == 400 and not signed_in_late


async def test_the_code_that_set_up_the_app_does_not_sign_in(core):
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    secret = await _enrol(core, "zhou")
    answer, signed_in = await _sign_in_with_code(core, "zhou", pyotp.TOTP(secret).at(core.clock.now()))
    assert answer.status_code == 400 and not signed_in


async def test_an_officer_may_turn_on_a_second_factor_from_the_account_page(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        account = await client.get("/account")
        assert "/account/totp" in account.text
        page = await client.get("/account/totp")
        secret = re.search(r'class="secret" lang="en">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
        done = await client.post("/account/totp", data={"csrf": csrf_of(page.text), "code": pyotp.TOTP(secret).at(core.clock.now())})
        assert done.headers["location"] == "/account?enrolled=1"
        assert (await client.get("/queue")).status_code == 200  # this session goes on
    async with client_for(core) as client:
        assert (await sign_in(client, "li")).headers["location"] == "/signin/totp"


async def test_the_roles_that_need_a_second_factor_are_a_setting(core):
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ("officer",)})
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    async with client_for(core) as client:
        assert (await sign_in(client, "li")).headers["location"] == "/signin/enrol"
    async with client_for(core) as client:
        assert (await sign_in(client, "zhou")).headers["location"] == "/queue"


async def test_a_session_ends_after_thirty_idle_minutes(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        core.clock.advance(minutes=29)
        assert (await client.get("/queue")).status_code == 200  # activity keeps it alive
        core.clock.advance(minutes=29)
        assert (await client.get("/queue")).status_code == 200
        core.clock.advance(minutes=31)
        expired = await client.get("/queue")
        assert expired.status_code == 303 and expired.headers["location"] == "/signin?expired=1"
        page = await client.get("/signin?expired=1")
        assert "会话已结束" in page.text


async def test_a_session_ends_after_twelve_hours_however_busy(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        for _ in range(12 * 3 - 1):
            core.clock.advance(minutes=20)
            assert (await client.get("/queue")).status_code == 200
        core.clock.advance(minutes=21)
        assert (await client.get("/queue")).status_code == 303


async def test_a_password_reset_ends_the_sessions_made_before_it(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert (await client.get("/queue")).status_code == 200
        await set_password(core, "li", "a brand new password")
        assert (await client.get("/queue")).status_code == 303
        assert (await sign_in(client, "li", "a brand new password")).headers["location"] == "/queue"


async def test_a_forged_or_tampered_cookie_is_no_session(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as client:
        await sign_in(client, "li")
        cookie = client.cookies["console_session"]
        body, signature = cookie.rsplit(".", 1)
        client.cookies.set("console_session", body + "." + "0" * len(signature), domain="console.test")
        assert (await client.get("/queue")).status_code == 303


async def test_a_short_password_is_refused(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    import pytest

    from intake.staff.auth import AuthError

    with pytest.raises(AuthError):
        await set_password(core, "li", "short")
    async with client_for(core) as client:
        assert (await sign_in(client, "li", PASSWORD)).headers["location"] == "/queue"


async def test_the_sign_in_page_speaks_english_when_asked(core):
    async with client_for(core) as client:
        page = await client.get("/signin?lang=en")
        assert '<html lang="en">' in page.text and "User name" in page.text
    async with client_for(core) as client:
        default = await client.get("/signin")
        assert '<html lang="zh-Hans">' in default.text and "用户名" in default.text


async def test_passwords_are_hashed_at_full_cost_outside_the_test_run(core, tmp_path):
    """The suite hashes cheaply (its settings say env="test"); a deployment never does, and a hash
    made cheaply is brought up to the full cost the next time its owner signs in."""
    from pydantic import ValidationError

    from intake.staff.auth import check_password, hasher
    from intake.platform.settings import Settings

    assert Settings(var_dir=tmp_path).password_hash_cost == "standard"
    assert Settings(var_dir=tmp_path, env="production").password_hash_cost == "standard"
    with pytest.raises(ValidationError, match="standard cost"):
        Settings(var_dir=tmp_path, env="production", password_hashing="fast")

    await make_staff(core, "li", "officer", LEAD_UNIT)
    assert "m=1024,t=1,p=1$" in await _hash_of(core, "li")  # made at the test cost
    core.settings = core.settings.model_copy(update={"password_hashing": "standard"})
    assert (await check_password(core, "li", PASSWORD)).status == "ok"
    stored = await _hash_of(core, "li")
    assert not hasher(core).check_needs_rehash(stored) and "m=65536,t=3,p=4$" in stored


async def _hash_of(core, username: str) -> str:
    from intake.platform.models.staff import StaffUser

    async with core.db.session() as session:
        return await session.scalar(select(StaffUser.password_hash).where(StaffUser.username == username))
