"""A use case saying no: one shape for every refusal of the core, which each channel shows one way."""
from __future__ import annotations

from collections.abc import Mapping

from i18n import Translator
from intake.domain.workflow import STATUS_LABELS, Status


class Refused(Exception):
    """A refused request. `message` is a msgid of the core's catalog with its `params`, for the
    reader in their language (describe); `reason` a short code where a channel words the refusal
    itself (the console's own texts: console/refusals.py), with no message or with one that
    says more (a note that is too long)."""

    def __init__(self, message: str = "", params: Mapping[str, object] | None = None, *, reason: str = "") -> None:
        self.message = message
        self.params = dict(params or {})
        self.reason = reason
        super().__init__(message % self.params if message and self.params else message or reason)


def describe(refused: Refused, language: str) -> str:
    """The refusal in the reader's language, with statuses by their names, not their codes."""
    _ = Translator(language)
    params = {
        key: _(STATUS_LABELS[Status(value)]) if key in ("source", "target", "status") and value in Status.__members__.values() else value
        for key, value in refused.params.items()
    }
    return _(refused.message, **params)
