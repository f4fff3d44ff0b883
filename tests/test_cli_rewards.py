"""`tipline rewards` for scripted use, on the test's database: the operator
signs in with password and authenticator code (read from standard input), wrong ones count
towards the console's lock-out, the proposer cannot approve from the command line either, and
the whole path (list, show, propose, approve, pay, lapse, ledger) works in the operator's language."""
from __future__ import annotations

import asyncio
import csv
import io
import stat

import openpyxl
import pyotp
from sqlalchemy import select, update

from intake.staff.auth import enrol_totp, new_totp_secret
from intake.casework.casework import move_tip, record_outcome
from intake.platform.models.notifications import Notification
from intake.platform.models.rewards import Award
from intake.platform.models.staff import AuditEvent, StaffUser
from intake.rewards.awards import approve_award, propose_award
from tests.cli import run_tipline
from tests.console_support import LEAD_UNIT, PASSWORD, make_staff
from tests.factories import file_tip, move_to

PENALTY = {"penalty_decision_no": "东市监罚〔2026〕12号", "penalty_date": "2026-11-20"}


async def tipline(core, *args: str, password: str = PASSWORD, secret: str | None = None, code: str | None = None):
    """Run `tipline …` against the test's database and keys, answering the sign-in on stdin.

    The command runs on the real clock, so several runs share one 30-second code; a code signs in
    once only, so each run first forgets the step last used, as if the next code had come."""
    async with core.db.transaction() as session:
        await session.execute(update(StaffUser).values(totp_last_step=None))
    env = {"TIPLINE_VAR_DIR": str(core.settings.var_dir), "TIPLINE_DATABASE_URL": core.settings.resolved_database_url,
           "LANG": "en_GB.UTF-8", "LANGUAGE": "en"}
    if code is None:
        code = pyotp.TOTP(secret).now() if secret else ""
    return await asyncio.to_thread(run_tipline, *args, input=f"{password}\n{code}\n", env=env)


async def admin_with_totp(core, username: str) -> str:
    user = await make_staff(core, username, "reward_admin", None, language="en")
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    return secret


async def eligible_tip(core, **answers) -> int:
    li = await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core, language="en", **answers)).tip_id
    await move_to(core, tip_id, "substantiated", staff=li)
    await record_outcome(core, tip_id, staff=li, **PENALTY)
    return tip_id


