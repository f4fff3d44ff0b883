"""The rewards area (有奖举报), for reward administrators only: candidates with their eligibility
rule by rule, the propose / approve / reject / pay forms, exclusions, revealing the reporter with
a reason, the budget, and the payout ledger with CSV and XLSX exports. Each action is one use
case of the intake.rewards package; the core checks the two-person rule and audits."""
from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console import forms
from console.forms import FormError
from console.dependencies import ConsoleDep, Signed, SignedForm, role
from console.refusals import refusal_text
from console.web import Console, Id, Viewer
from i18n import N_, Translator
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.money import parse_amount
from intake.casework.casefile import reveal_reporter, tip_file
from intake.platform.export import csv_bytes, xlsx_bytes
from intake.casework.casework import CaseworkError, TipNotFound
from intake.domain.ids import parse_id
from intake.platform import audit
from intake.rewards.awards import (
    approve_award, awards_of, get_award, joint_reports_of, mark_joint, pay_award, propose_award, reject_award, shares_of,
    unmark_joint,
)
from intake.rewards.come_forward import come_forward
from intake.rewards.eligibility import (
    EXCLUSION_REASONS, candidates, eligibility, exclude_reporter, exclusions_of, may_reveal_for_rewards,
)
from intake.rewards.payout_ledger import AWARD_STATUS_LABELS, budgets, ledger, ledger_cells
from intake.rewards.scheme import scheme, versions, yuan
from intake.staff.staff import Role
from intake.domain.deployment import Deployment
from intake.domain.workflow import STATUS_LABELS, Status
from intake.platform.core import Core

EXCLUSION_LABELS = {
    "staff": N_("Member of staff of a department"),
    "staff_relative": N_("Relative of a member of staff"),
    "participant": N_("Took part in the scheme"),
}
DONE_MESSAGES = {
    "proposed": N_("Done: the award is proposed. A different reward administrator must approve it."),
    "approved": N_("Done: the award is approved and the reporter will be told how to collect it."),
    "rejected": N_("Done: the award is rejected."),
    "paid": N_("Done: the award is marked paid and the reporter will be told."),
    "excluded": N_("Done: the exclusion is recorded."),
    "came_forward": N_("Done: the reporter came forward and the tip is now a named report."),
    "joint": N_("Done: the report is marked as a joint report; its reporter shares the award."),
    "joint_removed": N_("Done: the report is no longer marked as a joint report."),
}
# Award, tip, status, tier, amount (yuan), region, unit, decided by, collect by, paid on, reference, shares
PAGE_COLUMNS = (0, 1, 2, 3, 4, 6, 8, 12, 14, 15, 16, 18)
#: A reward action: given who acts and the form, it does the work and says what was done.
Work = Callable[[Viewer, FormData], Awaitable[str]]


async def _audit_tip_refusal(request: Request, console: Console, viewer: Viewer) -> None:
    """Someone other than a reward administrator trying a tip's reward page: audited."""
    tip_id = str(request.path_params.get("tip_id", ""))
    if tip_id.isdigit() and len(tip_id) < 10:
        await audit.record_now(console.core, viewer.staff.username, "refused:rewards", int(tip_id), reason="role")


RewardAdmin = Annotated[Viewer, Depends(role(
    Role.REWARD_ADMIN, title=N_("Rewards"), message=N_("Only reward administrators can open the rewards area."),
    on_refusal=_audit_tip_refusal))]

router = APIRouter()


def tier_label(core: Core, code: str, language: str) -> str:
    tier = scheme(core).tier(code)
    return tier.label.get(language) if tier else code


def budget_rows(deployment: Deployment, viewer: Viewer, lines) -> list[dict]:  # noqa: ANN001
    return [
        {"region": deployment.region_name(line.region, viewer.language), "year": line.year,
         "budget": yuan(line.budget_fen) if line.budget_fen is not None else viewer._("No budget set"),
         "committed": yuan(line.committed_fen), "paid": yuan(line.paid_fen),
         "left": yuan(line.left_fen) if line.left_fen is not None else "—"}
        for line in lines
    ]


