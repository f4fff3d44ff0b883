"""Warnings and typical cases (预警、典型案例) from the first draft to the public site.

    draft --propose--> proposed --approve (a second coordinator)--> published --withdraw--> withdrawn
      ^                   |
      +------reject-------+

A coordinator writes a warning (Chinese first; Tibetan and English beside it, or later) and
proposes it; a different coordinator approves it and so confirms that nothing in it identifies a
reporter or a victim (the two-person rule of rewards: official speech). A translation added once
a warning is proposed or published waits in `pending_texts` until a second coordinator approves
it too: nothing reaches the public that only one person has read. Withdrawing takes effect at
once, by one coordinator. Every step and every refusal is audited (`warning.*`).
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from intake.domain.answers.invalid import Invalid
from intake.domain.events import WarningPublished
from intake.domain.refusals import Refused
from intake.domain.warnings import KINDS, MAX_ENTRIES, check_texts, check_until, read_address, read_number
from intake.platform import audit, unit_of_work
from intake.platform.core import Core
from intake.platform.models.prevention import ScamWarning
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Organisation
from intake.casework.duplicates import organisation_key
from intake.staff.staff import Role, staff_region

STATUSES = ("draft", "proposed", "published", "withdrawn")
TRANSLATOR_ROLES = (Role.OFFICER, Role.UNIT_LEAD, Role.COORDINATOR)  # as for a tip's texts
MAX_REASON_CHARS = 1000


class WarningRefused(Refused):
    """A refused step on a warning: a message id of the core's catalog, read in the staff's language."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params)


@dataclass(frozen=True)
class WarningForm:
    """What a coordinator fills in; `texts` holds {language: (title, body)}, Chinese required."""

    kind: str
    category: str
    regions: tuple[str, ...]
    visible_until: date | None
    texts: dict[str, tuple[str, str]]
    do_not_call: tuple[str, ...] = ()
    do_not_open: tuple[str, ...] = ()
    organisation: str = ""  # the name of an organisation of the organisations page, or empty


@dataclass(frozen=True)
class Checked:
    kind: str
    category: str
    regions: list[str]
    visible_until: date
    texts: dict[str, dict[str, str]]
    do_not_call: list[str]
    do_not_open: list[str]
    organisation_id: int | None = None


