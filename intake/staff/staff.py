"""Staff users, their roles and what each may see.

Officers and unit leads see the tips of their own unit (lead or assisting); coordinators
see every tip of the units in their region and below; the rest see no tip by default. A change
of role or unit, and disabling an account, end the person's console sessions at once.
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import exists, or_, select

from i18n import N_
from intake.platform import audit
from intake.staff import staff_sessions
from intake.domain.answers.emails import parse_email
from intake.domain.answers.invalid import Invalid
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Assignment, Tip


class Role(StrEnum):
    OFFICER = "officer"
    UNIT_LEAD = "unit_lead"
    COORDINATOR = "coordinator"
    REWARD_ADMIN = "reward_admin"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"


ROLE_LABELS = {
    Role.OFFICER: N_("Officer"),
    Role.UNIT_LEAD: N_("Unit lead"),
    Role.COORDINATOR: N_("Coordinator"),
    Role.REWARD_ADMIN: N_("Reward administrator"),
    Role.AUDITOR: N_("Auditor"),
    Role.SYSADMIN: N_("System administrator"),
}

UNIT_ROLES = (Role.OFFICER, Role.UNIT_LEAD)


class StaffError(ValueError):
    pass


def _check_role(core: Core, role: str, unit: str | None) -> None:
    if role not in Role.__members__.values():
        raise StaffError(f"unknown role {role!r}; choose one of {', '.join(Role)}")
    if role in (Role.OFFICER, Role.UNIT_LEAD, Role.COORDINATOR) and not unit:
        raise StaffError(f"a {role} belongs to a unit: give --unit")
    if unit and unit not in core.deployment.unit_by_code:
        raise StaffError(f"unknown unit {unit!r}")


def _checked_email(email: str | None) -> str | None:
    if not email:
        return None
    parsed = parse_email(email)
    if isinstance(parsed, Invalid):
        raise StaffError(f"not an e-mail address: {email!r}")
    return parsed


async def add_staff(core: Core, username: str, *, role: str, unit: str | None, display_name: str = "", language: str = "zh_Hans",
                    email: str | None = None) -> StaffUser:
    _check_role(core, role, unit)
    user = StaffUser(
        username=username, display_name=display_name or username, role=role, unit_code=unit,
        language=language, created_at=core.clock.now(), email=_checked_email(email),
    )
    async with core.db.transaction() as session:
        if await session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            raise StaffError(f"user {username!r} exists")
        session.add(user)
    return user


async def change_role(core: Core, username: str, *, role: str, unit: str | None, actor: str) -> None:
    """Give someone another role or unit. Their sessions end: they sign in again to act in it."""
    _check_role(core, role, unit)
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise StaffError(f"unknown user {username!r}")
        before = (user.role, user.unit_code)
        user.role, user.unit_code = role, unit
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, actor, "staff.role_changed", None, user=username, role=role, unit=unit,
                     was_role=before[0], was_unit=before[1])


async def set_staff_email(core: Core, username: str, email: str | None, *, actor: str) -> None:
    """Their own work address, told when someone guesses at their sign-in (None: their unit's)."""
    address = _checked_email(email)
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise StaffError(f"unknown user {username!r}")
        user.email = address
        audit.record(session, core, actor, "staff.email_set", None, user=username)


async def disable_staff(core: Core, username: str, *, actor: str) -> None:
    """Disable an account: no more sign-ins, and its sessions end at once."""
    async with core.db.transaction() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise StaffError(f"unknown user {username!r}")
        user.active = False
        await staff_sessions.end_all(session, user.id)
        audit.record(session, core, actor, "staff.disabled", None, user=username)


async def get_staff(core: Core, username: str) -> StaffUser | None:
    async with core.db.session() as session:
        return await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))


def staff_region(core: Core, staff: StaffUser) -> str | None:
    unit = core.deployment.unit_by_code.get(staff.unit_code or "")
    return unit.region if unit else None


def visible_units(core: Core, staff: StaffUser) -> set[str] | None:
    """Units whose tips this person may see; None means none at all."""
    if staff.role in UNIT_ROLES and staff.unit_code:
        return {staff.unit_code}
    if staff.role in (Role.COORDINATOR, Role.AUDITOR, Role.REWARD_ADMIN):
        region = staff_region(core, staff) or core.deployment.root_region().code
        regions = core.deployment.region_and_below(region)
        return {u.code for u in core.deployment.units if u.region in regions}
    return None


def tips_in_scope(core: Core, staff: StaffUser):
    """The SQL condition on Tip for the tips this person may see (None: none at all): the one
    definition used by every list, so a queue never shows what a tip page would refuse."""
    units = visible_units(core, staff)
    if not units:
        return None
    if staff.role in UNIT_ROLES:
        # EXISTS per tip, not IN (a list of the unit's every assignment): checking one tip, or a
        # page of them, then costs a few index look-ups instead of a read of the whole unit.
        return exists().where(Assignment.tip_id == Tip.id, Assignment.unit_code.in_(units), Assignment.active.is_(True))
    region = staff_region(core, staff) or core.deployment.root_region().code
    return or_(Tip.lead_unit.in_(units), Tip.region_code.in_(core.deployment.region_and_below(region)))


def can_see(core: Core, staff: StaffUser, tip: Tip, assignments: list[Assignment]) -> bool:
    units = visible_units(core, staff)
    if not units:
        return False
    if staff.role in UNIT_ROLES:
        return any(a.active and a.unit_code in units for a in assignments)
    region = tip.region_code
    return tip.lead_unit in units or region in core.deployment.region_and_below(staff_region(core, staff) or core.deployment.root_region().code)
