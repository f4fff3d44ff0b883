"""The outbox dispatcher and its channels: notices reach reporters in their language, in order,
once, through failures, crashes and concurrent dispatchers; e-mail over a real SMTP server,
SMS through a real local HTTP gateway."""
from __future__ import annotations

import asyncio
import email
import json
import re
import socket
import stat
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from i18n import Translator
from intake.casework import casework
from intake.platform.clock import aware
from intake.domain.conversation import SKIP, Context
from intake.platform.core import Core
from intake.platform.db import Database
from intake.notify.delivery_report import delivery_report
from intake.notify.dispatch import Dispatcher, backoff
from intake.reporting.drafts import new_draft, save_draft
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Tip
from intake.notify.outbox import SAFETY_FOOTER, DeliveryError, Notice, render_notice, safety_footer
from intake.domain.steps import ChannelCapabilities
from intake.platform.settings import Settings
from intake.staff.staff import add_staff, get_staff
from intake.reporting.submission import submit_draft
from intake.domain.workflow import STATUS_LABELS, Status
from tests.conftest import POSTGRES_URL, database_url
from tests.walk import ANSWERS_FOR_MOTHER, walk
from tipline.channels import configured_channels
from tipline.channels.email import EmailChannel
from tipline.channels.sms import GatewaySmsChannel, LogSmsChannel

TERMINAL = ChannelCapabilities()
STATUS_PAGE_BASE = "https://tipline.example.gov.cn"
STATUS_PAGE = STATUS_PAGE_BASE + "/status"
#: The officer's path through the workflow; every step notifies the reporter.
PATH = (Status.ACCEPTED, Status.VERIFYING, Status.SUBSTANTIATED)
LINK = re.compile(r"(https?://\S+|www\.\S+)", re.IGNORECASE)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", var_dir=tmp_path, database_url=database_url(tmp_path), public_base_url=STATUS_PAGE_BASE)


# --- helpers ---------------------------------------------------------------------------------


async def make_tip(core: Core, *, language: str = "zh_Hans", owner: str = "reporter", **answers: object) -> int:
    """A tip reported through the questionnaire (named, notify yes), as the terminal channel does."""
    ctx = Context(core.deployment, core.today(), TERMINAL)
    record = await new_draft(core, "terminal", owner, language, TERMINAL)
    record.state = walk(record.state, ctx, {**ANSWERS_FOR_MOTHER, **answers})
    await save_draft(core, record)
    receipt = await submit_draft(core, record.id, TERMINAL)
    return receipt.tip_id


async def officer_for(core: Core, tip_id: int):
    async with core.db.session() as session:
        unit = (await session.get(Tip, tip_id)).lead_unit
    username = f"officer-{unit}"
    return await get_staff(core, username) or await add_staff(core, username, role="officer", unit=unit)


async def move(core: Core, tip_id: int, target: Status) -> None:
    await casework.move_tip(core, tip_id, target, staff=await officer_for(core, tip_id))


async def notifications(core: Core, tip_id: int | None = None) -> list[Notification]:
    async with core.db.session() as session:
        query = select(Notification).order_by(Notification.id)
        if tip_id is not None:
            query = query.where(Notification.tip_id == tip_id)
        return list((await session.scalars(query)).all())


def labels(language: str, *statuses: Status) -> list[str]:
    _ = Translator(language)
    return [_(STATUS_LABELS[status]) for status in statuses]


