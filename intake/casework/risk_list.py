"""The public risk list, staff side: a coordinator marks an organisation public, on the official
determination its red or orange colour rests on, withdraws it, and answers objections (异议).

Only organisations: publishing needs the organisation's unified social credit code (统一社会信用代码),
so a natural person (who has none; an identity card number is refused by name) and a sole trader
(个体工商户, whose code begins 92 and names its owner) can never be published, and the phone shown
must be a fixed line or a 400/800 number, never a mobile (a person's own phone). The public
look-up is intake/reporting/checks.py; README's "Prevention" says what may be published and why.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.casework.duplicates import phone_key, website_key
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain import purposes
from intake.domain.refusals import Refused
from intake.platform import audit
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Organisation, RiskObjection
from intake.staff.staff import Role

#: Colours that may be published: each rests on an official determination.
PUBLISHABLE = ("orange", "red")
MAX_FIELD_CHARS = 200
MAX_ANSWER_CHARS = 2000
OBJECTION_PURPOSE = purposes.RISK_OBJECTION

# GB 32100-2015: the 31 characters of a unified social credit code and the weights of its check character.
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11643-1999: a resident identity card number (a natural person).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SERVICE_NUMBER = re.compile(r"^[48]00\d{7}$")  # 400/800 numbers, which the phone parser does not take

NOT_A_PERSON = N_("This is a resident identity card number: a natural person is never published, only organisations.")
SOLE_TRADER = N_("This code belongs to a sole trader (个体工商户), whose entry would name its owner: only organisations are published.")
BAD_CODE = N_("Type the organisation's 18-character unified social credit code; this one is not valid.")
MOBILE_PHONE = N_("A mobile number is usually a person's own phone: publish only the organisation's fixed line or 400/800 number.")
BAD_PHONE = N_("This is not a phone number.")
BAD_WEBSITE = N_("This is not a web address.")
NEEDED = N_("This is needed to publish an organisation.")
BAD_DATE = N_("Type a date as 2026-12-31.")
FUTURE_DATE = N_("The determination's date cannot be in the future.")
EXPIRED = N_("The expiry must be after today and after the determination's date.")
NOT_CONFIRMED = N_("Confirm that this is an organisation and that the determination was made.")


class RiskListRefused(Refused):
    """`reason`: "role" (not a coordinator), "unknown" (no such organisation), "colour" (not red or
    orange), "form" (with `errors`: field -> Invalid)."""

    def __init__(self, reason: str, errors: dict[str, Invalid] | None = None) -> None:
        super().__init__("", None, reason=reason)
        self.errors = errors or {}


@dataclass(frozen=True)
class Determination:
    """What a coordinator types to publish an organisation (text as typed; checked by `check_determination`)."""

    credit_code: str
    unit: str
    reference: str
    decided_on: str
    expires_on: str
    phone: str = ""
    website: str = ""
    organisation_confirmed: bool = False


@dataclass(frozen=True)
class Checked:
    credit_code: str
    unit: str
    reference: str
    decided_on: date
    expires_on: date
    phone_key: str | None
    website: str | None
    website_key: str | None


def credit_code_problem(text: str) -> str | None:
    """Why `text` cannot be a publishable organisation's code (a msgid), or None."""
    code = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    if len(code) == 18 and _is_identity_number(code):
        return NOT_A_PERSON
    if len(code) != 18 or any(c not in _CODE_CHARS for c in code) or code[17] != _credit_check(code):
        return BAD_CODE
    if code.startswith("92"):
        return SOLE_TRADER
    return None


def _credit_check(code: str) -> str:
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(code[:17], _CODE_WEIGHTS))
    return _CODE_CHARS[(31 - total % 31) % 31]


def _is_identity_number(code: str) -> bool:
    if not (code[:17].isdigit() and (code[17].isdigit() or code[17] == "X")):
        return False
    return _ID_CHECK[sum(int(c) * w for c, w in zip(code[:17], _ID_WEIGHTS)) % 11] == code[17]


def organisation_phone_key(text: str) -> str | None:
    """A phone normalised as the duplicates feature does, or a 400/800 number's ten digits."""
    key = phone_key(text)
    if key is None:
        digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text))
        key = digits if _SERVICE_NUMBER.match(digits) else None
    return key


