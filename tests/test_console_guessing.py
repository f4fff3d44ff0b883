"""Password guessing on the console's sign-in (issue 14.7): an unknown name, a wrong password and
a name held back after many failures answer alike after the same work, so names cannot be
found; guessing is slowed by a wait that grows per name and per address; the officer hears of
it by e-mail (or through the unit's alert address); and no stranger keeps an officer out for good."""
from __future__ import annotations

from intake.staff import auth
from intake.domain.deployment import CONFIG_DIR, Deployment, read_config
from intake.notify.dispatch import Dispatcher
from tests.console_support import LEAD_UNIT, PASSWORD, as_seen, client_for, csrf_of, make_staff, sign_in
from tests.bot_harness import fake_telegram  # noqa: F401 - fixture
from tests.test_outbox import smtp_server, smtp_settings  # noqa: F401 - the real SMTP server fixture
from tipline.channels import EmailChannel

COORDINATION = "990100-coordination"
STRANGER, OFFICE, ELSEWHERE = "203.0.113.7", "192.0.2.50", "198.51.100.20"


class CountingHasher:
    """The real argon2 hasher, noting the parameters of every hash it verifies against."""

    def __init__(self, real) -> None:  # noqa: ANN001 - argon2's PasswordHasher
        self.real = real
        self.verified: list[str] = []

    def verify(self, hashed: str, password: str) -> bool:
        self.verified.append(hashed.rsplit("$", 2)[0])  # "$argon2id$v=19$m=…,t=…,p=…"
        return self.real.verify(hashed, password)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.real, name)


async def enrol(core, username: str) -> str:
    import pyotp

    from intake.staff.auth import enrol_totp, new_totp_secret
    from intake.staff.staff import get_staff

    user = await get_staff(core, username)
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    return secret


async def sign_out(client) -> None:
    queue = await client.get("/queue")
    assert (await client.post("/signout", data={"csrf": csrf_of(queue.text)})).status_code == 303


async def send_the_outbox(core, settings, port: int) -> None:
    await Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1").run_once()


async def test_an_unknown_name_a_wrong_password_and_a_held_back_name_answer_alike_after_the_same_work(core, monkeypatch):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "wu", "officer", LEAD_UNIT)
    async with client_for(core, address=STRANGER) as stranger:
        for _ in range(8):  # wu's name is now held back
            await sign_in(stranger, "wu", "not the password")
    hasher = CountingHasher(auth.hasher(core))
    monkeypatch.setattr(auth, "hasher", lambda _core: hasher)
    answers = {}
    async with client_for(core, address=ELSEWHERE) as client:
        for case, username, password in (("unknown", "nobody", "not the password"), ("wrong", "li", "not the password"),
                                         ("held back", "wu", PASSWORD)):
            before = len(hasher.verified)
            answers[case] = await sign_in(client, username, password)
            assert len(hasher.verified) == before + 1, f"{case}: one real argon2 verification, no more and no less"
    assert {case: answer.status_code for case, answer in answers.items()} == {"unknown": 400, "wrong": 400, "held back": 400}
    assert as_seen(answers["unknown"].text) == as_seen(answers["wrong"].text) == as_seen(answers["held back"].text)
    assert "用户名或密码不正确" in answers["unknown"].text
    assert len(set(hasher.verified)) == 1  # against a hash of the same cost each time (the same m, t and p)


async def test_after_a_strangers_flood_the_officer_gets_in_once_the_wait_is_over_and_is_told_by_email(
        core, settings, smtp_server):  # noqa: F811
    from intake.staff.staff import set_staff_email

    mailbox, port = smtp_server
    await make_staff(core, "li", "coordinator", COORDINATION, language="en")
    secret = await enrol(core, "li")
    await set_staff_email(core, "li", "li.na@qingshan.example.gov.cn", actor="cli")

    async with client_for(core, address=STRANGER) as stranger:
        answers = [(await sign_in(stranger, "li", f"guess number {n}")).status_code for n in range(25)]
    assert set(answers) == {400}
    async with client_for(core, address=ELSEWHERE) as officer:
        held = await sign_in(officer, "li", totp_secret=secret, core=core)
        assert held.status_code == 400  # the right password, a moment too soon: the answer any wrong one gets
        core.clock.advance(minutes=15)  # the longest wait there is
        done = await sign_in(officer, "li", totp_secret=secret, core=core)
        assert done.status_code == 303 and done.headers["location"] == "/queue"
        assert (await officer.get("/queue")).status_code == 200

    await send_the_outbox(core, settings, port)
    to_li = [message for message in mailbox.messages if message["To"] == "li.na@qingshan.example.gov.cn"]
    assert len(to_li) == 1, [m["Subject"] for m in mailbox.messages]  # one notice for the whole flood
    assert to_li[0]["Content-Language"] == "en"
    body = to_li[0].get_content()
    assert "li" in to_li[0]["Subject"] and "failed" in body and "system administrator" in body


