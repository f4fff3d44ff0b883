"""Telling a member of staff that someone is guessing at their sign-in (intake/staff/auth.py decides
when): by e-mail to their own address when they have one, in their language; otherwise through
their unit's alert addresses (intake/notify/unit_alerts.py), in the units' language.

Through the outbox like every notice (kind "staff_alert", one stream per person and channel), the
address looked up when it is sent. It says how many attempts failed and when, never from where.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_, Translator
from intake.platform.core import Core
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import StaffUser
from intake.notify.outbox import STAFF_ALERT, UNIT_ALERT, Notice
from intake.notify.unit_alerts import UNIT_LANGUAGE, unit_destinations

logger = logging.getLogger(__name__)

GUESSING = "guessing"
GUESSING_SUBJECT = N_("Failed sign-ins to the staff console with the user name %(user)s")
GUESSING_LINES = (
    N_("%(count)s attempts to sign in to the staff console with the user name %(user)s (%(name)s) have failed, "
       "the latest at %(time)s."),
    N_("Sign-in with this name is slowed down for now: after each further failure the console waits longer before it "
       "checks the next attempt, at most %(minutes)s minutes."),
    N_("If these attempts were not made by %(name)s, tell your system administrator. %(name)s can still sign in at once "
       "from a browser where they signed in during the last 30 days."),
)


def destinations(core: Core, user: StaffUser) -> list[tuple[str, str, str]]:
    """(channel, address, language): the person's own e-mail, else their unit's alert addresses."""
    if user.email:
        return [("email", user.email, user.language)]
    unit = core.deployment.unit_by_code.get(user.unit_code or "")
    return [(channel, address, UNIT_LANGUAGE) for channel, address in unit_destinations(unit)]


def queue_guessing_alert(core: Core, session: AsyncSession, user: StaffUser, failures: int, *,
                         longest_wait: int) -> list[Notification]:
    """Tell `user` that `failures` attempts at their name failed and that each further one waits up
    to `longest_wait` minutes, inside the caller's transaction."""
    now = core.clock.now()
    queued = []
    for channel, _address, _language in destinations(core, user):
        notification = Notification(
            tip_id=None, event_id=None, stream=f"staff:{user.id}:{channel}", channel=channel, kind=STAFF_ALERT,
            payload={"about": GUESSING, "staff": user.id, "failures": failures, "at": now.isoformat(), "minutes": longest_wait},
            status="pending", next_attempt_at=now, created_at=now,
        )
        session.add(notification)
        queued.append(notification)
    if not queued:
        logger.warning("sign-in: %s failed attempts at %s, who has no e-mail and whose unit has no alert address",
                       failures, user.username)
    return queued


async def render_staff_alert(core: Core, session: AsyncSession, notification: Notification) -> Notice | None:
    """The notice as it is sent, to the address configured now; None when there is none any more."""
    payload = notification.payload or {}
    user = await session.get(StaffUser, int(payload.get("staff") or 0))
    if user is None:
        return None
    found = {channel: (address, language) for channel, address, language in destinations(core, user)}
    if notification.channel not in found:
        return None
    address, language = found[notification.channel]
    _ = Translator(language)
    at = datetime.fromisoformat(str(payload.get("at"))).astimezone(ZoneInfo(core.settings.timezone))
    params = {"user": user.username, "name": user.display_name, "count": int(payload.get("failures") or 0),
              "time": at.strftime("%Y-%m-%d %H:%M"), "minutes": int(payload.get("minutes") or 15)}
    subject = _(GUESSING_SUBJECT, **params)
    body = "\n\n".join(_(line, **params) for line in GUESSING_LINES)
    if notification.channel != "email":  # a chat message has no subject line of its own
        body = f"{subject}\n\n{body}"
    # To a unit's address it is sent as the unit's alerts are (a group chat has no person to look up).
    template = STAFF_ALERT if user.email else UNIT_ALERT
    return Notice(channel=notification.channel, address=address, language=language, subject=subject, body=body,
                  template=template, params={"user": user.username})