def _date(text: str) -> date | Invalid:
    try:
        return date.fromisoformat(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return Invalid(BAD_DATE)


def check_determination(today: date, form: Determination) -> Checked | dict[str, Invalid]:
    errors: dict[str, Invalid] = {}
    code = unicodedata.normalize("NFKC", form.credit_code).strip().upper().replace(" ", "")
    if not code:
        errors["credit_code"] = Invalid(NEEDED)
    elif problem := credit_code_problem(code):
        errors["credit_code"] = Invalid(problem)
    texts = {}
    for name, value in (("unit", form.unit), ("reference", form.reference)):
        cleaned = clean_text(value, max_chars=MAX_FIELD_CHARS) if value.strip() else Invalid(NEEDED)
        if isinstance(cleaned, Invalid):
            errors[name] = cleaned
        else:
            texts[name] = cleaned
    decided = _date(form.decided_on) if form.decided_on.strip() else Invalid(NEEDED)
    expires = _date(form.expires_on) if form.expires_on.strip() else Invalid(NEEDED)
    if isinstance(decided, date) and decided > today:
        decided = Invalid(FUTURE_DATE)
    if isinstance(expires, date) and (expires <= today or (isinstance(decided, date) and expires <= decided)):
        expires = Invalid(EXPIRED)
    for name, value in (("decided_on", decided), ("expires_on", expires)):
        if isinstance(value, Invalid):
            errors[name] = value
    phone = None
    if form.phone.strip():
        phone = organisation_phone_key(form.phone)
        if phone is None:
            errors["phone"] = Invalid(BAD_PHONE)
        elif _MOBILE.match(phone.removeprefix("+86").replace("-", "")):
            errors["phone"] = Invalid(MOBILE_PHONE)
    website = unicodedata.normalize("NFKC", form.website).strip()[:MAX_FIELD_CHARS] or None
    site_key = website_key(website) if website else None
    if website and (site_key is None or "." not in website):
        errors["website"] = Invalid(BAD_WEBSITE)
    if not form.organisation_confirmed:
        errors["organisation_confirmed"] = Invalid(NOT_CONFIRMED)
    if errors:
        return errors
    assert isinstance(decided, date) and isinstance(expires, date)
    return Checked(code, texts["unit"], texts["reference"], decided, expires, phone, website, site_key)


def _coordinator(staff: StaffUser) -> None:
    if staff.role != Role.COORDINATOR:
        raise RiskListRefused("role")


async def _organisation(session: AsyncSession, key: str) -> Organisation:
    row = await session.scalar(select(Organisation).where(Organisation.key == key).with_for_update())
    if row is None:
        raise RiskListRefused("unknown")
    return row


async def publish(core: Core, staff: StaffUser, key: str, form: Determination) -> Organisation:
    """Mark a red or orange organisation public on its determination (coordinators; audited)."""
    _coordinator(staff)
    checked = check_determination(core.today(), form)
    async with core.db.transaction() as session:
        row = await _organisation(session, key)
        if row.colour not in PUBLISHABLE:
            raise RiskListRefused("colour")
        if isinstance(checked, dict):
            raise RiskListRefused("form", checked)
        row.public, row.credit_code = True, checked.credit_code
        row.determination_unit, row.determination_ref = checked.unit, checked.reference
        row.determination_date, row.determination_expires = checked.decided_on, checked.expires_on
        row.public_phone_key, row.public_website, row.public_website_key = checked.phone_key, checked.website, checked.website_key
        row.published_by, row.published_at = staff.username, core.clock.now()
        audit.record(session, core, staff.username, "risk_list.publish", None, key=key, colour=row.colour,
                     determination=checked.reference, expires=checked.expires_on.isoformat())
    return row


async def withdraw(core: Core, staff: StaffUser, key: str, *, reason: str = "") -> Organisation:
    """Take an organisation off the public list at once (coordinators; audited)."""
    _coordinator(staff)
    async with core.db.transaction() as session:
        row = await _organisation(session, key)
        row.public = False
        audit.record(session, core, staff.username, "risk_list.withdraw", None, key=key, reason=reason[:MAX_FIELD_CHARS])
    return row


# --- objections --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ObjectionView:
    id: int
    organisation_key: str
    organisation_name: str
    public: bool
    text: str
    contact: str
    language: str
    received_at: object
    answer: str | None
    outcome: str | None
    answered_by: str | None


async def objections(core: Core, staff: StaffUser, *, open_only: bool = False) -> list[ObjectionView]:
    """Objections to the public list, unanswered first (coordinators only)."""
    _coordinator(staff)
    query = select(RiskObjection, Organisation).join(Organisation, Organisation.id == RiskObjection.organisation_id)
    if open_only:
        query = query.where(RiskObjection.answered_at.is_(None))
    async with core.db.session() as session:
        rows = (await session.execute(query.order_by(RiskObjection.answered_at.is_not(None), RiskObjection.id.desc()))).all()
    return [ObjectionView(o.id, org.key, org.display_name, org.public, o.text,
                          core.keys.open_text(o.contact_sealed, purpose=OBJECTION_PURPOSE) if o.contact_sealed else "",
                          o.language, o.received_at, o.answer, o.outcome, o.answered_by) for o, org in rows]


async def answer_objection(core: Core, staff: StaffUser, objection_id: int, answer: str, *, withdraw_entry: bool) -> RiskObjection:
    """Answer an objection, and take the organisation off the public list at once when it is upheld."""
    _coordinator(staff)
    cleaned = clean_text(answer, max_chars=MAX_ANSWER_CHARS) if answer.strip() else Invalid(NEEDED)
    if isinstance(cleaned, Invalid):
        raise RiskListRefused("form", {"answer": cleaned})
    async with core.db.transaction() as session:
        objection = await session.get(RiskObjection, objection_id, with_for_update=True)
        if objection is None:
            raise RiskListRefused("unknown")
        organisation = await session.get(Organisation, objection.organisation_id, with_for_update=True)
        outcome = "withdrawn" if withdraw_entry else "kept"
        objection.answer, objection.outcome = cleaned, outcome
        objection.answered_by, objection.answered_at = staff.username, core.clock.now()
        if withdraw_entry and organisation is not None:
            organisation.public = False
        audit.record(session, core, staff.username, "risk_list.objection_answered", None, objection=objection_id,
                     key=organisation.key if organisation else None, outcome=outcome)
    return objection
