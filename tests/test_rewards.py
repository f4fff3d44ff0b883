"""The reward scheme in the core: the scheme as configuration, every eligibility rule failing
alone, the two-person approval, amounts within the tier, payment, lapse on the clock, the
reporter's notices in three languages, the budget and the ledger, and racing approvals."""
from __future__ import annotations

import asyncio
import datetime
import os

import pytest
from sqlalchemy import select

from i18n import Translator
from intake.casework.casework import move_tip, record_outcome
from intake.domain.deployment import CONFIG_DIR
from intake.platform.models.notifications import Notification
from intake.platform.models.rewards import Award
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Person, Tip
from intake.notify.outbox import SAFETY_FOOTER, render_notice
from intake.rewards.awards import approve_award, lapse_due_awards, pay_award, propose_award, reject_award
from intake.rewards.eligibility import RULES, eligibility, exclude_reporter
from intake.rewards.notices import NOTICE_TEMPLATES, render_reward_notice
from intake.rewards.payout_ledger import budgets, ledger
from intake.rewards.scheme import load_scheme, yuan
from intake.rewards.work import RewardError
from intake.staff.staff import get_staff
from tests.console_support import LEAD_UNIT
from tests.factories import file_tip, move_to, staff

PENALTY = {"penalty_decision_no": "东市监罚〔2026〕12号", "penalty_date": "2026-11-20"}


async def officer(core):
    return await get_staff(core, "li") or await staff(core, "li", "officer", LEAD_UNIT)


async def admins(core, *names: str):
    return [await staff(core, name, "reward_admin", None, language="en") for name in names]


async def substantiated(core, *, outcome: dict | None = None, language: str = "zh_Hans", **answers) -> int:
    """A tip filed by a named reporter, checked and substantiated, with an outcome."""
    li = await officer(core)
    tip_id = (await file_tip(core, language=language, **answers)).tip_id
    await move_to(core, tip_id, "substantiated", staff=li)
    await record_outcome(core, tip_id, staff=li, **(PENALTY if outcome is None else outcome))
    return tip_id


async def forget_reporter_field(core, tip_id: int, key: str) -> None:
    async with core.db.transaction() as session:
        tip = await session.get(Tip, tip_id)
        person = await session.get(Person, tip.reporter_id)
        data = core.keys.open_json(person.sealed, purpose="people")
        data.pop(key, None)
        person.sealed = core.keys.seal(data, purpose="people")


def failing(found) -> list[str]:
    return [rule.code for rule in found.rules if not rule.ok]


async def notices(core, tip_id: int, kind: str = "reward"):
    async with core.db.session() as session:
        rows = (await session.scalars(select(Notification).where(Notification.tip_id == tip_id, Notification.kind == kind)
                                      .order_by(Notification.id))).all()
        return [(row.payload["template"], await render_notice(core, session, row)) for row in rows]


def test_the_scheme_is_configuration_in_fen_with_a_digest():
    scheme = load_scheme()
    tiers = {t.code: (t.min_fen, t.max_fen) for t in scheme.tiers}
    assert tiers == {"administrative_penalty": (100000, 500000), "criminal_conviction": (500000, 1000000)}
    assert scheme.claim_days == 90 and len(scheme.digest) == 64
    assert scheme.budgets and all(isinstance(b.yearly_fen, int) for b in scheme.budgets)
    assert yuan(300000) == "3000" and yuan(12345) == "123.45"


def test_a_float_amount_in_the_scheme_is_refused(tmp_path):
    text = (load_scheme.__globals__["CONFIG_DIR"] / "rewards.toml").read_text(encoding="utf-8")
    bad = tmp_path / "rewards.toml"
    bad.write_text(text.replace("min_fen = 100000", "min_fen = 1000.5"), encoding="utf-8")
    with pytest.raises(ValueError):
        load_scheme(bad)


async def test_a_substantiated_named_first_unknown_tip_with_a_penalty_is_eligible(core):
    tip_id = await substantiated(core)
    found = await eligibility(core, tip_id)
    assert found.eligible and [r.code for r in found.rules] == list(RULES)
    assert found.tiers == ("administrative_penalty",)


