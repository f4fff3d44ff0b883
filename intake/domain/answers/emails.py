"""E-mail addresses: a plausibility check, with the domain in lower case."""
from __future__ import annotations

import unicodedata

from i18n import N_
from intake.domain.answers.invalid import Invalid

_MAX_EMAIL_CHARS = 254
_MAX_LOCAL_PART_CHARS = 64
_EMAIL_FORBIDDEN = set('<>()[]\\,;:"')


def parse_email(text: str) -> str | Invalid:
    """Check an e-mail address is plausible; return it with the domain in lower case."""
    # NFKC turns a full-width ＠ or letters into ASCII; 。 is a dot to IDNA too.
    address = unicodedata.normalize("NFKC", text).strip().replace("。", ".")
    if not address:
        return Invalid(N_("Please write an e-mail address, for example name@example.com."))
    if any(ch.isspace() for ch in address):
        return Invalid(
            N_("An e-mail address has no spaces. "
               "We removed them: please check the address and send it again."),
            suggestion="".join(ch for ch in address if not ch.isspace()),
        )
    if len(address) > _MAX_EMAIL_CHARS:
        return Invalid(
            N_("This e-mail address is %(count)s characters long; the most is %(max)s. Please check it."),
            {"count": len(address), "max": _MAX_EMAIL_CHARS},
        )
    if address.count("@") != 1:
        return _incomplete_email()
    local, _, domain = address.partition("@")
    labels = domain.split(".")
    if (
        not local
        or len(local) > _MAX_LOCAL_PART_CHARS
        or len(labels) < 2
        or not all(labels)
        or any(ch in _EMAIL_FORBIDDEN or unicodedata.category(ch)[0] == "C" for ch in address)
    ):
        return _incomplete_email()
    return local + "@" + domain.lower()


def _incomplete_email() -> Invalid:
    return Invalid(N_("This does not look like a complete e-mail address. "
                      "It should look like name@example.com."))