async def test_an_officer_without_an_email_of_their_own_is_told_through_the_units_alert_address(
        core, settings, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, "email": "minzheng@donghu.example.gov.cn"} if u["code"] == LEAD_UNIT else u for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")

    async with client_for(core, address=STRANGER) as stranger:
        for n in range(10):
            await sign_in(stranger, "li", f"guess number {n}")
    await send_the_outbox(core, settings, port)

    to_unit = [message for message in mailbox.messages if message["To"] == "minzheng@donghu.example.gov.cn"]
    assert len(to_unit) == 1
    assert to_unit[0]["Content-Language"] == "zh-Hans"  # the unit's language
    assert "li" in to_unit[0]["Subject"] and "系统管理员" in to_unit[0].get_content()


async def test_a_stranger_who_never_stops_cannot_keep_the_officer_out_of_their_own_browser(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core, address=OFFICE) as own_browser:
        assert (await sign_in(own_browser, "li")).headers["location"] == "/queue"  # their usual computer
        await sign_out(own_browser)
        async with client_for(core, address=STRANGER) as stranger:
            for _minute in range(120):  # two hours of one wrong guess a minute, right as each wait ends
                await sign_in(stranger, "li", "one more guess")
                core.clock.advance(minutes=1)
        back = await sign_in(own_browser, "li")  # at once, with no wait
        assert back.status_code == 303 and back.headers["location"] == "/queue"
        assert (await own_browser.get("/queue")).status_code == 200
        # A wrong password from their own browser is still refused like any other.
        await sign_out(own_browser)
        assert (await sign_in(own_browser, "li", "not the password")).status_code == 400


async def test_the_wait_grows_per_name_and_is_never_longer_than_fifteen_minutes(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core, address=STRANGER) as stranger:
        for _ in range(40):
            await sign_in(stranger, "li", "one more guess")
            core.clock.advance(minutes=1)
    core.clock.advance(minutes=14)
    async with client_for(core, address=ELSEWHERE) as officer:
        assert (await sign_in(officer, "li")).headers["location"] == "/queue"


def test_the_waits_are_the_figures_security_md_gives():
    from datetime import timedelta

    from intake.staff.sign_in_backoff import ADDRESS, BROWSER, NAME, wait_after

    minutes = [wait_after(NAME, failures) for failures in range(1, 12)]
    assert minutes[:4] == [None] * 4
    assert minutes[4:] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]
    assert wait_after(ADDRESS, 29) is None and wait_after(ADDRESS, 30) == timedelta(minutes=1)
    assert wait_after(BROWSER, 4) is None and wait_after(BROWSER, 10 ** 6) == timedelta(minutes=15)


async def test_failures_are_forgotten_a_day_later_and_the_daily_run_sweeps_them(core):
    from sqlalchemy import func, select

    from intake.platform.models.staff import SignInBackoff, StaffSession
    from intake.admin.retention import run_retention

    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core, address=STRANGER) as stranger:
        for _ in range(6):
            await sign_in(stranger, "nobody", "one more guess")
    async with client_for(core, address=ELSEWHERE) as officer:
        await sign_in(officer, "li")
    core.clock.advance(hours=25)
    await run_retention(core)
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SignInBackoff)) == 0
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 0


async def test_the_units_telegram_group_chat_hears_of_it_through_the_bot(core, fake_telegram):  # noqa: F811
    from bot.app import make_bot
    from bot.notifier import TelegramChannel
    from tests.fake_telegram import TOKEN

    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, "telegram_chat": "-1001234567890"} if u["code"] == LEAD_UNIT else u for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core, address=STRANGER) as stranger:
        for n in range(6):
            await sign_in(stranger, "li", f"guess number {n}")
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    try:
        await Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="t").run_once()
    finally:
        await bot.session.close()
    (message,) = fake_telegram.sent_to(-1001234567890)
    assert "li" in message.text.splitlines()[0] and "系统管理员" in message.text and message.reply_markup is None
