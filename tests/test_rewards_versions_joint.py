"""The reward scheme in force when a tip was reported applies (versions of rewards.toml recorded
with the moment they took effect, on a controllable clock), and joint reporters share one award,
split in integer fen, each told in their own language."""
from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select

from intake.casework.casework import move_tip
from intake.platform.models.rewards import RewardSchemeVersion
from intake.platform.models.staff import AuditEvent
from intake.rewards.awards import approve_award, mark_joint, pay_award, propose_award, shares_of, split_fen, unmark_joint
from intake.rewards.eligibility import eligibility
from intake.rewards.payout_ledger import ledger
from intake.rewards.scheme import load_scheme, scheme_in_force, versions
from intake.rewards.work import RewardError
from tests.factories import file_tip
from tests.test_rewards import PENALTY, admins, forget_reporter_field, notices, officer, substantiated, use_scheme

DEARER = (("min_fen = 100000           # ¥1,000", "min_fen = 200000"), ("max_fen = 500000           # ¥5,000", "max_fen = 600000"),
          ("claim_days = 90", "claim_days = 30"))


async def test_a_tip_reported_before_a_scheme_change_gets_the_old_tiers_and_claim_period(core, clock, tmp_path):
    ann, bo = await admins(core, "ann", "bo")
    first_version = await scheme_in_force(core)  # recorded when first seen (the service starting)
    old_tip = await substantiated(core)
    clock.advance(days=1)
    use_scheme(core, tmp_path / "config", *DEARER)  # the deployment edits rewards.toml
    second_version = await scheme_in_force(core)
    assert second_version.digest != first_version.digest and second_version.claim_days == 30
    clock.advance(hours=1)
    new_tip = await substantiated(core)

    assert (await eligibility(core, old_tip)).scheme.digest == first_version.digest
    assert (await eligibility(core, new_tip)).scheme.digest == second_version.digest
    old_award = await propose_award(core, old_tip, staff=ann, tier="administrative_penalty", amount_fen=150000, reason="x")
    with pytest.raises(RewardError) as refused:
        await propose_award(core, new_tip, staff=ann, tier="administrative_penalty", amount_fen=150000, reason="x")
    assert str(refused.value) == "The amount must be between 2000 and 6000 yuan for this tier (you gave 1500 yuan)."
    new_award = await propose_award(core, new_tip, staff=ann, tier="administrative_penalty", amount_fen=550000, reason="x")
    assert (old_award.scheme_digest, new_award.scheme_digest) == (first_version.digest, second_version.digest)

    old_award, new_award = await approve_award(core, old_award.id, staff=bo), await approve_award(core, new_award.id, staff=bo)
    assert old_award.claim_until.date() - core.today() == datetime.timedelta(days=90)
    assert new_award.claim_until.date() - core.today() == datetime.timedelta(days=30)
    async with core.db.session() as session:
        stored = (await session.scalars(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id))).all()
        recorded = (await session.scalars(select(AuditEvent.action).where(AuditEvent.action == "reward.scheme_version"))).all()
    assert [row.digest for row in stored] == [first_version.digest, second_version.digest] and len(recorded) == 2
    await scheme_in_force(core)  # the same file again records nothing new
    assert len((await versions(core)).items) == 2


async def test_a_scheme_declared_for_a_later_day_applies_to_reports_from_that_day(core, clock, tmp_path):
    (ann,) = await admins(core, "ann")
    first_version = await scheme_in_force(core)
    use_scheme(core, tmp_path / "config", *DEARER, ("claim_days = 30", "claim_days = 30\neffective_from = 2026-12-01"))
    known = await versions(core)
    start, upcoming = known.items[-1]
    assert start == datetime.datetime(2026, 11, 30, 16, 0, tzinfo=datetime.timezone.utc)  # 00:00 in Beijing
    assert (await scheme_in_force(core)).digest == first_version.digest  # still the old one today
    before = await substantiated(core)
    clock.advance(days=5)
    after = await substantiated(core)
    assert (await eligibility(core, before)).scheme.digest == first_version.digest
    assert (await eligibility(core, after)).scheme.digest == upcoming.digest
    with pytest.raises(RewardError, match="between 2000 and 6000 yuan"):
        await propose_award(core, after, staff=ann, tier="administrative_penalty", amount_fen=150000, reason="x")


async def test_a_scheme_replaced_before_its_day_never_applies(core, clock, tmp_path):
    await scheme_in_force(core)
    use_scheme(core, tmp_path / "config", *DEARER, ("claim_days = 30", "claim_days = 30\neffective_from = 2026-12-01"))
    upcoming = (await versions(core)).items[-1][1]
    clock.advance(days=1)
    use_scheme(core, tmp_path / "config", ("claim_days = 90", "claim_days = 60"))  # changed again before 1 December
    replacement = await scheme_in_force(core)
    clock.advance(days=10)
    assert (await scheme_in_force(core)).digest == replacement.digest != upcoming.digest
    assert [version.claim_days for _start, version in (await versions(core)).items] == [90, 60]