async def test_each_rule_fails_alone(core):
    li = await officer(core)
    (ann,) = await admins(core, "ann")
    # substantiated: checked but not confirmed
    tip_id = (await file_tip(core)).tip_id
    await move_to(core, tip_id, "unsubstantiated", staff=li)
    await record_outcome(core, tip_id, staff=li, **PENALTY)
    found = await eligibility(core, tip_id)
    assert failing(found) == ["substantiated"] and "(its status is Not confirmed)" in found.rules[0].text("en")
    # named: the reporter stayed anonymous; or gave no phone number
    assert failing(await eligibility(core, await substantiated(core, contact_mode="anonymous"))) == ["named"]
    nameless = await substantiated(core)
    await forget_reporter_field(core, nameless, "name")  # e.g. a phone intake that took only a number
    found = await eligibility(core, nameless)
    assert failing(found) == ["named"] and "real name and a phone number" in found.rules[1].text("en")
    # first: an earlier report was merged into this one
    earlier = (await file_tip(core)).tip_id
    core.clock.advance(hours=1)
    later = await substantiated(core)
    await move_tip(core, earlier, "merged", staff=li, merged_into=later)
    found = await eligibility(core, later)
    assert failing(found) == ["first"] and f"tip {earlier}" in found.rules[2].text("en")
    # not already known
    assert failing(await eligibility(core, await substantiated(core, outcome={**PENALTY, "already_known": True}))) == ["not_known"]
    # not excluded
    excluded = await substantiated(core)
    await exclude_reporter(core, excluded, staff=ann, reason="staff_relative", note="Declared by the unit: son of an officer.")
    found = await eligibility(core, excluded)
    assert failing(found) == ["not_excluded"] and "relative of a member of staff" in found.rules[4].text("en")
    # a tier: a criminal case filed but neither a penalty decision nor a conviction
    assert failing(await eligibility(core, await substantiated(core, outcome={"criminal_case_filed": True}))) == ["tier"]


async def test_a_closed_tip_that_was_substantiated_stays_eligible_and_a_merged_one_is_not(core):
    lead = await staff(core, "wu", "unit_lead", LEAD_UNIT)
    tip_id = await substantiated(core, outcome={"convicted": True, **PENALTY})
    await move_tip(core, tip_id, "closed", staff=lead)
    found = await eligibility(core, tip_id)
    assert found.eligible and found.tiers == ("administrative_penalty", "criminal_conviction")
    merged = (await file_tip(core)).tip_id
    await move_tip(core, merged, "merged", staff=await officer(core), merged_into=tip_id)
    assert "first" in failing(await eligibility(core, merged))
    assert (await eligibility(core, tip_id)).later_reports == (merged,)


async def test_two_people_approve_and_the_proposer_cannot(core):
    ann, bo = await admins(core, "ann", "bo")
    tip_id = await substantiated(core)
    award = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="Led to a fine.")
    assert award.status == "proposed" and award.scheme_digest == load_scheme().digest
    with pytest.raises(RewardError, match="different reward administrator"):
        await approve_award(core, award.id, staff=ann)
    with pytest.raises(RewardError, match="different reward administrator"):
        await reject_award(core, award.id, staff=ann, reason="changed my mind")
    with pytest.raises(RewardError, match="one award per case"):
        await propose_award(core, tip_id, staff=bo, tier="administrative_penalty", amount_fen=200000, reason="again")
    approved = await approve_award(core, award.id, staff=bo, reason="Checked the decision.")
    assert approved.status == "approved" and approved.decided_by == "bo" and approved.claim_until is not None
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip_id))).all()
    assert {"reward.propose", "refused:reward.approve", "reward.approve"} <= set(actions)


async def test_only_reward_administrators_propose(core):
    tip_id = await substantiated(core)
    with pytest.raises(RewardError, match="Only reward administrators"):
        await propose_award(core, tip_id, staff=await officer(core), tier="administrative_penalty", amount_fen=300000, reason="x")


async def test_an_amount_outside_the_tier_is_refused_with_a_clear_message(core):
    (ann,) = await admins(core, "ann")
    tip_id = await substantiated(core)
    with pytest.raises(RewardError) as refused:
        await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=600000, reason="x")
    assert str(refused.value) == "The amount must be between 1000 and 5000 yuan for this tier (you gave 6000 yuan)."
    with pytest.raises(RewardError, match="in yuan"):
        await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=3000.0, reason="x")  # type: ignore[arg-type]
    with pytest.raises(RewardError, match="does not support this tier"):
        await propose_award(core, tip_id, staff=ann, tier="criminal_conviction", amount_fen=600000, reason="x")


async def test_a_rejected_award_frees_the_case_for_a_new_proposal(core):
    ann, bo = await admins(core, "ann", "bo")
    tip_id = await substantiated(core)
    first = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=500000, reason="x")
    with pytest.raises(RewardError, match="reason"):
        await reject_award(core, first.id, staff=bo, reason=" ")
    assert (await reject_award(core, first.id, staff=bo, reason="Too high for a small shop.")).status == "rejected"
    second = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=200000, reason="y")
    assert second.status == "proposed"
    assert await notices(core, tip_id) == []  # nobody tells the reporter about a rejected proposal


