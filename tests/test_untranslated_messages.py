"""An officer's own words to a reporter who reads another language: the command line and the
console warn and offer the reply templates; words sent anyway reach the reporter with a note in
their language that a translation will follow and whom to call, and wait in the translations
queue, which shows how long they have waited."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.notify.outbox import render_notice
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import StatusEvent, Tip
from intake.reporting.tips import public_view
from tests.cli import run_tipline
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip
from tests.webclient import token_of, web_client

QUESTION = "您买的保健品叫什么名字？"
# "A translation will follow" in Tibetan, as the bo catalog words it.
TO_FOLLOW_BO = "ཡིག་སྒྱུར་རྗེས་སུ་ཡོང་"


async def tipline(core, *args: str):
    env = {"TIPLINE_VAR_DIR": str(core.settings.var_dir), "TIPLINE_DATABASE_URL": core.settings.resolved_database_url}
    return await asyncio.to_thread(run_tipline, *args, env=env)


async def events_of(core, tip_id: int) -> list[StatusEvent]:
    async with core.db.session() as session:
        return list((await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id).order_by(StatusEvent.id))).all())


async def status_of(core, tip_id: int) -> str:
    async with core.db.session() as session:
        return (await session.get(Tip, tip_id)).status


async def test_the_command_line_warns_and_offers_the_templates_before_chinese_words_go_to_a_tibetan_reader(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core, language="bo")).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)

    warned = await tipline(core, "tips", "move", str(tip_id), "declined", "--as", "li", "--public", "这不属于养老诈骗。")
    assert warned.returncode == 1
    assert "The reporter reads བོད་ཡིག, and your message has no translation into it." in warned.stdout
    assert "declined:" in warned.stdout and "declined_elsewhere:" in warned.stdout  # the templates of the step
    assert "%(" not in warned.stdout  # filled in as they would be sent: the unit's own number
    assert f"call {core.deployment.unit_phone(LEAD_UNIT)} or 12345" in warned.stdout
    assert "--send-untranslated" in warned.stdout
    assert await status_of(core, tip_id) == "accepted"  # nothing was sent

    # A translation into the reporter's language needs no warning.
    translated = await tipline(core, "tips", "move", str(tip_id), "verifying", "--as", "li", "--public", "我们开始核查。",
                               "--translation", "bo=ང་ཚོས་ཞིབ་བཤེར་འགོ་ཚུགས།")
    assert translated.returncode == 0, translated.stdout + translated.stderr

    asked = await tipline(core, "tips", "move", str(tip_id), "needs_info", "--as", "li", "--public", QUESTION)
    assert asked.returncode == 1 and "བོད་ཡིག" in asked.stdout and "--translation LANG=TEXT" in asked.stdout
    sent = await tipline(core, "tips", "move", str(tip_id), "needs_info", "--as", "li", "--public", QUESTION, "--send-untranslated")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert (await events_of(core, tip_id))[-1].public_message["text"] == QUESTION


async def test_the_console_warns_keeps_the_words_and_sends_them_only_when_confirmed(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)  # writes in Chinese
    tip_id = (await file_tip(core, language="bo")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = await client.get(f"/tips/{tip_id}")
        assert "举报人读的是 བོད་ཡིག" in page.text  # warned before writing
        moved = await client.post(f"/tips/{tip_id}/move", data={
            "csrf": csrf_of(page.text), "version": page.text.split('name="version" value="')[1].split('"')[0],
            "target": "accepted", "template": "free", "text": "您的举报我们已经受理。"})
        assert moved.status_code == 400
        assert "举报人读的是 བོད་ཡིག，您的消息没有翻译成这种语言。" in moved.text
        assert "您的举报我们已经受理。</textarea>" in moved.text  # the words are kept to send or change
        assert 'name="template" value="accepted">' in moved.text  # the reply templates are offered beside them,
        assert 'name="template" value="free" checked>' in moved.text  # with the officer's own words still chosen
        assert await status_of(core, tip_id) == "submitted"

        confirmed = await client.post(f"/tips/{tip_id}/move", data={
            "csrf": csrf_of(moved.text), "version": moved.text.split('name="version" value="')[1].split('"')[0],
            "target": "accepted", "template": "free", "text": "您的举报我们已经受理。", "untranslated_ok": "1"})
        assert confirmed.status_code == 303, confirmed.text
    assert await status_of(core, tip_id) == "accepted"
    assert (await events_of(core, tip_id))[-1].public_message == {"text": "您的举报我们已经受理。", "language": "zh_Hans", "translations": {}}


async def test_a_tibetan_reporter_is_told_a_translation_will_follow_and_whom_to_call(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    receipt = await file_tip(core, language="bo")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    event = await move_tip(core, receipt.tip_id, "needs_info", staff=officer, public=PublicMessage(text=QUESTION, language="zh_Hans"))
    phone = core.deployment.unit_phone(LEAD_UNIT)

    async with core.db.session() as session:
        notification = await session.scalar(select(Notification).where(Notification.event_id == event.id))
        body = (await render_notice(core, session, notification)).body
    assert QUESTION in body
    assert TO_FOLLOW_BO in body and phone in body and "12345" in body
    entry = (await public_view(core, receipt.code)).entries[-1]
    assert entry.message == QUESTION and TO_FOLLOW_BO in entry.translation_note and phone in entry.translation_note
    async with web_client(core, language="bo") as client:  # the status page, and a partner's app
        form = await client.get("/status")
        page = (await client.post("/status", data={"csrf": token_of(form.text), "code": receipt.code})).text
        timeline = (await client.get(f"/api/v1/reports/{receipt.code}?lang=bo")).json()["timeline"]
    assert QUESTION in page and f'<p class="translation-note">{entry.translation_note}</p>' in page
    assert timeline[-1]["message"] == QUESTION and timeline[-1]["translation_note"] == entry.translation_note

    # Once translated, the note is gone.
    from intake.casework.translations import translate_public_message
    await translate_public_message(core, officer, receipt.tip_id, event.id, "bo", "ཁྱེད་ཀྱིས་ཉོས་པའི་བདེ་ཐང་སྲུང་སྐྱོང་ཐོན་རྫས་ཀྱི་མིང་ག་རེ་ཡིན།")
    entry = (await public_view(core, receipt.code)).entries[-1]
    assert entry.translation_note == "" and entry.message.startswith("ཁྱེད་ཀྱིས་ཉོས་པའི་")


async def test_the_translations_queue_shows_how_long_each_message_has_waited(core, clock):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core, language="bo")).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)
    await move_tip(core, tip_id, "needs_info", staff=officer, public=PublicMessage(text=QUESTION, language="zh_Hans"))
    for wait, shown in (({"hours": 3}, "waiting for 3 hours"), ({"days": 2}, "waiting for 2 days")):
        clock.advance(**wait)
        async with client_for(core) as client:
            await sign_in(client, "li")
            queue = await client.get("/translations")
        assert QUESTION in queue.text and shown in queue.text


REASON = "需要向银行调取转账记录。"
REASON_BO = "དངུལ་ཁང་ནས་དངུལ་སྤོའི་ཟིན་ཐོ་ལེན་དགོས།"


async def test_an_extensions_reason_in_chinese_waits_for_its_tibetan_translation_like_any_officers_words(core):
    from intake.casework.casework import extend_deadline
    from intake.casework.translations import messages_to_translate, translate_public_message

    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    lead = await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    receipt = await file_tip(core, language="bo")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    event = await extend_deadline(core, receipt.tip_id, 20, staff=lead, reason="bank records", public_reason=REASON,
                                  public_language="zh_Hans")
    entry = (await public_view(core, receipt.code)).entries[-1]
    assert REASON in entry.message and "20" in entry.message and TO_FOLLOW_BO in entry.translation_note
    waiting, _next = await messages_to_translate(core, officer)
    assert [(m.tip_id, m.text, m.reporter_language) for m in waiting] == [(receipt.tip_id, REASON, "bo")]

    await translate_public_message(core, officer, receipt.tip_id, event.id, "bo", REASON_BO)
    entry = (await public_view(core, receipt.code)).entries[-1]
    assert REASON_BO in entry.message and REASON not in entry.message and entry.translation_note == ""
    assert (await messages_to_translate(core, officer))[0] == []
    async with core.db.session() as session:  # the notice, not sent yet, goes in Tibetan
        notice = await session.scalar(select(Notification).where(Notification.event_id == event.id))
        body = (await render_notice(core, session, notice)).body
    assert REASON_BO in body and REASON not in body and TO_FOLLOW_BO not in body


async def test_an_extension_written_with_its_translation_needs_no_warning_in_the_console_or_the_command_line(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    tip_id = (await file_tip(core, language="bo")).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "wang")
        page = await client.get(f"/tips/{tip_id}")
        form = {"csrf": csrf_of(page.text), "version": page.text.split('name="version" value="')[1].split('"')[0],
                "days": "20", "reason": "bank records", "public_reason": REASON}
        refused = await client.post(f"/tips/{tip_id}/extend", data=form)
        assert refused.status_code == 400 and "举报人读的是 བོད་ཡིག，您的消息没有翻译成这种语言。" in refused.text
        assert f"{REASON}</textarea>" in refused.text and 'value="20"' in refused.text  # kept to translate or send
        extended = await client.post(f"/tips/{tip_id}/extend", data={**form, "csrf": csrf_of(refused.text), "tr_bo": REASON_BO})
        assert extended.status_code == 303, extended.text
    message = (await events_of(core, tip_id))[-1].public_message
    assert message["template"] == "extended" and message["translations"] == {"bo": REASON_BO}

    other = (await file_tip(core, language="bo")).tip_id
    await move_tip(core, other, "accepted", staff=officer)
    warned = await tipline(core, "tips", "extend", str(other), "10", "--as", "wang", "--reason", "r", "--public-reason", REASON)
    assert warned.returncode == 1 and "བོད་ཡིག" in warned.stdout and "--send-untranslated" in warned.stdout
    assert "extended:" not in warned.stdout  # no reply template is offered for an extension
    done = await tipline(core, "tips", "extend", str(other), "10", "--as", "wang", "--reason", "r", "--public-reason", REASON,
                         "--translation", f"bo={REASON_BO}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (await events_of(core, other))[-1].public_message["translations"] == {"bo": REASON_BO}