class RecordingChannel:
    """A test double: records what it is given; can be told to fail N times, fail on a pattern,
    refuse for good, or hang (a dispatcher that crashes mid-send)."""

    def __init__(self, name: str = "email") -> None:
        self.name = name
        self.sent: list[Notice] = []
        self.calls = 0
        self.fail_next = 0
        self.fail_every: int | None = None  # fail each n-th call
        self.refuse: DeliveryError | None = None
        self.down = False
        self.hang: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def send(self, notice: Notice) -> None:
        self.calls += 1
        self.started.set()
        await asyncio.sleep(0)  # let concurrent dispatchers interleave
        if self.hang is not None:
            await self.hang.wait()
        if self.refuse is not None:
            raise self.refuse
        if self.down:
            raise DeliveryError("connection refused", retry=True)
        if self.fail_next:
            self.fail_next -= 1
            raise DeliveryError("temporarily unavailable", retry=True)
        if self.fail_every and self.calls % self.fail_every == 0:
            raise DeliveryError("temporarily unavailable", retry=True)
        self.sent.append(notice)

    def by_address(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for notice in self.sent:
            found.setdefault(notice.address, []).append(notice.params["status"])
        return found


# --- a real SMTP server ----------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps every message; refuses the recipients in `refused` with 550."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_sender": "notices@tipline.example.gov.cn"})


# --- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language,tag,template,other_language_template",
    [
        ("en", "en", "Your report has been taken on by the", "您的举报已由"),
        ("zh_Hans", "zh-Hans", "您的举报已由", "Your report has been taken on by the"),
    ],
)
async def test_notices_reach_the_smtp_server_in_the_reporters_language(
    core, settings, smtp_server, language, tag, template, other_language_template,
):
    mailbox, port = smtp_server
    tip_id = await make_tip(core, language=language)
    await move(core, tip_id, Status.ACCEPTED)
    channels = {"email": EmailChannel(smtp_settings(settings, port))}
    dispatcher = Dispatcher(core, channels, worker_id="w1")

    assert await dispatcher.run_once() == 2
    assert await dispatcher.run_once() == 0  # nothing twice

    received, accepted = mailbox.messages
    _ = Translator(language)
    for message in mailbox.messages:
        assert message["To"] == ANSWERS_FOR_MOTHER["reporter_email"]
        assert message["From"] == "notices@tipline.example.gov.cn"
        assert message["Content-Language"] == tag
        assert message["Date"] and message["Message-ID"]
        assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert labels(language, Status.SUBMITTED)[0] in received["Subject"]
    assert labels(language, Status.ACCEPTED)[0] in accepted["Subject"]
    body = accepted.get_content()
    assert template in body and other_language_template not in body
    for message in mailbox.messages:
        text = message["Subject"] + "\n" + LINK.sub("", message.get_content())
        if language == "zh_Hans":  # Chinese through and through, but for the link
            assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{2,}", text), text
        else:
            assert not re.search(r"[\u4e00-\u9fff]", text), text
    for message in mailbox.messages:
        text = message.get_content()
        assert [link.rstrip(".") for link in LINK.findall(text)] == [STATUS_PAGE]  # the one link there is
        async with core.db.session() as session:
            unit = core.deployment.unit_by_code[(await session.get(Tip, tip_id)).lead_unit]
        assert _(SAFETY_FOOTER, phone=unit.phone or "12345") in text

    report = await delivery_report(core, tip_id)
    assert [(r["channel"], r["status"], r["attempts"]) for r in report] == [("email", "sent", 1), ("email", "sent", 1)]
    assert all(r["sent_at"] and r["last_error"] is None for r in report)


async def test_a_refused_recipient_is_given_up_and_a_closed_port_is_retried(core, settings, smtp_server):
    mailbox, port = smtp_server
    mailbox.refused.add("nobody@example.com")
    channel = EmailChannel(smtp_settings(settings, port))
    notice = Notice(channel="email", address="nobody@example.com", language="en", subject="s", body="b")
    with pytest.raises(DeliveryError) as refused:
        await channel.send(notice)
    assert refused.value.retry is False and "550" in str(refused.value)
    assert "nobody" not in str(refused.value)  # no personal data in the reason

    closed = EmailChannel(smtp_settings(settings, free_port()), timeout=5)
    with pytest.raises(DeliveryError) as down:
        await closed.send(notice)
    assert down.value.retry is True


# --- retries, order, leases ------------------------------------------------------------------


async def test_a_failing_channel_waits_with_backoff_then_delivers_everything_in_order_once(core, clock):
    tips = [await make_tip(core, language="en", owner=f"r{i}", reporter_email=f"r{i}@example.com") for i in range(20)]
    channel = RecordingChannel()
    channel.down = True
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1")

    assert await dispatcher.run_once() == 0
    assert channel.calls == 20  # only the head of each stream was tried
    first = await notifications(core)
    assert {n.status for n in first} == {"failed"} and {n.attempts for n in first} == {1}
    for n in first:
        wait = aware(n.next_attempt_at) - clock.now()
        assert timedelta(seconds=10) <= wait <= timedelta(seconds=11)
        assert n.last_error == "connection refused"

    clock.advance(seconds=5)
    assert await dispatcher.run_once() == 0 and channel.calls == 20  # still waiting
    clock.advance(seconds=6)
    assert await dispatcher.run_once() == 0 and channel.calls == 40  # second try, next wait ~20 s
    for n in await notifications(core):
        assert timedelta(seconds=20) <= aware(n.next_attempt_at) - clock.now() <= timedelta(seconds=22)

    # Staff keep working while the channel is down, then it comes back flaky, then well.
    for step, target in enumerate(PATH):
        for tip_id in tips:
            await move(core, tip_id, target)
        if step == 1:
            channel.down = False
            channel.fail_every = 3
        clock.advance(minutes=2)
        await dispatcher.run_once()
    channel.fail_every = None
    for _ in range(10):
        clock.advance(hours=1)
        await dispatcher.run_once()

    expected = labels("en", Status.SUBMITTED, *PATH)
    assert channel.by_address() == {f"r{i}@example.com": expected for i in range(20)}
    assert len(channel.sent) == 80
    assert {n.status for n in await notifications(core)} == {"sent"}


