"""What every channel shows once a report is sent: the tracking code grouped to read out, the
reply PIN, "call 110 now" when money is being paid, and the category's safety advice."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from intake.domain.deployment import Deployment, LocalText
from intake.domain.questionnaire import URGENT_AFTER_SENDING
from intake.domain.tracking import format_code


class Sent(Protocol):
    """What a receipt of the reporting layer carries (intake.reporting.submission.Receipt)."""

    code: str
    pin: str
    urgent: bool
    category: str
    language: str


@dataclass(frozen=True)
class AfterReceipt:
    code: str  # grouped in fours: "4821 0937 5562"
    pin: str
    urgent_notice: str | None  # msgid, when the answers said money is being paid now
    advice: LocalText | None  # deployment text, one per language
    language: str  # the reporter's

    def advice_in(self, language: str | None = None) -> str | None:
        """The safety advice in `language`, by default the reporter's."""
        return self.advice.get(language or self.language) if self.advice is not None else None


def after_receipt(receipt: Sent, deployment: Deployment) -> AfterReceipt:
    category = deployment.category_by_code.get(receipt.category)
    return AfterReceipt(
        code=format_code(receipt.code),
        pin=receipt.pin,
        urgent_notice=URGENT_AFTER_SENDING if receipt.urgent else None,
        advice=category.advice if category is not None else None,
        language=receipt.language,
    )
