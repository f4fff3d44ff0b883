"""Tips taken by staff for a caller (来电、来信、来访): an officer walks the same questionnaire,
drafts and submission as every channel, on the caller's behalf.

The draft's channel is "phone" and its owner is the officer's user name plus a fresh id (the
`ref` in the console's URLs), so only that officer can open it. How the tip came in (phone,
letter, visit) rides in the draft's answers under `_source`, a key no question uses (so
`final_answers` leaves it out); at submission it is written into the tip's answers together
with the operator (`_operator`), and the submission is audited as `tip.taken_by_staff`. The
answers are where the ledger's 来源 column and the statistics read a tip's facts; the audit log
is where "who did it" is kept for good. See `tip_source` for the one way to read it back.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from i18n import LANGUAGES
from intake.platform import audit
from intake.platform.core import Core
from intake.reporting.drafts import DraftRecord, get_draft, new_draft, owner_candidates, save_draft
from intake.platform.models.reporting import Draft
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Tip
from intake.domain.steps import ChannelCapabilities
from intake.staff.staff import Role
from intake.reporting.submission import Incomplete, Receipt, draft_receipt, submit_draft

CHANNEL = "phone"
SOURCES = ("phone", "letter", "visit")
SOURCE_KEY = "_source"
OPERATOR_KEY = "_operator"
#: Evidence on paper is kept on paper (or scanned into a note); the console takes no uploads.
CAPABILITIES = ChannelCapabilities()
INTAKE_ROLES = (Role.OFFICER, Role.UNIT_LEAD, Role.COORDINATOR)


class IntakeNotFound(LookupError):
    """No such intake, not this officer's, expired, or the role takes no tips."""


@dataclass
class StaffIntake:
    ref: str
    source: str
    record: DraftRecord
    receipt: Receipt | None  # once submitted


def may_take_tips(staff: StaffUser) -> bool:
    return staff.role in INTAKE_ROLES


def tip_source(tip: Tip) -> str:
    """How a tip came in: "phone", "letter", "visit" for tips staff took, else its channel
    ("web", "telegram", …)."""
    source = (tip.answers or {}).get(SOURCE_KEY)
    return source if isinstance(source, str) and source else tip.channel


def tip_operator(tip: Tip) -> str | None:
    """The member of staff who entered the tip for the caller, if staff did."""
    operator = (tip.answers or {}).get(OPERATOR_KEY)
    return operator if isinstance(operator, str) else None


def _owner(staff: StaffUser, ref: str) -> str:
    return f"{staff.username}:{ref}"


async def start_intake(core: Core, staff: StaffUser, *, source: str, language: str) -> StaffIntake:
    """A new draft for a caller who speaks `language` (the language of every notice they get)."""
    if not may_take_tips(staff) or source not in SOURCES or language not in LANGUAGES:
        raise IntakeNotFound()
    ref = uuid.uuid4().hex
    record = await new_draft(core, CHANNEL, _owner(staff, ref), language, CAPABILITIES)
    record.state.answers[SOURCE_KEY] = source
    await save_draft(core, record)
    return StaffIntake(ref, source, record, None)


async def open_intake(core: Core, staff: StaffUser, ref: str) -> StaffIntake:
    """This officer's intake `ref`, in progress or submitted (then with its receipt)."""
    if not may_take_tips(staff) or not ref.isalnum() or len(ref) > 64:
        raise IntakeNotFound()
    async with core.db.session() as session:
        draft_id = await session.scalar(
            select(Draft.id).where(Draft.channel == CHANNEL, Draft.owner_hash.in_(owner_candidates(core, CHANNEL, _owner(staff, ref))))  # any hash key: it may predate a rotation
        )
    record = await get_draft(core, draft_id) if draft_id else None
    if record is None:
        raise IntakeNotFound()
    receipt = await draft_receipt(core, record) if record.tip_id is not None else None
    return StaffIntake(ref, str(record.state.answers.get(SOURCE_KEY) or "phone"), record, receipt)


async def submit_intake(core: Core, staff: StaffUser, ref: str) -> Receipt | Incomplete:
    """Submit the caller's tip (submit_draft: routing, tracking code, first notice) and record
    its source and operator. Repeating it after a failure in between completes the record."""
    intake = await open_intake(core, staff, ref)
    result = await submit_draft(core, intake.record.id, CAPABILITIES)
    if isinstance(result, Receipt):
        await _record_source(core, staff, result.tip_id, intake.source)
    return result


async def _record_source(core: Core, staff: StaffUser, tip_id: int, source: str) -> None:
    async with core.db.transaction() as session:
        tip = await session.get(Tip, tip_id, with_for_update=True)
        if tip is None or SOURCE_KEY in (tip.answers or {}):
            return
        tip.answers = {**tip.answers, SOURCE_KEY: source, OPERATOR_KEY: staff.username}  # a new dict: JSON columns track assignment
        audit.record(session, core, staff.username, "tip.taken_by_staff", tip_id, source=source)


async def receipt_shown(core: Core, staff: StaffUser, intake: StaffIntake) -> None:
    """The code and PIN let anyone add to the tip: every showing of them is audited."""
    if intake.receipt is not None:
        await audit.record_now(core, staff.username, "tip.receipt_view", intake.receipt.tip_id)