async def test_a_later_notice_never_overtakes_an_earlier_failing_one(core, clock):
    tip_id = await make_tip(core, language="en")
    channel = RecordingChannel()
    channel.fail_next = 3
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1")

    assert await dispatcher.run_once() == 0  # "received" fails
    await move(core, tip_id, Status.ACCEPTED)  # "accepted" is due at once
    await move(core, tip_id, Status.VERIFYING)
    for _ in range(3):
        assert await dispatcher.run_once() == 0
        clock.advance(seconds=1)
    assert channel.sent == [] and channel.calls == 1
    clock.advance(seconds=10)
    assert await dispatcher.run_once() == 0  # the second try of "received" fails too
    clock.advance(seconds=25)
    assert await dispatcher.run_once() == 0  # and the third
    assert channel.sent == [] and channel.calls == 3
    clock.advance(seconds=45)
    assert await dispatcher.run_once() == 3
    assert [n.params["status"] for n in channel.sent] == labels("en", Status.SUBMITTED, Status.ACCEPTED, Status.VERIFYING)
    report = await delivery_report(core, tip_id)
    assert [(r["status"], r["attempts"]) for r in report] == [("sent", 4), ("sent", 1), ("sent", 1)]
    assert report[0]["last_error"] == "temporarily unavailable"


async def test_a_crashed_dispatchers_lease_expires_and_another_delivers(core, clock):
    tip_id = await make_tip(core, language="en")
    stuck = RecordingChannel()
    stuck.hang = asyncio.Event()  # never set: the process dies mid-send
    crashed = asyncio.create_task(Dispatcher(core, {"email": stuck}, worker_id="a", lease_seconds=60).run_once())
    await asyncio.wait_for(stuck.started.wait(), timeout=10)
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    [n] = await notifications(core, tip_id)
    assert n.status == "sending"

    channel = RecordingChannel()
    other = Dispatcher(core, {"email": channel}, worker_id="b", lease_seconds=60)
    assert await other.run_once() == 0  # the lease still holds
    clock.advance(seconds=30)
    assert await other.run_once() == 0
    clock.advance(seconds=31)
    assert await other.run_once() == 1
    assert [x.params["status"] for x in channel.sent] == labels("en", Status.SUBMITTED)
    [row] = await delivery_report(core, tip_id)
    assert row["status"] == "sent" and row["attempts"] == 2 and "lease expired" in row["last_error"]


