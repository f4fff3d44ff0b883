"""When something happened, as precisely as the reporter remembers it: a day, a month or a year."""
from __future__ import annotations

import datetime
import re
import unicodedata

from i18n import N_
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.tibetan_numbers import has_tibetan_letters, numbers_at, ordinals_at, syllables

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
_MONTHS_AGO = {
    "this month": 0, "本月": 0, "这个月": 0, "ཟླ་བ་འདི": 0, "ཟླ་བ་འདིར": 0,
    "last month": 1, "上个月": 1, "上月": 1, "ཟླ་བ་སྔོན་མ": 1, "ཟླ་བ་སྔོན་མར": 1, "ཟླ་བ་གོང་མ": 1, "ཟླ་བ་གོང་མར": 1,
}
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
    if has_tibetan_letters(key):
        return _parse_tibetan_date(key, today)
    return _parse_english_date(key, today)


_YEAR_WORDS = ("ལོ", "ལོའི", "ལོར")  # 2026 ལོའི: of the year 2026
_COMMON_ERA = ("སྤྱི", "ལོ")
_MONTH_WORDS = (("ཟླ", "བ"), ("ཟླ",))
_DAY_WORD = "ཚེས"
_DAY_ENDINGS = ("ལ", "ཉིན", "པ")  # ཚེས་3 ལ: on the 3rd


def _parse_tibetan_date(key: str, today: datetime.date) -> DateParts | None:
    """"སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་པའི་ཚེས་3", "2026 ལོའི་ཟླ་10 ཚེས་3", "ཟླ་བ་དང་པོ": year, month and
    day in that order, each optional but a day needs its month (the form the site shows dates in)."""
    words = syllables(key)
    if not words:
        return None
    year, i = _tibetan_year(words)
    for month, after_month in _tibetan_months(words, i):
        if after_month == len(words):
            return (year, month, None) if year is not None else _latest_past(month, None, today)
        if words[after_month] != _DAY_WORD:
            continue
        for day, end in numbers_at(words, after_month + 1):
            if end < len(words) and words[end] in _DAY_ENDINGS:
                end += 1
            if end == len(words):
                return (year, month, day) if year is not None else _latest_past(month, day, today)
    if year is not None and i == len(words):
        return year, None, None
    return None


def _tibetan_year(words: list[str]) -> tuple[int | None, int]:
    """The year at the start (སྤྱི་ལོ་2026, ལོ་2026, 2026 ལོ(འི)) and where the rest begins."""
    i = 0
    if tuple(words[:2]) == _COMMON_ERA:
        i = 2
    elif words[0] in _YEAR_WORDS:
        i = 1
    if i < len(words) and words[i].isdigit() and len(words[i]) == 4:
        year, i = int(words[i]), i + 1
        if i < len(words) and words[i] in _YEAR_WORDS:
            i += 1
        return year, i
    if i == 0 and len(words) > 1 and words[0].isdigit() and len(words[0]) == 4 and words[1] in _YEAR_WORDS:
        return int(words[0]), 2
    return None, 0


def _tibetan_months(words: list[str], i: int) -> list[tuple[int, int]]:
    for spelling in _MONTH_WORDS:
        if tuple(words[i:i + len(spelling)]) == spelling:
            return list(ordinals_at(words, i + len(spelling)))
    return []


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