async def test_paid_after_the_identity_document_was_checked(core):
    ann, bo = await admins(core, "ann", "bo")
    tip_id = await substantiated(core)
    award = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    with pytest.raises(RewardError, match="Only an approved award"):
        await pay_award(core, award.id, staff=bo, reference="PAY-1", paid_on=core.today(), id_checked=True)
    await approve_award(core, award.id, staff=bo)
    with pytest.raises(RewardError, match="identity document"):
        await pay_award(core, award.id, staff=ann, reference="PAY-1", paid_on=core.today(), id_checked=False)
    with pytest.raises(RewardError, match="future"):
        await pay_award(core, award.id, staff=ann, reference="PAY-1", paid_on=core.today() + datetime.timedelta(days=1), id_checked=True)
    paid = await pay_award(core, award.id, staff=ann, reference="东财付〔2026〕0087", paid_on=core.today(), id_checked=True)
    assert paid.status == "paid" and paid.payment_reference == "东财付〔2026〕0087" and paid.id_checked_by == "ann"
    assert [template for template, _notice in await notices(core, tip_id)] == ["reward_approved", "reward_paid"]


async def test_an_award_lapses_after_the_claim_period(core, clock):
    ann, bo = await admins(core, "ann", "bo")
    tip_id = await substantiated(core)
    award = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    await approve_award(core, award.id, staff=bo)
    clock.advance(days=89)
    assert await lapse_due_awards(core) == 0
    clock.advance(days=2)
    assert await lapse_due_awards(core) == 1
    assert await lapse_due_awards(core) == 0
    async with core.db.session() as session:
        assert (await session.get(Award, award.id)).status == "lapsed"
    with pytest.raises(RewardError):
        await pay_award(core, award.id, staff=ann, reference="late", paid_on=core.today(), id_checked=True)
    sent = await notices(core, tip_id)
    assert [template for template, _notice in sent] == ["reward_approved", "reward_lapsed"]
    assert "时间" in sent[1][1].body or "领取期限已于 2027年2月25日 届满" in sent[1][1].body


EXPECTED = {
    "zh_Hans": ("您可以领取举报奖励 3000 元", "身份证原件", "东湖县民政局", "请在 2027年2月25日 之前"),
    "en": ("collect a reward of 3000 yuan", "original ID card", "before 25 February 2027"),
    "bo": ("བྱ་དགའ་སྒོར་མོ་ 3000", "ཐོབ་ཐང་ལག་ཁྱེར", "སྤྱི་ལོ་2027 ཟླ་བ་གཉིས་པའི་ཚེས་25"),
}


@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_approval_notice_in_the_reporters_language_without_a_link_and_with_the_footer(core, language):
    ann, bo = await admins(core, "ann", "bo")
    tip_id = await substantiated(core, language=language)
    award = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    await approve_award(core, award.id, staff=bo)
    ((template, notice),) = await notices(core, tip_id)
    assert template == "reward_approved" and notice.channel == "email" and notice.language == language
    for expected in EXPECTED[language]:
        assert expected in notice.body, (expected, notice.body)
    assert "12345" in notice.body and "0999-6000100" in notice.body  # the unit's published number
    assert Translator(language)(SAFETY_FOOTER, phone="0999-6000100") in notice.body
    for link in ("http", "www.", "t.me", "://"):
        assert link not in notice.body
    assert notice.subject


FORBIDDEN = {  # what a scammer's "come and collect your award" asks for, and links
    "zh_Hans": ("转账", "汇款", "缴纳", "手续费", "保证金", "点击", "链接", "http", "www."),
    "en": ("transfer", "send money", "fee to", "deposit", "card number", "click", "link", "http", "www."),
    "bo": ("http", "www.", "t.me"),
}


@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
@pytest.mark.parametrize("template", NOTICE_TEMPLATES)
async def test_every_reward_notice_in_every_language_asks_for_nothing_and_names_12345(core, language, template):
    tip_id = await substantiated(core, language=language)
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
    subject, body, _params = render_reward_notice(core, tip, {"template": template, "params": {
        "amount": "3000", "until": "2027-02-25", "date": "2026-11-27"}}, language)
    assert subject and body and "%(" not in body
    assert "12345" in body and "0999-6000100" in body  # the unit's published number
    for word in FORBIDDEN[language]:
        assert word not in body.lower(), (word, body)