async def test_two_administrators_propose_approve_and_pay_from_the_command_line(core, tmp_path):
    ann, bo = await admin_with_totp(core, "ann"), await admin_with_totp(core, "bo")
    tip_id = await eligible_tip(core)
    neighbour = (await file_tip(core, language="zh_Hans")).tip_id  # reported together with the first reporter
    await move_tip(core, neighbour, "merged", staff=await _user(core, "li"), merged_into=tip_id)

    listing = await tipline(core, "rewards", "list", "--username", "ann", secret=ann)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert f"Tip {tip_id} · Eligible for an award" in listing.stdout
    assert "✓ The reporter gave a real name and a phone number." in listing.stdout
    assert "✓ The authorities did not already know these facts." in listing.stdout
    joint = await tipline(core, "rewards", "joint", str(neighbour), "-u", "ann", "--note", "Came together to the counter.", secret=ann)
    assert joint.returncode == 0 and f"Tip {neighbour} is a joint report of tip {tip_id}." in joint.stdout, joint.stdout

    too_much = await tipline(core, "rewards", "propose", str(tip_id), "-u", "ann", "--tier", "administrative_penalty", "--amount", "6000",
                       "--reason", "fine", secret=ann)
    assert too_much.returncode == 1
    assert "The amount must be between 1000 and 5000 yuan for this tier (you gave 6000 yuan)." in too_much.stdout
    proposed = await tipline(core, "rewards", "propose", str(tip_id), "-u", "ann", "--tier", "administrative_penalty", "--amount", "3000",
                       "--reason", "Led to a fine.", secret=ann)
    assert proposed.returncode == 0, proposed.stdout + proposed.stderr
    async with core.db.session() as session:
        award = await session.scalar(select(Award).where(Award.tip_id == tip_id))
    assert f"Award {award.id} proposed: 3000 yuan" in proposed.stdout
    shown = await tipline(core, "rewards", "show", str(tip_id), "--username", "ann", secret=ann)
    assert "Administrative penalty (administrative_penalty): 1000 to 5000 yuan" in shown.stdout, shown.stdout
    assert f"Joint reporters share the award: tips {neighbour}." in shown.stdout
    assert f"Tip {tip_id}: 1500 yuan" in shown.stdout and f"Tip {neighbour}: 1500 yuan" in shown.stdout

    # The proposer cannot approve from the command line either.
    refused = await tipline(core, "rewards", "approve", str(award.id), "-u", "ann", secret=ann)
    assert refused.returncode == 1
    assert "You proposed this award, so a different reward administrator must approve or reject it." in refused.stdout
    approved = await tipline(core, "rewards", "approve", str(award.id), "-u", "bo", "--reason", "Decision checked.", secret=bo)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert f"Award {award.id} approved: to be collected by" in approved.stdout

    unchecked = await tipline(core, "rewards", "pay", str(award.id), "-u", "bo", "--reference", "东财付〔2026〕0087", secret=bo)
    assert unchecked.returncode == 1 and "identity document" in unchecked.stdout
    paid = await tipline(core, "rewards", "pay", str(award.id), "-u", "bo", "--reference", "东财付〔2026〕0087", "--id-checked", secret=bo)
    assert paid.returncode == 0 and "reference 东财付〔2026〕0087" in paid.stdout, paid.stdout + paid.stderr

    for name in ("ledger.csv", "ledger.xlsx"):
        exported = await tipline(core, "rewards", "ledger", "-u", "ann", "--output", str(tmp_path / name), secret=ann)
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert "1 awards written" in exported.stdout and "paid 3000 yuan" in exported.stdout
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600  # names and ID numbers: the owner's only
    rows = list(csv.reader(io.StringIO((tmp_path / "ledger.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][:6] == ["Award", "Tip", "Status", "Tier", "Amount (yuan)", "Amount (fen)"]
    assert rows[1][2] == "Paid" and rows[1][5] == "300000" and rows[1][16] == "东财付〔2026〕0087"
    sheet = openpyxl.load_workbook(tmp_path / "ledger.xlsx").active
    assert [cell.value for cell in sheet[2]][5] == 300000

    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip_id))).all()
        templates = (await session.scalars(select(Notification.payload).where(Notification.tip_id == tip_id,
                                                                              Notification.kind == "reward").order_by(Notification.id))).all()
    assert {"reward.propose", "refused:reward.approve", "reward.approve", "reward.pay"} <= set(actions)
    assert [payload["template"] for payload in templates] == ["reward_approved", "reward_paid"]


async def test_wrong_password_or_code_is_refused_and_counts_with_the_consoles_failures(core):
    ann = await admin_with_totp(core, "ann")
    await eligible_tip(core)
    wrong_code = await tipline(core, "rewards", "list", "-u", "ann", code="000000" if pyotp.TOTP(ann).now() != "000000" else "111111")
    assert wrong_code.returncode == 1 and "Wrong user name, password or code" in wrong_code.stdout
    assert "Tip " not in wrong_code.stdout
    wrong_password = await tipline(core, "rewards", "list", "-u", "ann", password="not my password", secret=ann)
    assert wrong_password.returncode == 1 and "Wrong user name, password or code" in wrong_password.stdout
    for _attempt in range(3):
        await tipline(core, "rewards", "list", "-u", "ann", password="still wrong", secret=ann)
    held = await tipline(core, "rewards", "list", "-u", "ann", secret=ann)  # the right password, too soon
    assert held.returncode == 1 and "too many failed attempts" in held.stdout and "Tip " not in held.stdout
    async with core.db.session() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "ann"))).all()
    assert actions.count("staff.sign_in_failed") == 5 and "staff.sign_in_slowed" in actions
    assert "staff.sign_in_refused" in actions  # the last one, not checked


async def test_an_operator_without_a_second_factor_or_the_role_is_refused(core):
    await make_staff(core, "cy", "reward_admin", None, language="en")  # never enrolled an authenticator app
    no_factor = await tipline(core, "rewards", "list", "-u", "cy")
    assert no_factor.returncode == 1 and "need a second factor" in no_factor.stdout
    officer = await make_staff(core, "wu", "officer", LEAD_UNIT, language="en")
    secret = new_totp_secret()
    assert await enrol_totp(core, officer.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    not_admin = await tipline(core, "rewards", "list", "-u", "wu", secret=secret)
    assert not_admin.returncode == 1 and "Only reward administrators handle rewards." in not_admin.stdout


async def test_lapse_from_the_command_line_after_the_claim_period(core, clock):
    ann, bo = await admin_with_totp(core, "ann"), await admin_with_totp(core, "bo")
    staff = {u.username: u for u in [await _user(core, "ann"), await _user(core, "bo")]}
    clock.advance(days=-120)  # approved 120 days ago (on the controllable clock); the command runs today
    tip_id = await eligible_tip(core, when="2026年5月")
    award = await propose_award(core, tip_id, staff=staff["ann"], tier="administrative_penalty", amount_fen=200000, reason="x")
    await approve_award(core, award.id, staff=staff["bo"])
    clock.advance(days=120)
    lapsed = await tipline(core, "rewards", "lapse", "-u", "bo", secret=bo)
    assert lapsed.returncode == 0 and "1 awards lapsed." in lapsed.stdout, lapsed.stdout + lapsed.stderr
    again = await tipline(core, "rewards", "lapse", "-u", "ann", secret=ann)
    assert "0 awards lapsed." in again.stdout
    async with core.db.session() as session:
        assert (await session.get(Award, award.id)).status == "lapsed"
        lapse = await session.scalar(select(AuditEvent).where(AuditEvent.action == "reward.lapse"))
        templates = (await session.scalars(select(Notification.payload).where(Notification.tip_id == tip_id,
                                                                              Notification.kind == "reward").order_by(Notification.id))).all()
    assert lapse.actor == "bo" and [p["template"] for p in templates] == ["reward_approved", "reward_lapsed"]


async def _user(core, username: str):
    from intake.staff.staff import get_staff

    return await get_staff(core, username)
