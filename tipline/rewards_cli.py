"""`tipline rewards …`: the reward scheme for scripted use, by a signed-in reward administrator.

Every command signs the operator in as the console does: `--username`, then the password and
the 6-digit code of their authenticator app, asked for on the terminal (hidden) or read one a
line from standard input when it is not a terminal (scripts). Failures count with the
console's, under the same user name (intake/staff/sign_in_backoff.py); there is no way to act as someone else, so the core's two-person rule (the
proposer never approves) holds here too.
"""
from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from i18n import N_, Translator, negotiate
from intake.rewards import awards, eligibility, payout_ledger
from intake.rewards.scheme import local_day, yuan
from intake.rewards.work import RewardError
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.money import parse_amount
from intake.staff.auth import check_password, check_totp, get_staff_by_id
from intake.casework.casework import CaseworkError
from intake.domain.refusals import describe
from intake.platform.core import Core
from intake.platform.export import csv_bytes, xlsx_bytes
from intake.platform.models.staff import StaffUser
from intake.platform.private_files import write_private
from tipline.runner import with_core

rewards_app = typer.Typer(help="The reward scheme (有奖举报): candidates, awards, payment, lapse, the payout ledger.",
                          no_args_is_help=True)
console = Console(highlight=False)
T = TypeVar("T")

Username = Annotated[str, typer.Option("--username", "-u", help="your staff user name; password and code are asked for")]

SIGN_IN_REFUSED = N_("Wrong user name, password or code, or too many failed attempts with this name just now "
                     "(then wait a few minutes and try again).")
SIGN_IN_WAIT = N_("Too many failed attempts with this name just now: wait a few minutes and try again.")
NEEDS_SECOND_FACTOR = N_("These commands need a second factor: sign in to the console once to set up your authenticator app.")


def _terminal_language() -> str:
    return negotiate(os.environ.get("LANGUAGE"), os.environ.get("LC_ALL"), os.environ.get("LANG")) or "zh_Hans"


def _ask(label: str, *, hidden: bool) -> str:
    """A prompt on a terminal; one line of standard input otherwise (for scripts)."""
    if sys.stdin.isatty():
        return typer.prompt(label, hide_input=hidden, default="", show_default=False)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _stop(message: str) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(1)


async def sign_in(core: Core, username: str) -> StaffUser:
    """Password, then the authenticator code: the console's two steps and its wait after failures."""
    _ = Translator(_terminal_language())
    password = _ask(_("Password"), hidden=True)
    first = await check_password(core, username, password)
    if first.status == "refused":
        raise _stop(_(SIGN_IN_REFUSED))
    code = _ask(_("6-digit code from your authenticator app"), hidden=True)
    if first.status != "totp":  # no second factor enrolled: not enough for money
        raise _stop(_(NEEDS_SECOND_FACTOR))
    second = await check_totp(core, first.user_id, code)
    if second.status == "wait":
        raise _stop(_(SIGN_IN_WAIT))
    if second.status != "ok":
        raise _stop(_(SIGN_IN_REFUSED))
    staff = await get_staff_by_id(core, first.user_id)
    if staff is None:
        raise _stop(_(SIGN_IN_REFUSED))
    return staff


def as_operator(username: str, action: Callable[[Core, StaffUser, Translator], Awaitable[T]]) -> T:
    """Sign in, run one action as the signed-in operator; a refusal is printed in their language."""

    async def run(core: Core) -> T:
        staff = await sign_in(core, username)
        _ = Translator(staff.language)
        try:
            return await action(core, staff, _)
        except CaseworkError as error:
            raise _stop(describe(error, staff.language)) from None

    return with_core(run)


