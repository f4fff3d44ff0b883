"""Replies the reporter can read: an officer's own words without a translation into the
reporter's language wait in the needs-translation queue; a bilingual colleague translates them
and the reporter reads them in English. The reporter's own words get a Chinese translation,
marked with who made it."""
from __future__ import annotations

from sqlalchemy import select

from intake.casework.casework import move_tip, reporter_reply
from intake.notify.dispatch import SENT
from intake.domain.messages import PublicMessage
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import StatusEvent, Tip
from intake.notify.outbox import render_notice
from intake.reporting.tips import public_view
from intake.casework.translations import messages_to_translate, words_to_translate
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


async def notifications(core, tip_id: int) -> list[Notification]:
    async with core.db.session() as session:
        return list((await session.scalars(select(Notification).where(Notification.tip_id == tip_id).order_by(Notification.id))).all())


async def test_a_question_in_chinese_waits_for_translation_and_the_reporter_reads_it_in_english(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "emma", "officer", LEAD_UNIT, language="en")
    receipt = await file_tip(core, language="en")
    tip_id = receipt.tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)
    question = f"您办卡时拿到收据了吗？{SCRIPT}"
    await move_tip(core, tip_id, "needs_info", staff=officer, public=PublicMessage(text=question, language="zh_Hans"))
    chinese_only = (await public_view(core, receipt.code)).entries[-1]
    assert chinese_only.message == question and chinese_only.from_officer

    async with client_for(core) as client:
        await sign_in(client, "emma")
        queue = await client.get("/translations")
        assert queue.status_code == 200 and f'href="/tips/{tip_id}"' in queue.text
        assert ESCAPED in queue.text and SCRIPT not in queue.text and 'lang="zh-Hans"' in queue.text
        event_id = int(queue.text.split('name="event_id" value="')[1].split('"')[0])
        linked = await client.post(f"/tips/{tip_id}/translate/message", data={
            "csrf": csrf_of(queue.text), "event_id": str(event_id), "language": "en", "text": "See www.example.com", "back": "queue"})
        assert linked.status_code == 400 and "cannot contain links" in linked.text
        saved = await client.post(f"/tips/{tip_id}/translate/message", data={
            "csrf": csrf_of(queue.text), "event_id": str(event_id), "language": "en",
            "text": "Did you get a receipt when you bought the card?", "back": "queue"})
        assert saved.status_code == 303 and saved.headers["location"] == "/translations"
        queue = await client.get("/translations")
    assert f'href="/tips/{tip_id}"' not in queue.text

    view = await public_view(core, receipt.code)
    assert view.language == "en" and view.entries[-1].message == "Did you get a receipt when you bought the card?"
    assert view.entries[-1].from_officer  # framed "the officer writes:" on the status page
    # The notice had not gone out yet: the one waiting now carries the translation, and no second is queued.
    waiting = await notifications(core, tip_id)
    async with core.db.session() as session:
        body = (await render_notice(core, session, waiting[-1])).body
    assert "The officer writes: Did you get a receipt when you bought the card?" in body
    assert len([n for n in waiting if n.event_id == event_id]) == 1
    async with core.db.session() as session:
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "translation.public"))
    assert (audit.actor, audit.tip_id, audit.detail) == ("emma", tip_id, {"event_id": event_id, "language": "en"})
    assert await messages_to_translate(core, officer) == ([], None)


async def test_a_notice_already_sent_untranslated_is_sent_again_once_translated(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core, language="en")).tip_id
    event = await move_tip(core, tip_id, "declined", staff=officer, public=PublicMessage(text="此事属于消费纠纷，请拨打12345。", language="zh_Hans"))
    async with core.db.transaction() as session:
        for row in (await session.scalars(select(Notification).where(Notification.tip_id == tip_id))).all():
            row.status = SENT
    before = len(await notifications(core, tip_id))
    from intake.casework.translations import translate_public_message
    await translate_public_message(core, officer, tip_id, event.id, "en", "This is a consumer dispute: please call 12345.")
    after = await notifications(core, tip_id)
    assert len(after) == before + 1 and after[-1].event_id == event.id and after[-1].status == "pending"