@router.get("/rewards")
async def overview(viewer: RewardAdmin, console: ConsoleDep) -> Response:
    return await overview_page(console, viewer)


async def overview_page(console: Console, viewer: Viewer, *, status_code: int = 200, error: str | None = None) -> Response:
    lang = viewer.language
    core, deployment = console.core, console.core.deployment
    known = await versions(core)
    current = known.at(core.clock.now())
    rows = []
    for item in await candidates(core, viewer.staff):
        failed = [rule.text(lang, item.eligibility.scheme) for rule in item.eligibility.rules if not rule.ok]
        rows.append({
            "id": item.tip_id, "status": viewer.core_(STATUS_LABELS[Status(item.status)]), "category": deployment.category_label(item.category, lang),
            "region": deployment.region_name(item.region, lang), "created_at": item.created_at,
            "eligible": item.eligibility.eligible, "failed": failed,
            "award": viewer.core_(AWARD_STATUS_LABELS[item.award.status]) if item.award else "",
        })
    return console.render(
        viewer, "rewards.html", status_code=status_code, error=error, title=viewer._("Rewards"), rows=rows,
        budgets=budget_rows(deployment, viewer, await budgets(core)),
        tiers=[{"label": t.label.get(lang), "min": yuan(t.min_fen), "max": yuan(t.max_fen)} for t in current.tiers],
        claim_days=current.claim_days,
        versions=[{"digest": version.digest[:12], "since": start, "claim_days": version.claim_days,
                   "tiers": [{"label": t.label.get(lang), "min": yuan(t.min_fen), "max": yuan(t.max_fen)} for t in version.tiers]}
                  for start, version in reversed(known.items)],
    )


