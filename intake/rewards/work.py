"""What every reward administrator's action stands on: the refused-action error, the checks of
role and region, and the one transaction that audits a refusal."""
from __future__ import annotations

from contextlib import asynccontextmanager

from i18n import N_
from intake.casework.casework import CaseworkError
from intake.platform import audit
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Tip
from intake.staff.staff import Role, can_see


SYSTEM = "system"  # the actor of what the scheme does by itself (a version recorded, a lapse)


class RewardError(CaseworkError):
    """A refused reward action, with a message id (the core's `messages` domain)."""


def refused(message: str, **params: object) -> RewardError:
    error = RewardError(message, **params)
    error.refused = True
    return error


def check_visible(core: Core, staff: StaffUser, tip: Tip | None) -> None:
    """A tip outside the administrator's region is "not found", like a missing one (audited)."""
    if tip is None or not can_see(core, staff, tip, []):
        error = refused(N_("Tip not found."))
        error.tip_id = tip.id if tip else None
        raise error


def require_admin(staff: StaffUser) -> None:
    if staff.role != Role.REWARD_ADMIN:
        raise refused(N_("Only reward administrators handle rewards."))


@asynccontextmanager
async def reward_work(core: Core, staff: StaffUser | None, action: str, tip_id: int | None):
    """One transaction; a refusal is audited in its own transaction after the rollback."""
    try:
        async with core.db.transaction() as session:
            yield session
    except RewardError as error:
        if getattr(error, "refused", False):
            await audit.record_now(core, staff.username if staff else SYSTEM, f"refused:{action}",
                                   getattr(error, "tip_id", None) or tip_id, reason=str(error))
        raise
