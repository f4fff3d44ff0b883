"""The printable assignment sheet (交办单) of a tip: what a unit needs on paper to handle it:
number, source, dates, category, the party reported, the facts, routing reasons, lead and
assisting units, due dates.

Never on it: the reporter's identity or contact, nor who they are to the victim (a paper copy
leaves the system, where every view of personal data is audited; the unit looks the reporter up
in the system, with a reason, when it must call back), and neither the victim's name nor phone.
Producing a sheet is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from i18n import Translator
from intake.platform import audit
from intake.casework.casefile import load_visible
from intake.platform.clock import aware
from intake.domain.conversation import display_value
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import StatusEvent
from intake.reporting.phone_intake import tip_operator, tip_source
from intake.domain.questionnaire import DONT_KNOW, PERSONAL_KEYS, QUESTIONS
from intake.domain.routing import Reason, render_reason
from intake.domain.workflow import STATUS_LABELS, Status

#: The party reported (被举报对象), as the reporter named it.
ACCUSED_KEYS = ("suspect_organisation", "suspect_person", "suspect_phone", "suspect_address", "suspect_online")
#: Answers about the reporter, not the facts: left off the sheet.
ABOUT_THE_REPORTER = frozenset({"reporting_for", "relationship", "contact_mode", "notify", "consent", "suspect_known", "category"})


@dataclass(frozen=True)
class Sheet:
    id: int
    source: str  # "web", "telegram", "phone", "letter", "visit", …
    taken_by_staff: bool
    status_label: str
    received_at: datetime
    accepted_at: datetime | None
    category_label: str
    priority: str
    region_code: str
    accused: list[tuple[str, str]]  # (label, as the reporter wrote it)
    facts: list[tuple[str, str]]  # (label, answer) in the reader's language
    reasons: list[str]
    lead_unit: str | None
    assisting: list[str]
    accept_due: datetime | None
    finish_due: datetime | None
    extension_days: int


async def assignment_sheet(core: Core, staff: StaffUser, tip_id: int) -> Sheet:
    """The sheet in the staff member's language; out of scope is "not found" (casefile's rule)."""
    language = staff.language
    _ = Translator(language)
    deployment = core.deployment
    async with core.db.session() as session:
        loaded = await load_visible(core, session, staff, tip_id, "sheet")
        tip = loaded.tip
        accepted_at = await session.scalar(
            select(func.min(StatusEvent.at)).where(StatusEvent.tip_id == tip_id, StatusEvent.to_status == Status.ACCEPTED,
                                                   StatusEvent.action == "status"))
    await audit.record_now(core, staff.username, "tip.sheet", tip_id)
    answers = tip.answers or {}
    accused, facts = [], []
    for step in QUESTIONS:
        value = answers.get(step.key)
        if step.key not in answers or step.personal or step.key in PERSONAL_KEYS or step.key in ABOUT_THE_REPORTER:
            continue
        if step.key in ACCUSED_KEYS:
            if isinstance(value, str) and value and value != DONT_KNOW and not value.startswith("__"):
                accused.append((_(step.summary_label or step.question), display_value(step, value, language, deployment)))
            continue
        facts.append((_(step.summary_label or step.question), display_value(step, value, language, deployment)))
    return Sheet(
        id=tip.id, source=tip_source(tip), taken_by_staff=tip_operator(tip) is not None,
        status_label=_(STATUS_LABELS[Status(tip.status)]), received_at=aware(tip.created_at),
        accepted_at=aware(accepted_at) if accepted_at else None,
        category_label=deployment.category_label(tip.category, language), priority=tip.priority,
        region_code=tip.region_code, accused=accused, facts=facts,
        reasons=[render_reason(Reason.from_dict(r), language, deployment) for r in (tip.routing or {}).get("reasons", [])],
        lead_unit=tip.lead_unit,
        assisting=[a.unit_code for a in loaded.assignments if a.active and a.role == "assisting"],
        accept_due=aware(tip.accept_due) if tip.accept_due else None,
        finish_due=aware(tip.finish_due) if tip.finish_due else None,
        extension_days=tip.extension_days or 0,
    )
