"""The 核查 workflow (DOMAIN.md): statuses, who may move a tip from which status to which,
the legal clocks, and the one function that makes each step.

A step checks permission, writes the status event (public message + internal note),
updates the tip, enqueues the reporter's notices and audits itself, in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from i18n import N_


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    VERIFYING = "verifying"
    NEEDS_INFO = "needs_info"
    TRANSFERRED_POLICE = "transferred_police"
    SUBSTANTIATED = "substantiated"
    UNSUBSTANTIATED = "unsubstantiated"
    CLOSED = "closed"
    MERGED = "merged"


#: What the reporter reads for each status (catalog msgids).
STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: N_("Received"),
    Status.ACCEPTED: N_("Accepted for checking"),
    Status.DECLINED: N_("Not taken on"),
    Status.VERIFYING: N_("Being checked"),
    Status.NEEDS_INFO: N_("Waiting for your answer"),
    Status.TRANSFERRED_POLICE: N_("Passed to the police"),
    Status.SUBSTANTIATED: N_("Confirmed"),
    Status.UNSUBSTANTIATED: N_("Not confirmed"),
    Status.CLOSED: N_("Finished"),
    Status.MERGED: N_("Joined with another report"),
}

#: The system's own public messages, by template id (catalog msgids, %-style params).
SYSTEM_MESSAGES: dict[str, str] = {
    "submitted": N_(
        "We have received your report. The office responsible will look at it and you can follow "
        "each step here with your tracking code."
    ),
    "reporter_replied": N_("You added information. Thank you."),
    # Written by retention (intake/admin/retention.py) when the reporter's personal data is erased.
    "personal_data_erased": N_(
        "Under our data-retention policy, your name, contact details, chat and files for this report "
        "have now been erased. What the report says is kept."
    ),
}

# Who may act, relative to one tip.
UNIT = "unit"  # an officer or the lead of the tip's lead unit
LEAD = "lead"  # the lead of the tip's lead unit
COORDINATOR = "coordinator"  # a coordinator whose region covers the tip
POLICE = "police"  # staff of a police unit working on the tip
REPORTER = "reporter"  # the reporter, by answering a question


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    who: frozenset[str]
    notify: bool = True  # DOMAIN.md: the reporter is told of every status change


def _t(source: Status, targets: tuple[Status, ...], *who: str) -> list[Transition]:
    return [Transition(source, target, frozenset(who)) for target in targets]


S = Status
TRANSITIONS: tuple[Transition, ...] = tuple(
    _t(S.SUBMITTED, (S.ACCEPTED, S.DECLINED, S.MERGED), UNIT, COORDINATOR)
    + _t(S.ACCEPTED, (S.VERIFYING, S.NEEDS_INFO, S.TRANSFERRED_POLICE, S.MERGED), UNIT)
    + _t(S.VERIFYING, (S.NEEDS_INFO, S.TRANSFERRED_POLICE, S.SUBSTANTIATED, S.UNSUBSTANTIATED), UNIT)
    + _t(S.NEEDS_INFO, (S.VERIFYING,), UNIT, REPORTER)
    + _t(S.TRANSFERRED_POLICE, (S.SUBSTANTIATED, S.UNSUBSTANTIATED, S.CLOSED), UNIT, POLICE)
    + _t(S.SUBSTANTIATED, (S.CLOSED,), LEAD)
    + _t(S.UNSUBSTANTIATED, (S.CLOSED,), LEAD)
    + _t(S.CLOSED, (S.VERIFYING,), COORDINATOR)
)
TRANSITION_BY_STEP = {(t.source, t.target): t for t in TRANSITIONS}

#: Re-routing keeps the status and restarts its clock.
REROUTE_FROM = (S.SUBMITTED, S.ACCEPTED)
REROUTE_WHO = frozenset({LEAD, COORDINATOR})
#: Statuses in which the finish clock runs (or is paused).
ACTIVE = (S.ACCEPTED, S.VERIFYING, S.NEEDS_INFO, S.TRANSFERRED_POLICE)
#: Statuses that need a public message written for the occasion, not just the default.
NEEDS_OWN_MESSAGE = (S.NEEDS_INFO,)

# Clocks, in calendar days of the deployment's time zone.
ACCEPT_DAYS = 15
FINISH_DAYS = 60
MAX_EXTENSION_DAYS = 30
NO_ANSWER_DAYS = 15


def allowed_targets(status: str) -> list[Status]:
    return [t.target for t in TRANSITIONS if t.source == status]


def due_after(moment: datetime, days: int, tz: str) -> datetime:
    """The end of the local calendar day `days` days after `moment`, in UTC (as every stored
    time is: SQLite keeps the wall-clock time and drops the offset)."""
    zone = ZoneInfo(tz)
    local_day = moment.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local_day, time(23, 59, 59), zone).astimezone(timezone.utc)