@router.post("/rewards/come-forward")
async def come_forward_form(signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    """An anonymous reporter at the counter proves the tracking code and reply PIN and gives a real name."""
    viewer, form = signed
    try:
        tip_id = await come_forward(console.core, forms.field(form, "code"), forms.field(form, "pin"), name=forms.field(form, "name"),
                                    phone=forms.field(form, "phone"), staff=viewer.staff)
    except CaseworkError as error:
        return await overview_page(console, viewer, status_code=400, error=refusal_text(viewer, error))
    return RedirectResponse(f"/rewards/tips/{tip_id}?done=came_forward", status_code=303)


async def tip_page(console: Console, viewer: Viewer, tip_id: int, *, status_code: int = 200, error: str | None = None,
                   done: str | None = None, revealed: dict | None = None) -> Response:
    _, lang = viewer._, viewer.language
    core, deployment = console.core, console.core.deployment
    try:
        tip = await tip_file(core, viewer.staff, tip_id)
    except TipNotFound:
        return console.not_found(viewer)
    found = await eligibility(core, tip_id)
    current = found.scheme or scheme(core)  # the version in force when the tip was reported
    awards = await awards_of(core, tip_id)
    open_award = next((a for a in awards if a.status != "rejected"), None)
    joint = {j.tip_id: j for j in await joint_reports_of(core, tip_id)}
    return console.render(
        viewer, "rewards_tip.html", status_code=status_code, title=_("Reward for tip %(id)s", id=tip_id),
        tip=tip, error=error, done=_(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None, revealed=revealed,
        region_name=deployment.region_name(tip.region, lang),
        lead_name=deployment.unit_name(tip.lead_unit, lang) if tip.lead_unit else "",
        rules=[{"ok": rule.ok, "text": rule.text(lang, current)} for rule in found.rules],
        eligible=found.eligible, later_reports=found.later_reports, scheme_digest=current.digest[:12],
        joint=[{"tip": j.tip_id, "note": j.note, "by": j.recorded_by} for j in joint.values()],
        may_join=[other for other in found.later_reports if other not in joint],
        shares=[{"tip": tip, "amount": yuan(fen)} for tip, fen in await shares_of(core, open_award.id)] if open_award else [],
        exclusions=[{"reason": _(EXCLUSION_LABELS[e.reason]), "note": e.note, "by": e.recorded_by, "at": e.recorded_at}
                    for e in await exclusions_of(core, tip_id)],
        exclusion_reasons=[(code, _(EXCLUSION_LABELS[code])) for code in EXCLUSION_REASONS],
        tiers=[{"code": t.code, "label": t.label.get(lang), "min": yuan(t.min_fen), "max": yuan(t.max_fen)}
               for t in current.tiers if t.code in found.tiers],
        awards=[_award_view(core, viewer, a) for a in awards],
        open_award=_award_view(core, viewer, open_award) if open_award else None,
        can_propose=found.eligible and open_award is None,
        can_reveal=await may_reveal_for_rewards(core, tip_id),
        today=core.today().isoformat(),
        field_labels={"name": _("Name"), "phone": _("Phone"), "email": _("E-mail"),
                      "relationship": _("Relationship to the person targeted"), "reporter": _("Reporter"), "victim": _("Person targeted")},
    )


def _award_view(core: Core, viewer: Viewer, award) -> dict:  # noqa: ANN001
    _ = viewer._
    return {
        "id": award.id, "status": award.status, "status_label": viewer.core_(AWARD_STATUS_LABELS[award.status]),
        "tier": tier_label(core, award.tier, viewer.language), "amount": yuan(award.amount_fen), "reason": award.reason,
        "proposed_by": award.proposed_by, "proposed_at": award.proposed_at, "decided_by": award.decided_by,
        "decided_at": award.decided_at, "decision_reason": award.decision_reason,
        "claim_until": award.claim_until, "payment_reference": award.payment_reference, "paid_on": award.paid_on,
        "mine": award.proposed_by == viewer.staff.username,
    }


@router.get("/rewards/tips/{tip_id}")
async def show(tip_id: Id, viewer: RewardAdmin, console: ConsoleDep, done: str | None = None) -> Response:
    return await tip_page(console, viewer, tip_id, done=done)


async def act(request: Request, console: Console, tip_id: int, signed: Signed, work: Work) -> Response:
    """Run the action (the session, the form's token and the role are checked already); show the
    page again (redirect on success, the error otherwise)."""
    viewer, form = signed
    try:
        done = await work(viewer, form)
    except TipNotFound:
        return console.not_found(viewer)
    except CaseworkError as error:
        return await tip_page(console, viewer, tip_id, status_code=400, error=refusal_text(viewer, error))
    except FormError as error:
        message = error.message if error.translated else viewer._(error.message, **error.params)
        return await tip_page(console, viewer, tip_id, status_code=400, error=message)
    if done == "revealed":
        return await tip_page(console, viewer, tip_id, revealed=getattr(request.state, "revealed", {}))
    return RedirectResponse(f"/rewards/tips/{tip_id}?done={done}", status_code=303)


async def award_of(core: Core, tip_id: int, form: Mapping[str, object]) -> int:
    """The award the form was shown for: it must be this tip's."""
    award = await get_award(core, forms.positive_int(form, "award") or 0)
    if award is None or award.tip_id != tip_id:
        raise FormError(N_("This award is not the tip's current award; reload the page."))
    return award.id


def amount_fen(form: Mapping[str, object], language: str) -> int:
    fen = parse_amount(forms.field(form, "amount"))
    if isinstance(fen, Invalid):
        raise FormError(Translator(language)(fen.message, **fen.params), translated=True)
    return fen


@router.post("/rewards/tips/{tip_id}/propose")
async def propose(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        await propose_award(core, tip_id, staff=viewer.staff, tier=forms.field(form, "tier"),
                            amount_fen=amount_fen(form, viewer.language), reason=forms.field(form, "reason"))
        return "proposed"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/exclude")
async def exclude(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        await exclude_reporter(core, tip_id, staff=viewer.staff, reason=forms.field(form, "reason"), note=forms.field(form, "note"))
        return "excluded"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/joint")
async def joint_report(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    """Mark a later report of this case as made jointly with the first: they share the award."""
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        other = forms.positive_int(form, "tip")
        if other is None or other not in (await eligibility(core, tip_id)).later_reports:
            raise FormError(N_("Choose one of the reports merged into this case."))
        await mark_joint(core, other, staff=viewer.staff, note=forms.field(form, "note"))
        return "joint"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/joint/remove")
async def joint_remove(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        other = forms.positive_int(form, "tip")
        if other is None or other not in {j.tip_id for j in await joint_reports_of(core, tip_id)}:
            raise FormError(N_("Choose one of the reports merged into this case."))
        await unmark_joint(core, other, staff=viewer.staff)
        return "joint_removed"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/reveal")
async def reveal(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        request.state.revealed = await reveal_reporter(core, viewer.staff, tip_id, reason=forms.field(form, "reason"))
        return "revealed"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/approve")
async def approve(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        await approve_award(core, await award_of(core, tip_id, form), staff=viewer.staff, reason=forms.field(form, "reason"))
        return "approved"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/reject")
async def reject(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        await reject_award(core, await award_of(core, tip_id, form), staff=viewer.staff, reason=forms.field(form, "reason"))
        return "rejected"
    return await act(request, console, tip_id, signed, work)


@router.post("/rewards/tips/{tip_id}/pay")
async def pay(request: Request, tip_id: Id, signed: SignedForm, _admin: RewardAdmin, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        try:
            paid_on = datetime.date.fromisoformat(forms.field(form, "paid_on"))
        except ValueError:
            raise FormError(N_("Give the date of payment as YYYY-MM-DD.")) from None
        await pay_award(core, await award_of(core, tip_id, form), staff=viewer.staff, reference=forms.field(form, "reference"),
                        paid_on=paid_on, id_checked=forms.field(form, "id_checked") in ("1", "on", "yes"))
        return "paid"
    return await act(request, console, tip_id, signed, work)

# -- the ledger ---------------------------------------------------------------------------------


def _year(value: str) -> int | None:
    year = parse_id(value)
    return year if year is not None and 2000 <= year <= 2100 else None


@router.get("/rewards/ledger")
async def ledger_page(viewer: RewardAdmin, console: ConsoleDep, year: str = "") -> Response:
    _, lang = viewer._, viewer.language
    core = console.core
    chosen = _year(year)
    found = await ledger(core, viewer.staff, year=chosen)
    header, rows = ledger_cells(core, found, lang)
    shown = PAGE_COLUMNS  # the exports carry every column; the page what fits on a screen
    return console.render(
        viewer, "rewards_ledger.html", title=_("Payout ledger"), header=[header[i] for i in shown],
        rows=[[row[i] for i in shown] for row in rows], year=chosen or "",
        by_status=[(viewer.core_(AWARD_STATUS_LABELS[s]), yuan(v)) for s, v in found.by_status.items()],
        committed=yuan(found.committed_fen),
        by_region=[(core.deployment.region_name(r, lang), y, yuan(v)) for (r, y), v in sorted(found.paid_by_region_year.items())],
        by_month=[(m, yuan(v)) for m, v in found.paid_by_month.items()],
        budgets=budget_rows(core.deployment, viewer, await budgets(core, chosen)),
        query=f"?year={chosen}" if chosen else "",
    )


@router.get("/rewards/ledger.csv")
async def ledger_csv(viewer: RewardAdmin, console: ConsoleDep, year: str = "") -> Response:
    found = await ledger(console.core, viewer.staff, year=_year(year))
    header, rows = ledger_cells(console.core, found, viewer.language)
    return Response(csv_bytes([header, *rows]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="reward-ledger.csv"'})


@router.get("/rewards/ledger.xlsx")
async def ledger_xlsx(viewer: RewardAdmin, console: ConsoleDep, year: str = "") -> Response:
    found = await ledger(console.core, viewer.staff, year=_year(year))
    header, rows = ledger_cells(console.core, found, viewer.language)
    return Response(xlsx_bytes(header, rows, title="ledger"), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="reward-ledger.xlsx"'})
