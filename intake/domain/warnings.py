"""The rules of a warning or typical case (预警、典型案例), with no database: what its texts may say,
how its "do not call / do not open" numbers and addresses are read, and how they are written out
so that phones and e-mail clients do not turn them into links a reader could tap by mistake.

A warning's free text follows the staff messages' rules (intake/domain/messages.py): no links,
no phone numbers but the hotlines and the units' own. The scammers' numbers and addresses go in
their own fields, where they are shown as something not to call or open.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from i18n import N_
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.phones import parse_phone
from intake.domain.answers.text import clean_text
from intake.domain.deployment import Deployment
from intake.domain.messages import find_link, find_unofficial_number, official_numbers

KINDS: dict[str, str] = {"warning": N_("Warning"), "case": N_("Typical case")}
MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 4000
MAX_ENTRIES = 10  # numbers, and addresses, per warning
MAX_DAYS_UP = 366  # a warning is looked at again at least once a year

_UNBREAKABLE_HYPHEN = "\u2011"  # joins digit groups: no phone's number detector reads it as a separator
_HOST_LABEL = re.compile(r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?")
_PATH = re.compile(r"[/?#][^\s<>\"'`]{0,180}")


def check_texts(title: str, body: str, deployment: Deployment) -> tuple[str, str] | Invalid:
    """A title and text (one language) cleaned, or why not: no links and no phone numbers but
    official ones, as in every public text of staff (their place is the "do not" fields)."""
    cleaned_title = clean_text(title, max_chars=MAX_TITLE_CHARS, min_chars=1)
    if isinstance(cleaned_title, Invalid):
        return Invalid(N_("Write a title of at most %(max)s characters."), {"max": MAX_TITLE_CHARS})
    cleaned_body = clean_text(body, max_chars=MAX_BODY_CHARS, min_chars=1)
    if isinstance(cleaned_body, Invalid):
        if cleaned_body.suggestion is not None:
            return cleaned_body
        return Invalid(N_("Write the text of the warning, at most %(max)s characters."), {"max": MAX_BODY_CHARS})
    for part in (cleaned_title, cleaned_body):
        if find_link(part):
            return Invalid(N_("A warning's text cannot contain links (found %(link)s): put a scam's web address under "
                              "\"Do not open\"."), {"link": find_link(part)})
        number = find_unofficial_number(part, deployment)
        if number:
            return Invalid(N_("A warning's text can only give the phone numbers 110, 96110, 12345 or a unit's published "
                              "number (found %(number)s): put a scam's number under \"Do not call\"."), {"number": number})
    return cleaned_title, cleaned_body


def read_number(text: str, deployment: Deployment) -> str | Invalid:
    """A scam's phone number as staff typed it, in any spacing: "+86…" for a Chinese or
    international number, else the digits (scammers also use service-like numbers such as 95…)."""
    parsed = parse_phone(text)
    digits = re.sub(r"[\s\-().\u2010-\u2015]", "", normalize_digits(text).strip())
    number = parsed if isinstance(parsed, str) else digits
    national = number[3:] if number.startswith("+86") else number.lstrip("+")
    official = official_numbers(deployment)
    if national in official or "0" + national in official:
        return Invalid(N_("%(value)s is an official number: a warning never tells people not to call it."),
                       {"value": text.strip()[:40]})
    if not isinstance(parsed, str) and not re.fullmatch(r"\+?\d{5,16}", digits):
        return Invalid(N_("\"%(value)s\" is not a phone number: write only digits, for example 138 0013 8000."),
                       {"value": text.strip()[:40]})
    return number


def read_address(text: str) -> str | Invalid:
    """A scam's web address as staff typed or pasted it, as host and path: lower-case host, no
    scheme, full-width characters made plain (ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ is www.example.com)."""
    value = unicodedata.normalize("NFKC", text).strip()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value, flags=re.IGNORECASE).replace("。", ".")
    host, _, rest = value.partition("/")
    host = host.rstrip(".").lower()
    path = "/" + rest if rest else ""
    labels = host.split(".")
    if (len(labels) < 2 or len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels)
            or labels[-1].isdigit() and not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host)
            or path and not _PATH.fullmatch(path)):
        return Invalid(N_("\"%(value)s\" is not a web address: write it as, for example, example.com/pay."),
                       {"value": text.strip()[:60]})
    return host + path.rstrip("/")


def check_until(until: date | None, today: date) -> date | Invalid:
    if until is None:
        return Invalid(N_("Give the last day the warning stays up, as year-month-day."))
    if until < today:
        return Invalid(N_("The last day the warning stays up cannot be in the past."))
    if until > today + timedelta(days=MAX_DAYS_UP):
        return Invalid(N_("A warning stays up for at most a year: choose a day before %(day)s."),
                       {"day": (today + timedelta(days=MAX_DAYS_UP + 1)).isoformat()})
    return until


def number_not_to_call(number: str) -> str:
    """A number to show, never to dial: its digit groups joined by unbreakable hyphens, which a
    phone's or mail client's number detector does not take for one number (138‑0013‑8000)."""
    if number.startswith("+86"):
        national = number[3:]
        if re.fullmatch(r"1\d{10}", national):
            groups = [national[:3], national[3:7], national[7:]]
        else:
            national = "0" + national
            area = 3 if national[1] in "12" else 4
            groups = [national[:area], *_fours(national[area:])]
        return _UNBREAKABLE_HYPHEN.join(groups)
    sign = "+" if number.startswith("+") else ""
    return sign + _UNBREAKABLE_HYPHEN.join(_fours(number.lstrip("+")))


def address_not_to_open(address: str) -> str:
    """A web address to show, never to open: its dots in brackets (evil[.]example/pay), the way
    security warnings write them, so nothing turns it into a link."""
    host, slash, path = address.partition("/")
    return host.replace(".", "[.]") + slash + path.replace(".", "[.]")


def _fours(digits: str) -> list[str]:
    head = len(digits) % 4 or 4
    return [digits[:head]] + [digits[i:i + 4] for i in range(head, len(digits), 4)]