def test_a_share_is_split_in_whole_fen_with_the_remainder_to_the_first():
    assert split_fen(300001, 2) == [150001, 150000]
    assert split_fen(100000, 3) == [33334, 33333, 33333]
    assert all(sum(split_fen(amount, n)) == amount for amount in (100000, 100001, 999999) for n in (1, 2, 3, 7))


async def case_with_joint_reporter(core, *, joint_language: str = "zh_Hans", **joint_answers):
    """A first report (English), a joint report by a neighbour, and a later report, all merged into the first."""
    li = await officer(core)
    first = await substantiated(core, language="en")
    joint = (await file_tip(core, language=joint_language, **joint_answers)).tip_id
    later = (await file_tip(core, language="bo")).tip_id
    for other in (joint, later):
        await move_tip(core, other, "merged", staff=li, merged_into=first)
    return first, joint, later


async def test_joint_reporters_share_one_award_each_told_their_share(core):
    ann, bo = await admins(core, "ann", "bo")
    first, joint, later = await case_with_joint_reporter(core)
    with pytest.raises(RewardError, match="note"):
        await mark_joint(core, joint, staff=ann, note=" ")
    with pytest.raises(RewardError, match="merged into a case"):
        await mark_joint(core, first, staff=ann, note="x")
    await mark_joint(core, joint, staff=ann, note="Came to the counter together with the first reporter.")
    found = await eligibility(core, first)
    assert found.eligible and found.joint == (joint,)
    own = await eligibility(core, joint)  # the joint report's own page points to the case
    assert f"made jointly with tip {first} and shares the award" in own.rules[2].text("en")
    assert f"Joint reporters share the award: tips {joint}." in found.rules[-1].text("en")

    award = await propose_award(core, first, staff=ann, tier="administrative_penalty", amount_fen=300001, reason="x")
    assert await shares_of(core, award.id) == [(first, 150001), (joint, 150000)]
    with pytest.raises(RewardError, match="already proposed"):
        await mark_joint(core, later, staff=ann, note="x")
    with pytest.raises(RewardError, match="already proposed"):
        await unmark_joint(core, joint, staff=ann)
    await approve_award(core, award.id, staff=bo)
    await pay_award(core, award.id, staff=bo, reference="P-9", paid_on=core.today(), id_checked=True)

    (approved, paid) = [n for _t, n in await notices(core, first)]
    assert "collect a reward of 1500.01 yuan" in approved.body and "Your reward of 1500.01 yuan was paid" in paid.body
    (approved, paid) = [n for _t, n in await notices(core, joint)]
    assert approved.language == "zh_Hans" and "您可以领取举报奖励 1500 元" in approved.body and "1500 元已经在" in paid.body
    ((template, kindly),) = await notices(core, later)
    assert template == "reward_not_eligible_merged" and kindly.language == "bo"
    (row,) = (await ledger(core, ann)).rows
    assert row.amount_fen == 300001 and row.shares == ((first, 150001), (joint, 150000))


async def test_a_joint_reporter_without_a_real_name_makes_the_case_wait(core):
    (ann,) = await admins(core, "ann")
    first, joint, _later = await case_with_joint_reporter(core)
    await forget_reporter_field(core, joint, "name")
    await mark_joint(core, joint, staff=ann, note="Reported together.")
    found = await eligibility(core, first)
    assert [rule.code for rule in found.rules if not rule.ok] == ["joint"]
    assert f"Joint report tip {joint}: the reporter did not give both a real name and a phone number." == found.rules[-1].text("en")
    with pytest.raises(RewardError, match="not eligible"):
        await propose_award(core, first, staff=ann, tier="administrative_penalty", amount_fen=300000, reason="x")
    await unmark_joint(core, joint, staff=ann)  # a mark made in error is undone
    assert (await eligibility(core, first)).eligible


async def test_an_earlier_joint_report_does_not_take_the_first_place(core, clock):
    (ann,) = await admins(core, "ann")
    li = await officer(core)
    quicker = (await file_tip(core)).tip_id
    clock.advance(minutes=10)
    case = await substantiated(core, outcome=PENALTY)
    await move_tip(core, quicker, "merged", staff=li, merged_into=case)
    assert [r.code for r in (await eligibility(core, case)).rules if not r.ok] == ["first"]
    await mark_joint(core, quicker, staff=ann, note="Husband and wife, reported a few minutes apart.")
    assert (await eligibility(core, case)).eligible
