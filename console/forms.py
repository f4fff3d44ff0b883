"""Turning the console's action forms into the core's arguments. Pure functions: a bad field
comes back as a FormError with a console message id, never half an action."""
from __future__ import annotations

import datetime
from collections.abc import Mapping

from i18n import LANGUAGES, N_, Translator
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.money import parse_amount
from intake.domain.ids import parse_id
from intake.domain.messages import PublicMessage
from intake.domain.workflow import NEEDS_OWN_MESSAGE

FREE = "free"  # the template choice "my own words"
OUTCOME_FLAGS = ("criminal_case_filed", "convicted", "already_known")


class FormError(ValueError):
    """A field to fix; `message` is a console msgid, or already translated text when `translated`."""

    def __init__(self, message: str, *, translated: bool = False, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        self.translated = translated


def field(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def translation_languages(writer: str) -> list[str]:
    """The languages an officer writing in `writer` may add translations for."""
    return [language for language in LANGUAGES if language != writer]


def public_message(form: Mapping[str, object], target: str, writer: str) -> PublicMessage | None:
    """The message to the reporter: a chosen reply template, or the officer's own words with
    optional translations. None lets the core use the status's default template."""
    choice = field(form, "template")
    text = field(form, "text")
    if target in NEEDS_OWN_MESSAGE or choice == FREE:
        if not text:
            raise FormError(N_("Write the message to the reporter."))
        translations = {lang: field(form, f"tr_{lang}") for lang in translation_languages(writer)}
        return PublicMessage(text=text, language=writer, translations={k: v for k, v in translations.items() if v})
    if choice:
        return PublicMessage(template=choice)
    return None


def outcome(form: Mapping[str, object], language: str, *, always: bool) -> dict[str, object] | None:
    """The outcome fields of a form; None when none was filled in and `always` is False."""
    number = field(form, "penalty_decision_no")
    date = field(form, "penalty_date")
    money = field(form, "money_recovered")
    flags = {name: field(form, name) in ("1", "on", "yes") for name in OUTCOME_FLAGS}
    if not always and not (number or date or money or any(flags.values())):
        return None
    values: dict[str, object] = {"penalty_decision_no": number[:100] or None, **flags}
    if date:
        try:
            values["penalty_date"] = datetime.date.fromisoformat(date).isoformat()
        except ValueError:
            raise FormError(N_("Give the date of the penalty decision as YYYY-MM-DD.")) from None
    else:
        values["penalty_date"] = None
    if money:
        fen = parse_amount(money)
        if isinstance(fen, Invalid):
            raise FormError(Translator(language)(fen.message, **fen.params), translated=True)
        values["money_recovered_fen"] = fen
    else:
        values["money_recovered_fen"] = 0
    return values


def positive_int(form: Mapping[str, object], name: str) -> int | None:
    """A whole number from 1 to the largest id (intake.domain.ids): an id, a number of days."""
    return parse_id(field(form, name))