async def test_a_colleague_translates_the_reporters_tibetan_words_into_chinese(core):
    await make_staff(core, "dorje", "officer", LEAD_UNIT)
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core, language="bo", description=f"རྒན་ཁང་གིས་ཁ་ཡ་བྱས། {SCRIPT}")).tip_id
    assert [w.tip_id for w in (await words_to_translate(core, officer))[0]] == [tip_id]
    async with client_for(core) as client:
        await sign_in(client, "dorje")
        queue = await client.get("/translations")
        assert f'href="/tips/{tip_id}/translate"' in queue.text
        page = await client.get(f"/tips/{tip_id}/translate")
        assert page.status_code == 200 and ESCAPED in page.text and SCRIPT not in page.text and '<blockquote lang="bo">' in page.text
        saved = await client.post(f"/tips/{tip_id}/translate/words", data={
            "csrf": csrf_of(page.text), "part": "description", "text": f"养老院答应了。{SCRIPT}"})
        assert saved.status_code == 303
        page = await client.get(saved.headers["location"])
        assert "dorje" in page.text and "已完成：翻译已保存" in page.text
    assert (await words_to_translate(core, officer))[0] == []

    message = await reporter_reply(core, tip_id, "ཁོང་ཚོས་ཡང་ཁ་པར་བཏང་།", language="bo")
    assert [w.tip_id for w in (await words_to_translate(core, officer))[0]] == [tip_id]  # a new reply waits
    async with client_for(core) as client:
        await sign_in(client, "dorje")
        page = await client.get(f"/tips/{tip_id}/translate")
        wrong = await client.post(f"/tips/{tip_id}/translate/words", data={"csrf": csrf_of(page.text), "part": "reply:999", "text": "x"})
        assert wrong.status_code == 400
        await client.post(f"/tips/{tip_id}/translate/words", data={
            "csrf": csrf_of(page.text), "part": f"reply:{message.id}", "text": "他们又打电话来了。"})
    async with client_for(core) as client:
        await sign_in(client, "li")
        tip_page = await client.get(f"/tips/{tip_id}")
    assert "发生了什么，由 dorje 翻译：" in tip_page.text and "他们又打电话来了。" in tip_page.text
    assert ESCAPED in tip_page.text and SCRIPT not in tip_page.text
    assert (await words_to_translate(core, officer))[0] == []
    async with core.db.session() as session:
        stored = (await session.get(Tip, tip_id)).reporter_words_translation
        audits = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "translation.reporter_words"))).all()
    assert stored["description"]["zh_Hans"]["by"] == "dorje" and stored["replies_upto"] == message.id
    assert [a.detail["part"] for a in audits] == ["description", f"reply:{message.id}"]


async def test_translators_see_only_their_scope_and_auditors_translate_nothing(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "other", "officer", "990122-civil_affairs")
    auditor = await make_staff(core, "audit", "auditor", None)
    tip_id = (await file_tip(core, language="en")).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)
    await move_tip(core, tip_id, "needs_info", staff=officer, public=PublicMessage(text="请问是哪一天？", language="zh_Hans"))
    assert await messages_to_translate(core, auditor) == ([], None)
    async with client_for(core) as client:
        await sign_in(client, "other")
        assert f"/tips/{tip_id}" not in (await client.get("/translations")).text
        assert (await client.get(f"/tips/{tip_id}/translate")).status_code == 404
        page = await client.get("/translations")
        refused = await client.post(f"/tips/{tip_id}/translate/words", data={"csrf": csrf_of(page.text), "part": "description", "text": "x"})
        assert refused.status_code == 404
    async with core.db.session() as session:
        events = (await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id))).all()
        refusals = (await session.scalars(select(AuditEvent).where(AuditEvent.actor == "other"))).all()
    assert not any((e.public_message or {}).get("translations") for e in events)
    assert {a.action for a in refusals} - {"staff.sign_in"} == {"refused:translate"}