async def test_merged_reporters_are_told_kindly_they_are_not_eligible(core):
    ann, bo = await admins(core, "ann", "bo")
    first = await substantiated(core, language="en")
    second = (await file_tip(core, language="zh_Hans")).tip_id
    await move_tip(core, second, "merged", staff=await officer(core), merged_into=first)
    award = await propose_award(core, first, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    await approve_award(core, award.id, staff=bo)
    ((template, notice),) = await notices(core, second)
    assert template == "reward_not_eligible_merged"
    assert "奖励发给最先举报的人" in notice.body and "谢谢您" in notice.body and "http" not in notice.body


async def test_two_approvals_racing_produce_one_approved_award(core):
    ann, bo, cy = await admins(core, "ann", "bo", "cy")
    tip_id = await substantiated(core)
    award = await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    results = await asyncio.gather(approve_award(core, award.id, staff=bo), approve_award(core, award.id, staff=cy),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Award", "RewardError"]
    async with core.db.session() as session:
        assert (await session.get(Award, award.id)).status == "approved"
    assert [t for t, _n in await notices(core, tip_id)] == ["reward_approved"]


async def test_the_ledger_and_the_budget_add_up_in_fen(core):
    ann, bo = await admins(core, "ann", "bo")
    paid_tip, approved_tip, rejected_tip = [await substantiated(core) for _ in range(3)]
    criminal = await substantiated(core, outcome={"convicted": True})
    a = await propose_award(core, paid_tip, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    b = await propose_award(core, approved_tip, staff=ann, tier="administrative_penalty", amount_fen=150050, reason="x")
    c = await propose_award(core, rejected_tip, staff=ann, tier="administrative_penalty", amount_fen=100000, reason="x")
    d = await propose_award(core, criminal, staff=bo, tier="criminal_conviction", amount_fen=800000, reason="x")
    await approve_award(core, a.id, staff=bo)
    await pay_award(core, a.id, staff=bo, reference="P-1", paid_on=core.today(), id_checked=True)
    await approve_award(core, b.id, staff=bo)
    await reject_award(core, c.id, staff=bo, reason="no")
    found = await ledger(core, ann)
    assert [row.award_id for row in found.rows] == [a.id, b.id, c.id, d.id]
    assert found.by_status == {"proposed": 800000, "approved": 150050, "rejected": 100000, "paid": 300000, "lapsed": 0}
    assert found.committed_fen == 1250050 and all(isinstance(v, int) for v in found.by_status.values())
    assert found.paid_by_region_year == {("990100", 2026): 300000}
    assert found.paid_by_month == {"2026-11": 300000}
    (line,) = await budgets(core, 2026)
    assert (line.region, line.budget_fen, line.committed_fen, line.paid_fen, line.left_fen) == ("990100", 20000000, 1250050, 300000, 18749950)


def use_scheme(core, folder, *replacements: tuple[str, str]) -> None:
    """Point the core at an edited copy of rewards.toml, as a deployment edits its own copy."""
    text = (CONFIG_DIR / "rewards.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    folder.mkdir(exist_ok=True)
    path = folder / "rewards.toml"
    stamp = path.stat().st_mtime_ns + 1_000_000_000 if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if stamp:  # a new modification time even within one clock tick of the file system
        os.utime(path, ns=(stamp, stamp))
    core.settings = core.settings.model_copy(update={"config_dir": folder})


async def test_an_award_beyond_the_budget_left_is_refused(core, tmp_path):
    (ann,) = await admins(core, "ann")
    tip_id = await substantiated(core)
    use_scheme(core, tmp_path / "config", ("yearly_fen = 20000000", "yearly_fen = 200000"))
    with pytest.raises(RewardError, match="budget has left \\(2000 yuan\\)"):
        await propose_award(core, tip_id, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")



async def test_an_anonymous_reporter_comes_forward_with_the_code_and_pin(core):
    from intake.rewards.come_forward import come_forward

    (ann,) = await admins(core, "ann")
    li = await officer(core)
    receipt = await file_tip(core, contact_mode="anonymous")
    await move_to(core, receipt.tip_id, "substantiated", staff=li)
    await record_outcome(core, receipt.tip_id, staff=li, **PENALTY)
    assert failing(await eligibility(core, receipt.tip_id)) == ["named"]
    wrong = "0000" if receipt.pin != "0000" else "1111"
    with pytest.raises(RewardError):
        await come_forward(core, receipt.code, wrong, name="王秀英", phone="138 0013 8000", staff=ann)
    assert failing(await eligibility(core, receipt.tip_id)) == ["named"]
    assert await come_forward(core, receipt.code, receipt.pin, name="王秀英", phone="138 0013 8000", staff=ann) == receipt.tip_id
    assert (await eligibility(core, receipt.tip_id)).eligible
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == receipt.tip_id))).all()
    assert {"pin.failed", "reward.come_forward"} <= set(actions)
