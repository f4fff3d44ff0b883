"""The e-mail subscription on the public site (issue #18, item 1): the small form on /warnings
(CSRF, rate limit, bad input said in the reader's language with what they typed kept), the
confirmation link (double opt-in: a page with a button, never the GET alone), and the one-click
unsubscribe in every mail and its List-Unsubscribe header."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from intake.notify.dispatch import Dispatcher
from intake.platform.models.prevention import WarningSubscription
from intake.prevention.subscriptions import SUBSCRIBING
from tests.test_outbox import RecordingChannel
from tests.warning_support import COUNTY, a_published_warning
from tests.webclient import text_of, token_of, web_client
from tipline.channels.email import EmailChannel

LINK = re.compile(r"http://testserver/warnings/(confirm|unsubscribe)\?t=([\w-]+)")


async def subscribe(client, **fields):
    page = await client.get("/warnings")
    return await client.post("/warnings/subscribe", data={"csrf": token_of(page.text), "email": "amala@example.com",
                                                          "county": COUNTY, "language": "bo", **fields})


async def subscriptions(core) -> list[WarningSubscription]:
    async with core.db.session() as session:
        return list((await session.scalars(select(WarningSubscription))).all())


async def test_an_address_hears_of_new_warnings_only_once_it_confirmed_and_stops_with_one_click(core, settings):
    mail = RecordingChannel("email")
    outbox = Dispatcher(core, {"email": mail}, worker_id="w")
    async with web_client(core, language="en") as client:
        sent = await subscribe(client)
        assert sent.status_code == 200
        assert "we have sent a link to your e-mail address" in text_of(sent.text) and "Donghu County" in text_of(sent.text)
        await a_published_warning(core)  # before the confirmation: not for this address yet
        await outbox.run_once()
        [confirmation] = mail.sent
        assert confirmation.language == "bo" and "ཏུང་ཧུའུ་རྫོང" in confirmation.subject
        kind, token = LINK.search(confirmation.body).groups()
        assert kind == "confirm"
        async with web_client(core) as her_phone:  # the link opens the page in the language she chose
            link = re.search(r"http://testserver/warnings/confirm\S+", confirmation.body).group(0)
            assert link.endswith("&lang=bo")
            page = await her_phone.get(link, follow_redirects=True)
            assert '<html lang="bo"' in page.text and page.url.params.get("t") == token

        opened = await client.get(f"/warnings/confirm?t={token}")  # what a mail scanner does, too: changes nothing
        assert "Yes, send me new warnings" in text_of(opened.text)
        assert [s.status for s in await subscriptions(core)] == ["pending"]
        confirmed = await client.post("/warnings/confirm", data={"t": token})
        assert "you will receive new warnings about Donghu County by e-mail" in text_of(confirmed.text)

        await a_published_warning(core, writer="b1", approver="b2")
        await outbox.run_once()
        warning = mail.sent[-1]
        assert len(mail.sent) == 2 and warning.template == "warning"
        message = EmailChannel(settings).message(warning)
        assert message["List-Unsubscribe"] == f"<{warning.unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        kind, stop = LINK.search(warning.unsubscribe).groups()
        assert kind == "unsubscribe" and warning.unsubscribe in warning.body

        await a_published_warning(core, writer="c1", approver="c2")  # queued, then the person opts out
        page = await client.get(f"/warnings/unsubscribe?t={stop}")
        assert "Stop these e-mails" in text_of(page.text) and len(await subscriptions(core)) == 1
        # The mail client's own one-click: a POST to the header's address, no cookie, no form token.
        async with web_client(core) as mail_client:
            gone = await mail_client.post(warning.unsubscribe, data={"List-Unsubscribe": "One-Click"})
        assert gone.status_code == 200 and await subscriptions(core) == []
        await outbox.run_once()
        assert len(mail.sent) == 2  # the notice already queued was not sent
        again = await client.get(f"/warnings/confirm?t={token}")
        assert again.status_code == 404 and "does not work any more" in text_of(again.text)


async def test_bad_input_is_said_in_the_readers_language_with_what_she_typed(core):
    async with web_client(core, language="en") as client:
        bad = await subscribe(client, email="amala@example", county="")
        spaced = await subscribe(client, email="amala @ example.com")
        long = await subscribe(client, email="a" * 280 + "@example.com", county="999999")
    assert bad.status_code == 400
    words = text_of(bad.text)
    assert "There is a problem" in words and "It should look like name@example.com" in words
    assert "Choose the county you want to hear about." in words
    assert 'value="amala@example"' in bad.text and 'href="#sub-email"' in bad.text
    assert "We removed them" in text_of(spaced.text) and 'value="amala@example.com"' in spaced.text
    assert long.status_code == 400 and "the most is 254" in text_of(long.text)
    assert await subscriptions(core) == []
    async with web_client(core, language="zh_Hans") as client:
        chinese = await subscribe(client, county="nowhere")
    async with web_client(core, language="bo") as client:
        tibetan = await subscribe(client, county="nowhere")
    assert "请选择您要订阅预警的县。" in text_of(chinese.text)
    assert "ཉེན་བརྡ་ཐོབ་འདོད་པའི་རྫོང་འདེམས་རོགས།" in text_of(tibetan.text)


async def test_the_form_needs_its_token_and_is_rate_limited(core):
    async with web_client(core, language="en") as client:
        forged = await client.post("/warnings/subscribe", data={"email": "amala@example.com", "county": COUNTY})
        assert forged.status_code == 200 and 'value="amala@example.com"' in forged.text
        assert await subscriptions(core) == []
        for i in range(SUBSCRIBING.count):
            assert (await subscribe(client, email=f"p{i}@example.com")).status_code == 200
        refused = await subscribe(client, email="one-more@example.com")
    assert refused.status_code == 429 and "try again in an hour" in text_of(refused.text)
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(WarningSubscription)) == SUBSCRIBING.count


async def test_asking_again_sends_no_second_mail_within_the_hour_and_tells_no_one_who_subscribed(core):
    mail = RecordingChannel("email")
    outbox = Dispatcher(core, {"email": mail}, worker_id="w")
    async with web_client(core, language="en") as client:
        first = await subscribe(client)
        second = await subscribe(client)
    await outbox.run_once()
    assert len(mail.sent) == 1
    assert text_of(first.text) == text_of(second.text)