class FormErrors(Exception):
    """Every field that needs fixing, each with an Invalid (message id and parameters)."""

    def __init__(self, errors: dict[str, Invalid]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def check_form(core: Core, staff: StaffUser, form: WarningForm) -> Checked:
    """The form cleaned, or FormErrors naming each field to fix (all of them at once)."""
    deployment = core.deployment
    errors: dict[str, Invalid] = {}
    if form.kind not in KINDS:
        errors["kind"] = Invalid(N_("Choose whether this is a warning or a typical case."))
    if form.category not in {c.code for c in deployment.active_categories()}:
        errors["category"] = Invalid(N_("Choose the kind of scam it is about."))
    covered = _covered_regions(core, staff)
    regions = sorted(set(form.regions))
    if not regions or any(code not in deployment.region_by_code for code in regions):
        errors["regions"] = Invalid(N_("Choose at least one region where the warning applies."))
    elif any(code not in covered for code in regions):
        errors["regions"] = Invalid(N_("Choose regions within your own region."))
    until = check_until(form.visible_until, core.today())
    if isinstance(until, Invalid):
        errors["visible_until"] = until
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        title, body = (part.strip() for part in form.texts.get(language, ("", "")))
        if not title and not body and language != DEFAULT_LANGUAGE:
            continue  # not translated yet
        checked = check_texts(title, body, deployment)
        if isinstance(checked, Invalid):
            errors[f"text_{language}"] = checked
        else:
            texts[language] = {"title": checked[0], "body": checked[1]}
    numbers = _entries(form.do_not_call, lambda value: read_number(value, deployment), "do_not_call", errors)
    addresses = _entries(form.do_not_open, read_address, "do_not_open", errors)
    if errors:
        raise FormErrors(errors)
    return Checked(form.kind, form.category, regions, until, texts, numbers, addresses)  # type: ignore[arg-type]


NO_SUCH_ORGANISATION = N_("No organisation of that name is on the organisations page. Give it a colour there first, "
                          "or leave this empty if the warning is about no one organisation.")


async def _organisation_id(core: Core, name: str) -> int | None | Invalid:
    """The organisation (of the duplicates feature, with the colour staff gave it) named, by its
    name as the duplicates feature normalises it."""
    if not name.strip():
        return None
    key = organisation_key(name)
    async with core.db.session() as session:
        found = await session.scalar(select(Organisation.id).where(Organisation.key == key)) if key else None
    return found if found is not None else Invalid(NO_SUCH_ORGANISATION)


async def checked_form(core: Core, staff: StaffUser, form: WarningForm) -> Checked:
    """check_form, and the organisation the warning is about looked up: FormErrors names every field to fix."""
    errors: dict[str, Invalid] = {}
    checked: Checked | None = None
    try:
        checked = check_form(core, staff, form)
    except FormErrors as error:
        errors = dict(error.errors)
    organisation = await _organisation_id(core, form.organisation)
    if isinstance(organisation, Invalid):
        errors["organisation"] = organisation
    if errors or checked is None:
        raise FormErrors(errors)
    return replace(checked, organisation_id=organisation)


async def organisation_name(core: Core, organisation_id: int | None) -> str:
    if organisation_id is None:
        return ""
    async with core.db.session() as session:
        return await session.scalar(select(Organisation.display_name).where(Organisation.id == organisation_id)) or ""


def _entries(values: tuple[str, ...], read, name: str, errors: dict[str, Invalid]) -> list[str]:  # noqa: ANN001
    kept: list[str] = []
    for value in (v for v in values if v.strip()):
        read_value = read(value)
        if isinstance(read_value, Invalid):
            errors.setdefault(name, read_value)
        elif read_value not in kept:
            kept.append(read_value)
    if len(kept) > MAX_ENTRIES:
        errors.setdefault(name, Invalid(N_("Give at most %(max)s, one per line."), {"max": MAX_ENTRIES}))
    return kept


def _covered_regions(core: Core, staff: StaffUser) -> set[str]:
    return core.deployment.region_and_below(staff_region(core, staff) or core.deployment.root_region().code)


def _not_your_role(message: str) -> WarningRefused:
    error = _refused(message)
    error.reason = "role"  # not what was asked but who asked: a channel answers "forbidden"
    return error


def _require_coordinator(staff: StaffUser) -> None:
    if staff.role != Role.COORDINATOR:
        raise _not_your_role(N_("Only coordinators write and publish warnings."))


def _refused(message: str, **params: object) -> WarningRefused:
    error = WarningRefused(message, **params)
    error.refused = True  # type: ignore[attr-defined]
    return error


@asynccontextmanager
async def _work(core: Core, staff: StaffUser, action: str, warning_id: int | None):
    """One transaction; a refusal is audited in its own transaction after the rollback."""
    try:
        async with unit_of_work.transaction(core) as session:  # publishing raises WarningPublished
            yield session
    except WarningRefused as error:
        if getattr(error, "refused", False):
            await audit.record_now(core, staff.username, f"refused:warning.{action}", None, warning=warning_id,
                                   reason=str(error))
        raise


async def _load(session: AsyncSession, core: Core, staff: StaffUser, warning_id: int) -> ScamWarning:
    warning = await session.get(ScamWarning, warning_id, with_for_update=True)
    if warning is None or not set(warning.regions) & _covered_regions(core, staff):
        raise _refused(N_("No such warning."))
    return warning


async def create_warning(core: Core, staff: StaffUser, form: WarningForm) -> ScamWarning:
    _require_coordinator(staff)
    checked = await checked_form(core, staff, form)
    now = core.clock.now()
    async with _work(core, staff, "create", None) as session:
        warning = ScamWarning(
            kind=checked.kind, status="draft", category=checked.category, regions=checked.regions, texts=checked.texts,
            pending_texts=None, do_not_call=checked.do_not_call, do_not_open=checked.do_not_open,
            visible_until=checked.visible_until, organisation_id=checked.organisation_id, written_by=staff.username,
            written_at=now, edited_by=staff.username)
        session.add(warning)
        await session.flush()
        audit.record(session, core, staff.username, "warning.create", None, warning=warning.id)
        return warning


async def edit_warning(core: Core, staff: StaffUser, warning_id: int, form: WarningForm) -> ScamWarning:
    """Change a draft (a proposed warning goes back to draft first: reject it, or withdraw it)."""
    _require_coordinator(staff)
    checked = await checked_form(core, staff, form)
    async with _work(core, staff, "edit", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        if warning.status != "draft":
            raise _refused(N_("Only a draft can be changed; a published warning can be withdrawn and written again."))
        warning.kind, warning.category, warning.regions = checked.kind, checked.category, checked.regions
        warning.texts, warning.visible_until = checked.texts, checked.visible_until
        warning.do_not_call, warning.do_not_open = checked.do_not_call, checked.do_not_open
        warning.organisation_id = checked.organisation_id
        warning.edited_by = staff.username
        audit.record(session, core, staff.username, "warning.edit", None, warning=warning.id)
        return warning


async def propose_warning(core: Core, staff: StaffUser, warning_id: int) -> ScamWarning:
    _require_coordinator(staff)
    async with _work(core, staff, "propose", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        if warning.status != "draft":
            raise _refused(N_("Only a draft can be proposed for publishing."))
        warning.status, warning.proposed_by, warning.proposed_at = "proposed", staff.username, core.clock.now()
        warning.rejection_reason = None
        audit.record(session, core, staff.username, "warning.propose", None, warning=warning.id)
        return warning


async def approve_warning(core: Core, staff: StaffUser, warning_id: int, *, nothing_identifies: bool) -> ScamWarning:
    """A second coordinator publishes a proposed warning, or approves translations waiting on a
    published one, after confirming that nothing in it identifies a reporter or the person who was targeted."""
    _require_coordinator(staff)
    async with _work(core, staff, "approve", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        waiting = warning.pending_texts or {}
        if warning.status == "proposed":
            others = {warning.proposed_by, warning.edited_by}
        elif warning.status == "published" and waiting:
            others = {entry["by"] for entry in waiting.values()}
        else:
            raise _refused(N_("There is nothing on this warning waiting for approval."))
        if staff.username in others:
            raise _refused(N_("You wrote or proposed this, so a different coordinator must approve it."))
        if not nothing_identifies:
            raise WarningRefused(N_("Confirm that nothing in the warning identifies a reporter or the person who was targeted."))
        if not set(warning.regions) <= _covered_regions(core, staff):
            raise _refused(N_("The warning covers regions outside yours: a coordinator who covers them all must approve it."))
        now = core.clock.now()
        texts = {**warning.texts, **{lang: {"title": e["title"], "body": e["body"]} for lang, e in waiting.items()}}
        values: dict[str, object] = {"texts": texts, "pending_texts": None, "approved_by": staff.username, "approved_at": now}
        publishing = warning.status == "proposed"
        if publishing:
            values.update(status="published", published_at=now)
        # Only if nothing changed since it was read: two approvals racing make one.
        result = await session.execute(
            update(ScamWarning).where(ScamWarning.id == warning.id, ScamWarning.status == warning.status)
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise WarningRefused(N_("Someone else decided on this warning first; reload the page to see it."))
        await session.refresh(warning)
        audit.record(session, core, staff.username, "warning.approve", None, warning=warning.id,
                     languages=sorted(waiting) if waiting else None, confirmed_nothing_identifies=True)
        if publishing:  # its subscribers are told, once: a translation approved later is no new warning
            unit_of_work.raise_event(session, WarningPublished(warning.id))
        return warning


async def reject_warning(core: Core, staff: StaffUser, warning_id: int, *, reason: str) -> ScamWarning:
    """A second coordinator sends a proposed warning back to draft with a reason, or turns
    down the translations waiting on a published one."""
    _require_coordinator(staff)
    reason = reason.strip()[:MAX_REASON_CHARS]
    if not reason:
        raise WarningRefused(N_("Write why, so the writer can put it right."))
    async with _work(core, staff, "reject", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        if warning.status == "proposed":
            if staff.username == warning.proposed_by:
                raise _refused(N_("You wrote or proposed this, so a different coordinator must approve it."))
            warning.status, warning.proposed_by, warning.proposed_at = "draft", None, None
        elif not (warning.status == "published" and warning.pending_texts):
            raise _refused(N_("There is nothing on this warning waiting for approval."))
        warning.pending_texts = None
        warning.rejection_reason = reason
        audit.record(session, core, staff.username, "warning.reject", None, warning=warning.id, reason=reason)
        return warning


async def withdraw_warning(core: Core, staff: StaffUser, warning_id: int, *, reason: str) -> ScamWarning:
    """Take a published warning off the site, the feed and the bot at once (one coordinator)."""
    _require_coordinator(staff)
    reason = reason.strip()[:MAX_REASON_CHARS]
    if not reason:
        raise WarningRefused(N_("Write why the warning is withdrawn."))
    async with _work(core, staff, "withdraw", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        if warning.status not in ("published", "proposed"):
            raise _refused(N_("Only a published or proposed warning can be withdrawn."))
        warning.status, warning.withdrawn_by, warning.withdrawn_at = "withdrawn", staff.username, core.clock.now()
        warning.withdrawal_reason, warning.pending_texts = reason, None
        audit.record(session, core, staff.username, "warning.withdraw", None, warning=warning.id, reason=reason)
        return warning


async def translate_warning(core: Core, staff: StaffUser, warning_id: int, language: str, title: str, body: str) -> ScamWarning:
    """A bilingual colleague adds the Tibetan or English text: in a draft at once (the approval
    will cover it), on a proposed or published warning as waiting for a second coordinator."""
    if staff.role not in TRANSLATOR_ROLES:
        raise _not_your_role(N_("Only officers, unit leads and coordinators translate."))
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        raise WarningRefused(N_("Choose Tibetan or English: the warning is written in Chinese."))
    checked = check_texts(title, body, core.deployment)
    if isinstance(checked, Invalid):
        raise WarningRefused(checked.message, **checked.params)
    async with _work(core, staff, "translate", warning_id) as session:
        warning = await _load(session, core, staff, warning_id)
        entry = {"title": checked[0], "body": checked[1]}
        if warning.status == "draft":
            warning.texts = {**warning.texts, language: entry}
            warning.edited_by = staff.username
        elif warning.status in ("proposed", "published"):
            warning.pending_texts = {**(warning.pending_texts or {}), language: {**entry, "by": staff.username}}
        else:
            raise _refused(N_("A withdrawn warning is not translated."))
        audit.record(session, core, staff.username, "warning.translate", None, warning=warning.id, language=language)
        return warning


# --- reading ------------------------------------------------------------------------------------

async def warnings_for_staff(core: Core, staff: StaffUser) -> list[ScamWarning]:
    """Every warning touching the person's region, newest first."""
    covered = _covered_regions(core, staff)
    async with core.db.session() as session:
        rows = (await session.scalars(select(ScamWarning).order_by(ScamWarning.id.desc()))).all()
    return [w for w in rows if set(w.regions) & covered]


async def warnings_to_translate(core: Core, staff: StaffUser) -> list[tuple[ScamWarning, list[str]]]:
    """For the needs-translation queue: each live warning of the person's region with the
    languages it still lacks (a translation waiting for approval counts as there), oldest first."""
    found = []
    for warning in reversed(await warnings_for_staff(core, staff)):
        there = set(warning.texts) | set(warning.pending_texts or {})
        missing = [language for language in LANGUAGES if language not in there]
        if warning.status != "withdrawn" and missing:
            found.append((warning, missing))
    return found


async def warning_for_staff(core: Core, staff: StaffUser, warning_id: int) -> ScamWarning | None:
    async with core.db.session() as session:
        warning = await session.get(ScamWarning, warning_id)
    return warning if warning is not None and set(warning.regions) & _covered_regions(core, staff) else None