async def test_a_permanent_failure_is_dead_and_the_stream_goes_on(core, clock):
    tip_id = await make_tip(core, language="en")
    channel = RecordingChannel()
    channel.refuse = DeliveryError("smtp 550: recipient refused", retry=False)
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1")
    assert await dispatcher.run_once() == 0
    clock.advance(hours=2)
    assert await dispatcher.run_once() == 0 and channel.calls == 1  # never tried again
    [row] = await delivery_report(core, tip_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("dead", 1, "smtp 550: recipient refused")

    channel.refuse = None  # a later notice is not held back by a dead one
    await move(core, tip_id, Status.ACCEPTED)
    assert await dispatcher.run_once() == 1
    assert [(r["status"]) for r in await delivery_report(core, tip_id)] == ["dead", "sent"]


async def test_too_many_failures_end_dead(core, clock):
    tip_id = await make_tip(core, language="en")
    channel = RecordingChannel()
    channel.down = True
    dispatcher = Dispatcher(core, {"email": channel}, worker_id="w1", max_attempts=4)
    for _ in range(10):
        await dispatcher.run_once()
        clock.advance(hours=1)
    assert channel.calls == 4
    [row] = await delivery_report(core, tip_id)
    assert (row["status"], row["attempts"]) == ("dead", 4)


def test_backoff_doubles_from_ten_seconds_up_to_an_hour():
    waits = [backoff(n).total_seconds() for n in range(1, 15)]
    assert 10 <= waits[0] <= 11 and 20 <= waits[1] <= 22 and 40 <= waits[2] <= 44
    assert all(later >= earlier * 0.9 for earlier, later in zip(waits, waits[1:]))
    assert max(waits) == waits[-1] == 3600


async def test_a_channel_that_is_not_configured_waits_without_counting_attempts(core):
    tip_id = await make_tip(core, language="en")
    assert await Dispatcher(core, {}, worker_id="w1").run_once() == 0
    assert await Dispatcher(core, {"sms": RecordingChannel("sms")}, worker_id="w1").run_once() == 0
    [row] = await delivery_report(core, tip_id)
    assert (row["status"], row["attempts"]) == ("pending", 0)
    channel = RecordingChannel()
    assert await Dispatcher(core, {"email": channel}, worker_id="w1").run_once() == 1


async def test_a_notice_with_no_one_left_to_tell_is_dead_with_the_reason(core):
    tip_id = await make_tip(core, language="en")
    async with core.db.transaction() as session:
        (await session.get(Tip, tip_id)).notify = False  # the reporter asked for no more notices
    channel = RecordingChannel()
    assert await Dispatcher(core, {"email": channel}, worker_id="w1").run_once() == 0
    assert channel.calls == 0
    [row] = await delivery_report(core, tip_id)
    assert (row["status"], row["last_error"]) == ("dead", "no address")


async def test_run_forever_delivers_until_stopped(core):
    await make_tip(core, language="en")
    channel = RecordingChannel()
    stop = asyncio.Event()
    task = asyncio.create_task(Dispatcher(core, {"email": channel}, worker_id="w1").run_forever(stop, idle_seconds=0.01))
    for _ in range(500):
        if channel.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(channel.sent) == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="two dispatchers claiming concurrently need PostgreSQL (TIPLINE_TEST_DATABASE_URL)")
async def test_two_dispatchers_on_postgresql_never_send_the_same_notice_twice(core, clock):
    tips = [await make_tip(core, language="en", owner=f"r{i}", reporter_email=f"r{i}@example.com") for i in range(12)]
    cores = [Core(db=Database(POSTGRES_URL), keys=core.keys, deployment=core.deployment, settings=core.settings, clock=clock) for _ in range(2)]
    channel = RecordingChannel()
    channel.fail_every = 5
    dispatchers = [Dispatcher(c, {"email": channel}, worker_id=f"w{i}", batch=4) for i, c in enumerate(cores)]
    try:
        for target in (None, *PATH):
            if target is not None:
                for tip_id in tips:
                    await move(core, tip_id, target)
            for _ in range(3):
                await asyncio.gather(*(d.run_once() for d in dispatchers))
                clock.advance(minutes=5)
        channel.fail_every = None
        for _ in range(5):
            clock.advance(hours=1)
            await asyncio.gather(*(d.run_once() for d in dispatchers))
    finally:
        for c in cores:
            await c.db.dispose()
    expected = labels("en", Status.SUBMITTED, *PATH)
    assert channel.by_address() == {f"r{i}@example.com": expected for i in range(12)}
    assert len(channel.sent) == 48
    assert {n.status for n in await notifications(core)} == {"sent"}


# --- SMS -------------------------------------------------------------------------------------


