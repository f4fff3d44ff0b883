"""Chinese and international phone numbers, in any spacing, read into "+<country><number>"."""
from __future__ import annotations

import re

from i18n import N_
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid

_ASCII_DIGITS = "0123456789"
_PHONE_SEPARATORS = set(" -.()/\u2010\u2011\u2012\u2013\u2014\u2212")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Trunk 0, then 010 / 02x with a 7-8 digit number, or a 3-digit area code with 7-8 digits.
_LANDLINE = re.compile(r"0(?:10|2\d)\d{7,8}|0[3-9]\d{2}\d{7,8}")
_SERVICE = re.compile(r"[19]\d{2,5}|[48]00\d{7}|106\d{5,17}")
_PHONE_EXAMPLE = N_("A phone number has only digits. Please write it again, for example 138 0013 8000.")


def parse_phone(text: str) -> str | Invalid:
    """Read a Chinese or international phone number and return it as "+<country><number>"."""
    raw = normalize_digits(text).strip()
    if not raw:
        return Invalid(N_("Please write a phone number, for example 138 0013 8000."))
    # "+86 ..." and "(+86) ..." both mark an international number; a "+" anywhere else is a typo.
    international = raw.lstrip("(").startswith("+")
    body = raw.replace("+", "", 1) if international else raw
    if international:
        body = body.replace("(0)", "")  # "+44 (0)20 ..." writes the trunk 0 that callers abroad drop
    if any(ch not in _ASCII_DIGITS and ch not in _PHONE_SEPARATORS for ch in body):
        return Invalid(_PHONE_EXAMPLE)
    digits = "".join(ch for ch in body if ch in _ASCII_DIGITS)
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if digits.startswith("86") and (international or len(digits) > 11):
        # Without "+", a 12-13 digit number starting 86 cannot be a national one: 86 is the country.
        return _chinese_phone(digits[2:], after_country_code=True)
    if international:
        if 8 <= len(digits) <= 15 and digits[0] != "0":
            return "+" + digits
        return Invalid(
            N_("This international number has %(count)s digits; a complete one has 8 to 15. "
               "Please check it, for example +44 20 7946 0958."),
            {"count": len(digits)},
        )
    return _chinese_phone(digits, after_country_code=False)


def _chinese_phone(digits: str, *, after_country_code: bool) -> str | Invalid:
    if after_country_code and digits.startswith("0"):
        digits = digits[1:]  # "+86 (0)10 ..." / "+86 010 ...": the trunk 0 is not dialled
    if _SERVICE.fullmatch(digits):
        return Invalid(N_("This looks like a service number (such as 110 or 96110), not a personal phone. "
                          "Please write a mobile or home phone number, for example 138 0013 8000."))
    if _MOBILE.fullmatch(digits):
        return "+86" + digits
    landline = "0" + digits if after_country_code else digits
    if _LANDLINE.fullmatch(landline):
        return "+86" + landline[1:]
    if not after_country_code and digits[:1] not in ("0", "1") and 7 <= len(digits) <= 8:
        return Invalid(N_("Please add the area code in front of the number, for example 010 1234 5678."))
    return Invalid(
        N_("This number has %(count)s digits, which is not a complete phone number. "
           "A mobile number has 11 digits, for example 138 0013 8000."),
        {"count": len(digits)},
    )
