"""The 核查 workflow's statuses (DOMAIN.md): what each is called, in every language."""
from __future__ import annotations

from enum import StrEnum

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
}