class Gateway:
    """A real local HTTP server standing in for an SMS gateway: records each request, answers
    with `status`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/sms/send"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append({"line": request_line, "headers": headers, "raw": body, "json": json.loads(body)})
        reply = b'{"ok": true}' if self.status < 400 else b'{"ok": false}'
        writer.write(
            f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nContent-Length: {len(reply)}\r\nConnection: close\r\n\r\n".encode()
            + reply
        )
        await writer.drain()
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def gateway():
    server = Gateway()
    url = await server.start()
    yield server, url
    await server.stop()


def gateway_settings(settings: Settings, url: str, **more: object) -> Settings:
    return settings.model_copy(update={
        "sms_backend": "gateway", "sms_gateway_url": url, "sms_gateway_key": "secret-key",
        "sms_templates": {"status_update": "SMS_480215"}, **more,
    })


async def test_the_sms_gateway_gets_a_template_code_and_parameters_never_free_text(core, settings, gateway):
    server, url = gateway
    tip_id = await make_tip(core, language="zh_Hans", reporter_email=SKIP)  # a phone, no e-mail: SMS
    await move(core, tip_id, Status.ACCEPTED)
    channels = configured_channels(gateway_settings(settings, url), settings.var_dir)
    assert isinstance(channels["sms"], GatewaySmsChannel) and "email" not in channels
    assert await Dispatcher(core, channels, worker_id="w1").run_once() == 2

    assert [r["line"] for r in server.requests] == ["POST /sms/send HTTP/1.1"] * 2
    for request in server.requests:
        assert request["headers"]["authorization"] == "Bearer secret-key"
        assert request["headers"]["content-type"] == "application/json"
        assert set(request["json"]) == {"to", "template_code", "params"}
        assert request["json"]["template_code"] == "SMS_480215"
        assert request["json"]["to"].replace(" ", "").replace("-", "").endswith("13900139000")
        assert set(request["json"]["params"]) == {"date", "status"}
        raw = request["raw"].decode()
        assert "您的举报已由" not in raw and "12345" not in raw  # the body's text never goes out
    assert [r["json"]["params"]["status"] for r in server.requests] == labels("zh_Hans", Status.SUBMITTED, Status.ACCEPTED)


async def test_the_sms_gateway_errors_decide_whether_to_retry(settings, gateway):
    server, url = gateway
    notice = Notice(channel="sms", address="13900139000", language="en", subject="s", body="b", params={"status": "Received"})
    channel = GatewaySmsChannel(gateway_settings(settings, url))
    for status, retry in ((500, True), (503, True), (429, True), (400, False), (401, False)):
        server.status = status
        with pytest.raises(DeliveryError) as failed:
            await channel.send(notice)
        assert failed.value.retry is retry and str(status) in str(failed.value)
    server.status = 200
    await channel.send(notice)

    unmapped = GatewaySmsChannel(gateway_settings(settings, url, sms_templates={}))
    with pytest.raises(DeliveryError) as no_template:
        await unmapped.send(notice)
    assert no_template.value.retry is False
    await server.stop()
    with pytest.raises(DeliveryError) as unreachable:
        await channel.send(notice)
    assert unreachable.value.retry is True


async def test_the_sms_log_writes_one_line_per_message(core, settings, tmp_path):
    tip_id = await make_tip(core, language="en", reporter_email=SKIP)
    channels = configured_channels(settings, tmp_path)
    assert isinstance(channels["sms"], LogSmsChannel)
    assert await Dispatcher(core, channels, worker_id="w1").run_once() == 1
    [line] = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert stat.S_IMODE((tmp_path / "sms.jsonl").stat().st_mode) == 0o600  # phone numbers: the owner's only
    logged = json.loads(line)
    assert logged["template"] == "status_update" and logged["language"] == "en"
    assert logged["params"]["status"] == labels("en", Status.SUBMITTED)[0]
    assert logged["to"].replace(" ", "").replace("-", "").endswith("13900139000")
    assert (await delivery_report(core, tip_id))[0]["status"] == "sent"


def test_configured_channels_follow_the_settings(settings, tmp_path):
    assert set(configured_channels(settings, tmp_path)) == {"sms"}
    with_smtp = settings.model_copy(update={"smtp_host": "mail.example.gov.cn"})
    assert isinstance(configured_channels(with_smtp, tmp_path)["email"], EmailChannel)
    no_url = settings.model_copy(update={"sms_backend": "gateway"})
    assert "sms" not in configured_channels(no_url, tmp_path)  # unconfigured: SMS notices wait
    production = settings.model_copy(update={"env": "production"})
    assert "sms" not in configured_channels(production, tmp_path)  # the demo log never holds real numbers


async def test_the_english_footer_of_a_notice_says_plainly_whom_to_call_to_check_it(core):
    """Issue 17, item 8: "If you are unsure whether this notice is real, call 12345 or …" read
    stiffly, and said "12345 or 12345" for a unit with no number of its own."""
    tip_id = await make_tip(core, language="en")
    await move(core, tip_id, Status.ACCEPTED)
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        unit = core.deployment.unit_by_code[tip.lead_unit]
        rows = (await session.scalars(select(Notification).where(Notification.tip_id == tip_id, Notification.channel == "email")
                                      .order_by(Notification.id))).all()
        notices = [await render_notice(core, session, row) for row in rows]
    assert len(notices) == 2 and unit.phone
    footer = ("We will never ask you for money, bank card numbers, passwords or verification codes. "
              f"If you are not sure this message is really from us, call {unit.phone} or the government service hotline 12345.")
    for notice in notices:
        assert footer in notice.body.split("\n\n"), notice.body
    # A unit with no number of its own: the hotline, once.
    assert safety_footer(Translator("en"), "12345").endswith("call the government service hotline 12345.")
    assert "12345 or" not in safety_footer(Translator("en"), "12345")
    assert "12345 或" not in safety_footer(Translator("zh_Hans"), "12345")
