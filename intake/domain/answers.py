"""Normalise and validate what a reporter types: amounts, phones, e-mail, dates, free text.

Pure functions, no I/O. User mistakes come back as `Invalid` values, never as exceptions.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from i18n import N_


@dataclass(frozen=True)
class Invalid:
    """A kind explanation of what to fix, as a message id plus its format parameters."""

    message: str
    params: dict[str, object] = field(default_factory=dict)
    suggestion: str | None = None


# ---------------------------------------------------------------------------------------------
# Digits

_ASCII_DIGITS = "0123456789"

# Punctuation a Chinese input method produces in full-width form while typing numbers.
_FULLWIDTH_PUNCTUATION = str.maketrans({
    "，": ",", "．": ".", "－": "-", "＋": "+", "（": "(", "）": ")", "／": "/", "：": ":",
    "\u3000": " ",
})


def normalize_digits(text: str) -> str:
    """Turn every Unicode decimal digit into ASCII and full-width number punctuation into ASCII."""
    # NFKC maps full-width digits but leaves Tibetan ༠-༩ and Arabic-Indic digits alone,
    # so each character's decimal value is looked up instead.
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        value = unicodedata.decimal(ch, None)
        out.append(str(value) if value is not None else ch)
    return "".join(out).translate(_FULLWIDTH_PUNCTUATION)


# ---------------------------------------------------------------------------------------------
# Money

_MAX_FEN = 10**12  # 100亿 yuan: anything above is a typing slip, not a loss
_MAX_AMOUNT_CHARS = 100  # keeps Decimal arithmetic exact and cheap

# Longest first, so "块钱" is removed before "块" would leave "钱" behind.
_CURRENCY_PREFIXES = ("人民币", "rmb", "cny", "¥", "སྒོར་མོ་", "སྒོར་མོ", "སྒོར་", "སྒོར")
_CURRENCY_SUFFIXES = (
    "人民币", "块钱", "元钱", "元整", "元", "圆", "块", "yuan", "rmb", "cny",
    "སྒོར་མོ་", "སྒོར་མོ", "སྒོར་", "སྒོར",
)
_TRAILING_STOPS = ".。!！་།"

_CHINESE_DIGITS = {
    "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "貳": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CHINESE_ZEROS = "零〇"
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

_AMOUNT_TOKEN = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"|(?P<digit>[" + "".join(_CHINESE_DIGITS) + r"])"
    r"|(?P<zero>[" + _CHINESE_ZEROS + r"])"
    r"|(?P<unit>[" + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS) + r"])"
)
_THOUSANDS_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")

_AMOUNT_EXAMPLE = N_("Please write the amount in numbers, for example 30000 or 3万.")


def parse_amount(text: str) -> int | Invalid:
    """Read a sum of money in yuan ("3.5万", "￥30,000", "三万五") and return it in fen."""
    core = _strip_currency(unicodedata.normalize("NFKC", normalize_digits(text)))
    if not core:
        return Invalid(N_("Please write the amount of money, for example 30000 or 3万."))
    if core[0] in "-−":
        return Invalid(N_("Please write the amount without a minus sign, for example 30000."))
    if len(core) > _MAX_AMOUNT_CHARS:
        return Invalid(_AMOUNT_EXAMPLE)
    # A space between digits is a thousands separator ("30 000"); any other space
    # only sits between a number and its unit ("3.5 万").
    core = re.sub(r"(?<=\d)\s+(?=\d)", ",", core)
    core = re.sub(r"\s+", "", core)
    tokens = _amount_tokens(core)
    if tokens is None:
        return Invalid(_AMOUNT_EXAMPLE)
    with localcontext() as ctx:
        ctx.prec = 4 * _MAX_AMOUNT_CHARS  # exact for every input we let through
        return _amount_in_fen(tokens)


def _strip_currency(text: str) -> str:
    text = text.strip().lower()
    previous = None
    while text != previous:
        previous = text
        text = text.rstrip(_TRAILING_STOPS).strip()
        for prefix in _CURRENCY_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
        for suffix in _CURRENCY_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
    return text


def _amount_tokens(text: str) -> list[tuple[str, str]] | None:
    """Split into (kind, text) tokens; None when something is not part of a number."""
    tokens = []
    pos = 0
    while pos < len(text):
        match = _AMOUNT_TOKEN.match(text, pos)
        if match is None:
            return None
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "num":
            whole = value.split(".")[0]
            # "30,50" is a European decimal comma, not thirty thousand: refuse, do not guess.
            if "," in whole and not _THOUSANDS_GROUPED.fullmatch(whole):
                return None
            value = value.replace(",", "")
        tokens.append((kind, value))
        pos = match.end()
    return tokens


def _amount_in_fen(tokens: list[tuple[str, str]]) -> int | Invalid:
    if not any(kind == "unit" for kind, _ in tokens):
        # A bare "30.000" is probably a European thousands dot; three decimals are refused.
        decimals = [len(v.split(".")[1]) for kind, v in tokens if kind == "num" and "." in v]
        if any(d > 2 for d in decimals):
            return _too_many_decimals()
    yuan = _evaluate_chinese_number(tokens)
    if yuan is None:
        return Invalid(_AMOUNT_EXAMPLE)
    fen = yuan * 100
    if fen > _MAX_FEN:
        return Invalid(N_("That amount looks too large. "
                          "Please check the number of zeros, for example 30000 or 3万."))
    if fen != fen.to_integral_value():
        return _too_many_decimals()
    return int(fen)


def _too_many_decimals() -> Invalid:
    return Invalid(N_("Please write at most two digits after the decimal point, for example 30000.50."))


def _evaluate_chinese_number(tokens: list[tuple[str, str]]) -> Decimal | None:
    """Value of digits mixed with 十百千万亿, e.g. "1亿2000万", "三万五", "两千"; None if malformed."""
    total = Decimal(0)  # everything already closed by 万 or 亿
    section = Decimal(0)  # the part below 万 being built
    number: Decimal | None = None  # the last number not yet multiplied by a unit
    single_digit = False  # "三万五": a lone digit after a unit means the next lower unit
    last_unit: int | None = None
    small_ceiling = 10**4  # small units must fall: 三千五百, not 五百三千
    wan_open = False  # 万 may appear once per 亿
    for kind, text in tokens:
        if kind in ("num", "digit"):
            if number is not None:
                return None
            number = Decimal(text) if kind == "num" else Decimal(_CHINESE_DIGITS[text])
            single_digit = kind == "digit" or len(text) == 1
        elif kind == "zero":
            if number is not None:
                return None
            last_unit = None  # "一万零五" is 10005, not 15000
        elif text in _SMALL_UNITS:
            unit = _SMALL_UNITS[text]
            if unit >= small_ceiling or (number is None and unit != 10):
                return None  # only 十 may stand without a number ("十五")
            section += (number if number is not None else 1) * unit
            number, small_ceiling, last_unit = None, unit, unit
        else:
            unit = _BIG_UNITS[text]
            if number is not None and single_digit and last_unit is not None and last_unit < 10**4:
                number *= Decimal(last_unit) / 10  # "三千五万" is 3500万
            if number is None and section == 0 and not (unit == 10**8 and total):
                return None  # a unit needs a number before it; only 万亿 stacks two units
            value = section + (number or 0)
            if unit == 10**4:
                if wan_open:
                    return None
                total += value * unit
                wan_open = True
            else:
                total = (total + value) * unit
                wan_open = False
            section, number, small_ceiling, last_unit = Decimal(0), None, 10**4, unit
    if number is not None:
        if single_digit and last_unit is not None:
            number *= Decimal(last_unit) / 10
        section += number
    return total + section


# ---------------------------------------------------------------------------------------------
# Phones

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


# ---------------------------------------------------------------------------------------------
# E-mail

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


# ---------------------------------------------------------------------------------------------
# Dates

_EARLIEST_YEAR = 1900

_MONTH_NAMES = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Keys are written as _date_key() leaves them: case-folded, no trailing tsheg or shad.
_DAYS_AGO = {
    "today": 0, "今天": 0, "今日": 0, "དེ་རིང": 0,
    "yesterday": 1, "昨天": 1, "昨日": 1, "ཁ་སང": 1,
    "day before yesterday": 2, "the day before yesterday": 2, "前天": 2,
    "大前天": 3,
}
_MONTHS_AGO = {"this month": 0, "本月": 0, "这个月": 0, "last month": 1, "上个月": 1, "上月": 1}
_YEARS_AGO = {"this year": 0, "今年": 0, "ད་ལོ": 0, "last year": 1, "去年": 1, "ན་ནིང": 1}

_ORD = r"(?:st|nd|rd|th)?"
_YMD = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*(?:日|号)?")
_YMD_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YM = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:月份?)?")
_Y = re.compile(r"(\d{4})\s*年?")
_MY = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")
_AB_Y = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})")
_MD_CHINESE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)?")
_M_CHINESE = re.compile(r"(\d{1,2})\s*月份?")
_D_MONTH_Y = re.compile(r"(\d{1,2})" + _ORD + r"\s*(?:of\s+)?([a-z]+)\.?,?\s*(\d{4})")
_MONTH_D_Y = re.compile(r"([a-z]+)\.?\s*(\d{1,2})" + _ORD + r",?\s*(\d{4})")
_MONTH_Y = re.compile(r"([a-z]+)\.?,?\s*(\d{4})")
_D_MONTH = re.compile(r"(\d{1,2})" + _ORD + r"\s*(?:of\s+)?([a-z]+)\.?")
_MONTH_D = re.compile(r"([a-z]+)\.?\s*(\d{1,2})" + _ORD)
_MONTH = re.compile(r"([a-z]+)\.?")


def parse_date(text: str, today: datetime.date) -> dict[str, str] | Invalid:
    """Read when something happened, as precisely as the reporter remembers it.

    Returns {"date": "YYYY-MM-DD"}, {"month": "YYYY-MM"} or {"year": "YYYY"}. Numbers are read
    year first (Chinese order); "3/11/2026" is taken only when one reading is impossible
    (13/11/2026), otherwise the reporter is asked to write the year first. A day or month
    without a year ("11月3日") is the most recent one that is not in the future.
    """
    key = _date_key(text)
    parsed = _parse_date_parts(key, today)
    if parsed is None:
        return Invalid(
            N_("Please write the date as year-month-day, for example %(example)s. If you do not remember "
               "the day, the year and month are enough, for example %(example_month)s."),
            _date_examples(today),
        )
    if isinstance(parsed, Invalid):
        return parsed
    return _check_date_parts(*parsed, today=today)


def _date_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", normalize_digits(text)).casefold()
    text = " ".join(text.split())
    return text.strip(" .。་།")


def _date_examples(today: datetime.date) -> dict[str, object]:
    # Examples built from today can never be refused as future dates.
    return {"example": today.isoformat(), "example_month": today.isoformat()[:7]}


DateParts = tuple[int, int | None, int | None]


def _parse_date_parts(key: str, today: datetime.date) -> DateParts | Invalid | None:
    """(year, month or None, day or None) read from the text, or None if it is not a date."""
    if key in _DAYS_AGO:
        day = today - datetime.timedelta(days=_DAYS_AGO[key])
        return day.year, day.month, day.day
    if key in _MONTHS_AGO:
        months = today.year * 12 + today.month - 1 - _MONTHS_AGO[key]
        return months // 12, months % 12 + 1, None
    if key in _YEARS_AGO:
        return today.year - _YEARS_AGO[key], None, None
    for pattern in (_YMD, _YMD_COMPACT):
        if m := pattern.fullmatch(key):
            return int(m[1]), int(m[2]), int(m[3])
    if m := _YM.fullmatch(key):
        return int(m[1]), int(m[2]), None
    if m := _Y.fullmatch(key):
        return int(m[1]), None, None
    if m := _MY.fullmatch(key):
        return int(m[2]), int(m[1]), None
    if m := _AB_Y.fullmatch(key):
        return _day_month_or_month_day(int(m[1]), int(m[2]), int(m[3]), today)
    if m := _MD_CHINESE.fullmatch(key):
        return _latest_past(int(m[1]), int(m[2]), today)
    if m := _M_CHINESE.fullmatch(key):
        return _latest_past(int(m[1]), None, today)
    return _parse_english_date(key, today)


def _parse_english_date(key: str, today: datetime.date) -> DateParts | None:
    if m := _D_MONTH_Y.fullmatch(key):
        day, name, year = int(m[1]), m[2], int(m[3])
    elif m := _MONTH_D_Y.fullmatch(key):
        name, day, year = m[1], int(m[2]), int(m[3])
    elif m := _MONTH_Y.fullmatch(key):
        name, day, year = m[1], None, int(m[2])
    elif m := _D_MONTH.fullmatch(key):
        day, name, year = int(m[1]), m[2], None
    elif m := _MONTH_D.fullmatch(key):
        name, day, year = m[1], int(m[2]), None
    elif m := _MONTH.fullmatch(key):
        name, day, year = m[1], None, None
    else:
        return None
    month = _MONTH_NAMES.get(name)
    if month is None:
        return None
    if year is None:
        return _latest_past(month, day, today)
    return year, month, day


def _day_month_or_month_day(a: int, b: int, year: int, today: datetime.date) -> DateParts | Invalid:
    # 3/11 is 3 November in Britain and 11 March in America: only the impossible reading is ruled out.
    if a == b or (a > 12 and b <= 12):
        return year, b, a
    if b > 12 and a <= 12:
        return year, a, b
    if a > 12 and b > 12:
        return year, b, a  # neither reading exists; the calendar check explains
    return Invalid(
        N_("We cannot tell which number is the day and which is the month. "
           "Please write the year first, for example %(example)s."),
        _date_examples(today),
    )


def _latest_past(month: int, day: int | None, today: datetime.date) -> DateParts:
    """The year of a month (and day) given without one: this year, unless that is still to come."""
    if (month, day or 1) > (today.month, today.day):
        return today.year - 1, month, day
    return today.year, month, day


def _check_date_parts(year: int, month: int | None, day: int | None, *, today: datetime.date
                      ) -> dict[str, str] | Invalid:
    if year < _EARLIEST_YEAR:
        return Invalid(N_("The year %(year)s looks too early. Please check it: we take dates from 1900 on."),
                       {"year": year})
    if month is not None and not 1 <= month <= 12:
        return _not_in_calendar(f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else ""))
    future = Invalid(
        N_("That date is in the future. Please write the day it happened: today, %(today)s, or earlier."),
        {"today": today.isoformat()},
    )
    if month is None:
        return future if year > today.year else {"year": f"{year:04d}"}
    if day is None:
        return future if (year, month) > (today.year, today.month) else {"month": f"{year:04d}-{month:02d}"}
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return _not_in_calendar(f"{year:04d}-{month:02d}-{day:02d}")
    return future if date > today else {"date": date.isoformat()}


def _not_in_calendar(date: str) -> Invalid:
    return Invalid(N_("The date %(date)s is not in the calendar. Please check the day and the month."),
                   {"date": date})


# ---------------------------------------------------------------------------------------------
# Free text

# Joiners shape emoji sequences and Indic/Arabic-script letters: they are part of the writing.
_KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
# Subdivision flags (England, Scotland, Wales) are built from invisible tag characters.
_EMOJI_TAG_SEQUENCE = re.compile("\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F")
_TOO_MANY_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n){3,}")


def clean_text(text: str, *, max_chars: int, min_chars: int = 0) -> str | Invalid:
    """Tidy free text and check its length; hidden control characters are shown, not kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text, removed = _remove_hidden_characters(text)
    text = unicodedata.normalize("NFC", text)
    text = _TOO_MANY_BLANK_LINES.sub("\n\n\n", text).strip()
    if removed:
        # Bidi overrides can make "pay 100" read as "001 yap": the reporter must see what we keep.
        return Invalid(
            N_("Your text contained hidden control characters, which can make writing show backwards. "
               "We removed them: please check the text and send it again."),
            suggestion=text,
        )
    if len(text) > max_chars:
        # Never truncate silently: the end of a story is often where the money went.
        return Invalid(
            N_("This is %(count)s characters long; the most we can take is %(max)s. "
               "Please shorten it and send it again."),
            {"count": len(text), "max": max_chars},
        )
    if len(text) < min_chars:
        if not text:
            return Invalid(N_("This answer is needed. Please write it here."))
        return Invalid(
            N_("Please write a little more: at least %(min)s characters (you wrote %(count)s)."),
            {"count": len(text), "min": min_chars},
        )
    return text


