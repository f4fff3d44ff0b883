"""Match keys as revision 0004a computed them, frozen here so that the migration keeps working
however the application's own normalisation (intake's duplicates and answers modules) moves or
changes. A later change to the keys re-indexes in a revision of its own.
"""
from __future__ import annotations

import re
import unicodedata

_FULLWIDTH_PUNCTUATION = str.maketrans({
    "，": ",", "．": ".", "－": "-", "＋": "+", "（": "(", "）": ")", "／": "/", "：": ":",
    "\u3000": " ",
})
_PHONE_SEPARATORS = set(" -.()/\u2010\u2011\u2012\u2013\u2014\u2212")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:10|2\d)\d{7,8}|0[3-9]\d{2}\d{7,8}")
_SERVICE = re.compile(r"[19]\d{2,5}|[48]00\d{7}|106\d{5,17}")
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "colimited", "coltd", "limited", "ltd", "inc", "llc")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_SCHEME = re.compile(r"^(https?://)?(www\.)?", re.IGNORECASE)
MIN_KEY_CHARS, MIN_ADDRESS_CHARS, MAX_KEY_CHARS = 2, 4, 200


def _digits(text: str) -> str:
    out = []
    for ch in text:
        value = None if ch.isascii() else unicodedata.decimal(ch, None)
        out.append(ch if value is None else str(value))
    return "".join(out).translate(_FULLWIDTH_PUNCTUATION)


def _for_match(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", _digits(text)).casefold())
    return "".join(ch for ch in text
                   if unicodedata.category(ch)[0] not in "ZP" and unicodedata.category(ch) not in ("Cc", "Cf"))


def _phone(text: str) -> str | None:
    raw = _digits(text).strip()
    international = raw.lstrip("(").startswith("+")
    body = raw.replace("+", "", 1) if international else raw
    if international:
        body = body.replace("(0)", "")
    if not raw or any(ch not in "0123456789" and ch not in _PHONE_SEPARATORS for ch in body):
        return None
    digits = "".join(ch for ch in body if ch in "0123456789")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    after_country_code = digits.startswith("86") and (international or len(digits) > 11)
    if after_country_code:
        digits = digits[2:]
        digits = digits[1:] if digits.startswith("0") else digits
    elif international:
        return "+" + digits if 8 <= len(digits) <= 15 and digits[0] != "0" else None
    if _SERVICE.fullmatch(digits):
        return None
    if _MOBILE.fullmatch(digits):
        return "+86" + digits
    landline = "0" + digits if after_country_code else digits
    return "+86" + landline[1:] if _LANDLINE.fullmatch(landline) else None


def _organisation(name: str) -> str | None:
    key = _for_match(name)
    for form in _LEGAL_FORMS:
        if key.endswith(form) and len(key) - len(form) >= MIN_KEY_CHARS:
            key = key[: -len(form)]
            break
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_KEY_CHARS else None


def _address(text: str) -> str | None:
    key = _for_match(text)
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_ADDRESS_CHARS else None


def _website(text: str) -> str | None:
    key = _for_match(_SCHEME.sub("", unicodedata.normalize("NFKC", text).strip()).rstrip("/"))
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_KEY_CHARS else None


def match_keys(answers: dict) -> set[tuple[str, str, str]]:
    """(kind, key, value as written) for every suspect detail a tip's answers name."""
    def text(key: str) -> str:
        value = answers.get(key)
        return value if isinstance(value, str) and value != "dont_know" else ""

    keys: set[tuple[str, str, str]] = set()
    for kind, answer, normalise in (("organisation", "suspect_organisation", _organisation), ("phone", "suspect_phone", _phone),
                                    ("address", "suspect_address", _address), ("website", "suspect_online", _website)):
        value = text(answer)
        key = normalise(value) if value else None
        if key:
            keys.add((kind, key, value[:300]))
    for source in (text("suspect_organisation"), text("description")):
        for code in _CREDIT_CODE.findall(unicodedata.normalize("NFKC", source).upper()):
            keys.add(("credit_code", code, code))
    return keys