def _mark(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"


@rewards_app.command("list")
def list_candidates(username: Username) -> None:
    """Tips that may earn an award, each with its eligibility rule by rule."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        found = await eligibility.candidates(core, staff)
        if not found:
            console.print(_("No substantiated tips yet."))
        for item in found:
            verdict = _("Eligible for an award") if item.eligibility.eligible else _("Not eligible for an award")
            award = f" · {_(payout_ledger.AWARD_STATUS_LABELS[item.award.status])} ({yuan(item.award.amount_fen)})" if item.award else ""
            console.print(f"[bold]{escape(_('Tip %(id)s', id=item.tip_id))}[/bold] · {escape(verdict)}{escape(award)}")
            for rule in item.eligibility.rules:
                console.print(f"  {_mark(rule.ok)} {escape(rule.text(staff.language, item.eligibility.scheme))}")

    as_operator(username, action)


@rewards_app.command("show")
def show(tip_id: int, username: Username) -> None:
    """One tip: eligibility rule by rule, the tiers of the scheme it falls under, joint reporters, awards."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        found = await eligibility.tip_eligibility(core, staff, tip_id)
        lang = staff.language
        console.print(f"[bold]{escape(_('Tip %(id)s', id=tip_id))}[/bold] · "
                      f"{escape(_('Eligible for an award') if found.eligible else _('Not eligible for an award'))}")
        for rule in found.rules:
            console.print(f"  {_mark(rule.ok)} {escape(rule.text(lang, found.scheme))}")
        for tier in found.scheme.tiers:
            if tier.code in found.tiers:
                console.print(escape(_("%(tier)s (%(code)s): %(min)s to %(max)s yuan", tier=tier.label.get(lang), code=tier.code,
                                       min=yuan(tier.min_fen), max=yuan(tier.max_fen))))
        for award in await awards.awards_of(core, tip_id):
            console.print(escape(_("Award %(id)s: %(status)s, %(amount)s yuan, proposed by %(who)s", id=award.id,
                                   status=_(payout_ledger.AWARD_STATUS_LABELS[award.status]), amount=yuan(award.amount_fen),
                                   who=award.proposed_by)))
            for share_tip, fen in await awards.shares_of(core, award.id):
                console.print("  " + escape(_("Tip %(id)s: %(amount)s yuan", id=share_tip, amount=yuan(fen))))

    as_operator(username, action)


@rewards_app.command("propose")
def propose(
    tip_id: int,
    username: Username,
    tier: Annotated[str, typer.Option(help="the tier's code, e.g. administrative_penalty")],
    amount: Annotated[str, typer.Option(help="in yuan, e.g. 3000 or 2500.50")],
    reason: Annotated[str, typer.Option()],
) -> None:
    """Propose an award; a different administrator must approve it."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        fen = parse_amount(amount)
        if isinstance(fen, Invalid):
            raise RewardError(fen.message, **fen.params)
        award = await awards.propose_award(core, tip_id, staff=staff, tier=tier, amount_fen=fen, reason=reason)
        console.print(escape(_("Award %(id)s proposed: %(amount)s yuan. A different reward administrator must approve it.",
                               id=award.id, amount=yuan(award.amount_fen))))

    as_operator(username, action)


@rewards_app.command("approve")
def approve(award_id: int, username: Username, reason: Annotated[str, typer.Option()] = "") -> None:
    """Approve an award someone else proposed; the reporter is told how to collect it."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        award = await awards.approve_award(core, award_id, staff=staff, reason=reason)
        console.print(escape(_("Award %(id)s approved: to be collected by %(until)s.", id=award.id,
                               until=local_day(core, award.claim_until))))

    as_operator(username, action)


@rewards_app.command("reject")
def reject(award_id: int, username: Username, reason: Annotated[str, typer.Option()]) -> None:
    """Reject an award someone else proposed, with a reason."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        award = await awards.reject_award(core, award_id, staff=staff, reason=reason)
        console.print(escape(_("Award %(id)s rejected.", id=award.id)))

    as_operator(username, action)


@rewards_app.command("pay")
def pay(
    award_id: int,
    username: Username,
    reference: Annotated[str, typer.Option(help="the payment reference")],
    paid_on: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD; today if not given")] = None,
    id_checked: Annotated[bool, typer.Option("--id-checked", help="you checked the claimant's identity document")] = False,
) -> None:
    """Mark an approved award paid, after checking the claimant's identity document."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        try:
            day = datetime.date.fromisoformat(paid_on) if paid_on else core.today()
        except ValueError:
            raise RewardError(N_("Give the date of payment as YYYY-MM-DD.")) from None
        award = await awards.pay_award(core, award_id, staff=staff, reference=reference, paid_on=day, id_checked=id_checked)
        console.print(escape(_("Award %(id)s paid on %(date)s, reference %(reference)s.", id=award.id, date=award.paid_on,
                               reference=award.payment_reference)))

    as_operator(username, action)


@rewards_app.command("joint")
def joint(tip_id: int, username: Username, note: Annotated[str, typer.Option(help="how the report was made jointly")]) -> None:
    """Mark a tip merged into a case as reported jointly with the case's first report: they share the award."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        marked = await awards.mark_joint(core, tip_id, staff=staff, note=note)
        console.print(escape(_("Tip %(id)s is a joint report of tip %(case)s.", id=tip_id, case=marked.case_tip_id)))

    as_operator(username, action)


@rewards_app.command("lapse")
def lapse(username: Username) -> None:
    """Lapse the approved awards whose claim period has ended, telling their reporters."""

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        count = await awards.lapse_due_awards(core, staff=staff)
        console.print(escape(_("%(n)s awards lapsed.", n=count)))

    as_operator(username, action)


@rewards_app.command("ledger")
def ledger(
    username: Username,
    output: Annotated[Path, typer.Option("--output", "-o", help="the file to write (.xlsx or .csv)")],
    year: Annotated[Optional[int], typer.Option(help="a budget year; every award if not given")] = None,
) -> None:
    """Export the payout ledger as XLSX or CSV (by the file's ending), in your language."""
    if output.suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter("the file must end in .xlsx or .csv", param_hint="--output")

    async def action(core: Core, staff: StaffUser, _: Translator) -> None:
        found = await payout_ledger.ledger(core, staff, year=year)
        header, rows = payout_ledger.ledger_cells(core, found, staff.language)
        data = xlsx_bytes(header, rows, title="ledger") if output.suffix.lower() == ".xlsx" else csv_bytes([header, *rows])
        write_private(output, data)  # names and identity numbers: the owner's only
        paid = found.by_status.get("paid", 0)
        console.print(escape(_("%(n)s awards written to %(file)s; paid %(paid)s yuan, committed %(committed)s yuan.",
                               n=len(rows), file=str(output), paid=yuan(paid), committed=yuan(found.committed_fen))))

    as_operator(username, action)