def _remove_hidden_characters(text: str) -> tuple[str, bool]:
    """Text without invisible control/format characters, and whether any were found."""
    pieces: list[str] = []
    removed = False
    pos = 0
    for match in [*_EMOJI_TAG_SEQUENCE.finditer(text), None]:
        end = match.start() if match else len(text)
        for ch in text[pos:end]:
            if _is_hidden(ch):
                removed = True
            else:
                pieces.append(ch)
        if match:
            pieces.append(match.group())
            pos = match.end()
    return "".join(pieces), removed


def _is_hidden(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in "\n\t"
    if category == "Cf":
        return ch not in _KEPT_FORMAT_CHARACTERS
    return category == "Cs"  # a lone surrogate is a broken character, never text


# ---------------------------------------------------------------------------------------------
# Matching

def normalize_for_match(text: str) -> str:
    """A key under which the same name or number written differently compares equal."""
    text = unicodedata.normalize("NFKC", normalize_digits(text))
    text = unicodedata.normalize("NFKC", text.casefold())
    # Z: spaces; P: punctuation incl. tsheg and shad; Cc/Cf: invisible characters.
    return "".join(
        ch for ch in text
        if unicodedata.category(ch)[0] not in "ZP" and unicodedata.category(ch) not in ("Cc", "Cf")
    )
