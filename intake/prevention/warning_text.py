"""A published warning as the text of a chat message or an e-mail (the bot's /warnings, a
subscriber's notice), in the reader's language."""
from __future__ import annotations

from i18n import N_, Translator
from intake.domain.warnings import KINDS, address_not_to_open, number_not_to_call
from intake.platform.core import Core
from intake.prevention.public import PublicWarning

NOT_TRANSLATED = N_("This warning has not been translated into your language yet: it is shown in Chinese.")
DO_NOT_CALL = N_("Do not call:")
DO_NOT_OPEN = N_("Do not open:")
ABOUT_ORGANISATION = N_("About the organisation:")


def warning_text(core: Core, warning: PublicWarning, language: str) -> str:
    """A warning as the text of a chat message or an e-mail, in `language` (in Chinese, saying
    so, when not translated): the scam's numbers and addresses written so that no phone or mail
    client makes them links to tap."""
    _ = Translator(language)
    lines = [f"{_(KINDS[warning.kind])} · {core.deployment.category_label(warning.category, language)}", warning.title, ""]
    if warning.organisation:
        lines += [f"{_(ABOUT_ORGANISATION)} {warning.organisation}", ""]
    if not warning.translated:
        lines += [_(NOT_TRANSLATED), ""]
    lines.append(warning.body)
    if warning.do_not_call:
        lines += ["", _(DO_NOT_CALL) + " " + ", ".join(number_not_to_call(n) for n in warning.do_not_call)]
    if warning.do_not_open:
        lines += ["", _(DO_NOT_OPEN) + " " + ", ".join(address_not_to_open(a) for a in warning.do_not_open)]
    return "\n".join(lines)
