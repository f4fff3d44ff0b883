"""Warnings and typical cases in the core (issue #18, item 1): the form's checks (the staff
messages' rules for free text; scam numbers and addresses in their own fields), the two-person
publishing with its confirmation, translations waiting for a second coordinator, withdrawal at
once, the last day shown, and the audit of every step and refusal."""
from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select

from i18n import Translator
from intake.domain.refusals import describe
from intake.domain.warnings import address_not_to_open, number_not_to_call, read_address, read_number
from intake.domain.answers.invalid import Invalid
from intake.platform.models.staff import AuditEvent
from intake.prevention.public import published_warning, published_warnings
from intake.prevention.warnings import (
    FormErrors, WarningRefused, approve_warning, create_warning, edit_warning, propose_warning, reject_warning,
    translate_warning, withdraw_warning,
)
from intake.staff.staff import get_staff
from tests.factories import staff
from tests.warning_support import (
    BO_BODY, BO_TITLE, COUNTY, EN_BODY, EN_TITLE, OTHER_COUNTY, ZH_BODY, ZH_TITLE, a_form, a_published_warning,
    coordinators,
)


async def audit_actions(core) -> list[str]:
    async with core.db.session() as session:
        return [action for action in (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
                if "warning." in action]


async def test_a_warning_needs_a_second_coordinator_who_confirms_nothing_identifies_anyone(core):
    zhou, qian = await coordinators(core, "zhou", "qian")
    warning = await create_warning(core, zhou, a_form(today=core.today()))
    assert await published_warnings(core, "zh_Hans") == []
    await propose_warning(core, zhou, warning.id)
    assert await published_warnings(core, "zh_Hans") == []  # proposed is not public

    with pytest.raises(WarningRefused) as own:
        await approve_warning(core, zhou, warning.id, nothing_identifies=True)
    assert "different coordinator" in describe(own.value, "en")
    with pytest.raises(WarningRefused) as unconfirmed:
        await approve_warning(core, qian, warning.id, nothing_identifies=False)
    assert "identifies a reporter or the person who was targeted" in describe(unconfirmed.value, "en")
    assert await published_warnings(core, "zh_Hans") == []

    published = await approve_warning(core, qian, warning.id, nothing_identifies=True)
    assert (published.status, published.approved_by) == ("published", "qian")
    [shown] = await published_warnings(core, "zh_Hans")
    assert (shown.title, shown.body) == (ZH_TITLE, ZH_BODY)
    assert shown.do_not_call == ("+8613800138000",) and shown.do_not_open == ("yanglao-bed.example/pay",)
    assert await audit_actions(core) == [
        "warning.create", "warning.propose", "refused:warning.approve", "warning.approve"]


async def test_only_coordinators_write_and_approve(core):
    [zhou] = await coordinators(core, "zhou")
    officer = await staff(core, "li", "officer", "990121-civil_affairs")
    with pytest.raises(WarningRefused):
        await create_warning(core, officer, a_form(today=core.today()))
    warning = await create_warning(core, zhou, a_form(today=core.today()))
    await propose_warning(core, zhou, warning.id)
    with pytest.raises(WarningRefused):
        await approve_warning(core, officer, warning.id, nothing_identifies=True)


async def test_a_rejected_warning_goes_back_to_its_writer_as_a_draft_with_the_reason(core):
    zhou, qian = await coordinators(core, "zhou", "qian")
    warning = await create_warning(core, zhou, a_form(today=core.today()))
    await propose_warning(core, zhou, warning.id)
    with pytest.raises(WarningRefused):
        await reject_warning(core, qian, warning.id, reason="  ")
    rejected = await reject_warning(core, qian, warning.id, reason="第二段提到了举报人的小区名")
    assert (rejected.status, rejected.rejection_reason) == ("draft", "第二段提到了举报人的小区名")
    edited = await edit_warning(core, zhou, warning.id, a_form(today=core.today(), kind="case"))
    assert edited.kind == "case"


@pytest.mark.parametrize("body,fragment", [
    ("请登录 www.yanglao-bed.example 查看", "cannot contain links"),
    ("详情见 https://t.me/fake", "cannot contain links"),
    ("骗子的电话是 138 0013 8000", "Do not call"),
    ("有问题请打 96110 或 110", None),
    ("东城县民政局电话 0999-6000100", None),
])
async def test_the_free_text_keeps_the_staff_messages_rules(core, body, fragment):
    [zhou] = await coordinators(core, "zhou")
    form = a_form(today=core.today(), texts={"zh_Hans": (ZH_TITLE, body)})
    if fragment is None:
        assert (await create_warning(core, zhou, form)).texts["zh_Hans"]["body"] == body
        return
    with pytest.raises(FormErrors) as refused:
        await create_warning(core, zhou, form)
    invalid = refused.value.errors["text_zh_Hans"]
    assert fragment in Translator("en")(invalid.message, **invalid.params)


async def test_every_field_to_fix_is_named_at_once(core):
    [zhou] = await coordinators(core, "zhou")
    form = a_form(today=core.today(), texts={"zh_Hans": ("", "")}, regions=(), category="nope", kind="x",
                  until=core.today() - datetime.timedelta(days=1), do_not_call=("110",), do_not_open=("not an address",))
    with pytest.raises(FormErrors) as refused:
        await create_warning(core, zhou, form)
    assert set(refused.value.errors) == {"kind", "category", "regions", "visible_until", "text_zh_Hans", "do_not_call", "do_not_open"}
    assert "official number" in Translator("en")(refused.value.errors["do_not_call"].message,
                                                 **refused.value.errors["do_not_call"].params)


async def test_a_county_coordinator_publishes_only_for_her_county(core):
    county = await staff(core, "wu", "coordinator", "990121-civil_affairs", language="en")
    with pytest.raises(FormErrors) as refused:
        await create_warning(core, county, a_form(today=core.today(), regions=(OTHER_COUNTY,)))
    assert "regions" in refused.value.errors


@pytest.mark.parametrize("typed,stored,shown", [
    ("138 0013 8000", "+8613800138000", "138\u20110013\u20118000"),
    ("+86 (0)10 8765 4321", "+861087654321", "010\u20118765\u20114321"),
    ("９５５８８５", "955885", "95\u20115885"),
])
def test_scam_numbers_are_read_in_any_spacing_and_shown_so_no_phone_dials_them(deployment, typed, stored, shown):
    assert read_number(typed, deployment) == stored
    assert number_not_to_call(stored) == shown


@pytest.mark.parametrize("typed,stored,shown", [
    ("https://Yanglao-Bed.example/pay/", "yanglao-bed.example/pay", "yanglao-bed[.]example/pay"),
    ("ｗｗｗ．ｆａｋｅ．ｃｎ", "www.fake.cn", "www[.]fake[.]cn"),
    ("fake.example/a.html?id=1", "fake.example/a.html?id=1", "fake[.]example/a[.]html?id=1"),
])
def test_scam_addresses_are_read_as_pasted_and_shown_so_nothing_links_them(typed, stored, shown):
    assert read_address(typed) == stored
    assert address_not_to_open(stored) == shown


@pytest.mark.parametrize("typed", ["javascript:alert(1)", "not an address", "example", "a" * 300 + ".com", "<b>.com"])
def test_a_hostile_address_is_refused(typed):
    assert isinstance(read_address(typed), Invalid)


async def test_translations_of_a_published_warning_wait_for_a_second_coordinator(core):
    await a_published_warning(core)
    [warning] = await published_warnings(core, "bo")
    assert (warning.title, warning.translated, warning.language) == (ZH_TITLE, False, "zh_Hans")
    li = await staff(core, "li", "officer", "990121-civil_affairs")
    await translate_warning(core, li, warning.id, "bo", BO_TITLE, BO_BODY)
    assert (await published_warning(core, warning.id, "bo")).translated is False  # not yet approved
    [qian] = await coordinators(core, "qian2")
    approved = await approve_warning(core, qian, warning.id, nothing_identifies=True)
    assert approved.texts["bo"] == {"title": BO_TITLE, "body": BO_BODY}
    shown = await published_warning(core, warning.id, "bo")
    assert (shown.title, shown.translated, shown.language) == (BO_TITLE, True, "bo")
    with pytest.raises(WarningRefused):
        await translate_warning(core, li, warning.id, "bo", BO_TITLE, "请访问 www.fake.cn")


async def test_a_translator_cannot_approve_her_own_translation(core):
    warning = await a_published_warning(core)
    ma, other = await coordinators(core, "ma", "ma2")
    await translate_warning(core, ma, warning.id, "en", EN_TITLE, EN_BODY)
    with pytest.raises(WarningRefused):
        await approve_warning(core, ma, warning.id, nothing_identifies=True)
    assert (await published_warning(core, warning.id, "en")).translated is False
    await approve_warning(core, other, warning.id, nothing_identifies=True)
    assert (await published_warning(core, warning.id, "en")).title == EN_TITLE


async def test_withdrawing_takes_a_warning_off_at_once_and_is_audited(core):
    warning = await a_published_warning(core)
    zhou = await get_staff(core, "zhou")
    with pytest.raises(WarningRefused):
        await withdraw_warning(core, zhou, warning.id, reason="")
    await withdraw_warning(core, zhou, warning.id, reason="骗局已换了说法")
    assert await published_warnings(core, "zh_Hans") == []
    assert await published_warning(core, warning.id, "zh_Hans") is None
    assert (await audit_actions(core))[-1] == "warning.withdraw"


async def test_a_warning_is_shown_up_to_its_last_day_and_not_after(core, clock):
    warning = await a_published_warning(core, form=a_form(today=core.today(), until=core.today() + datetime.timedelta(days=2)))
    clock.advance(days=2)
    assert await published_warning(core, warning.id, "zh_Hans") is not None
    clock.advance(days=1)
    assert await published_warning(core, warning.id, "zh_Hans") is None


async def test_the_region_filter_finds_a_citywide_warning_from_a_county_and_not_another_countys(core):
    county = await a_published_warning(core)
    city = await a_published_warning(core, form=a_form(today=core.today(), regions=("990100",)), writer="a1", approver="a2")
    other = await a_published_warning(core, form=a_form(today=core.today(), regions=(OTHER_COUNTY,), category="medical"),
                                      writer="b1", approver="b2")
    assert {w.id for w in await published_warnings(core, "en", region=COUNTY)} == {county.id, city.id}
    assert {w.id for w in await published_warnings(core, "en", region="990100")} == {county.id, city.id, other.id}
    assert [w.id for w in await published_warnings(core, "en", category="medical")] == [other.id]
