"""Dates as a reporter reads them: each language's own long form, through Babel (CLDR).

2027年3月7日 · སྤྱི་ལོ་2027 ཟླ་བ་གསུམ་པའི་ཚེས་7 · 7 March 2027. Every channel, notice and the
command line shows a reporter's dates through these functions, never as ISO "2027-03-07"; the
answer parsers (answers/dates.py) read each of these forms back.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_skeleton, format_time

from i18n import DEFAULT_LANGUAGE

# English as in Britain and China's English press: "7 March 2027", day first, no comma.
_LOCALES = {"zh_Hans": "zh_Hans_CN", "bo": "bo_CN", "en": "en_GB"}


def date_locale(language: str) -> str:
    """The Babel locale whose calendar words a reader of `language` expects."""
    return _LOCALES.get(language, _LOCALES[DEFAULT_LANGUAGE])


def day_in_words(day: date, language: str) -> str:
    """A day as a reader of `language` writes it: 2027年3月7日, སྤྱི་ལོ་2027 ཟླ་བ་གསུམ་པའི་ཚེས་7, 7 March 2027.
    A datetime is read as the day it shows (convert it to the deployment's zone first)."""
    return format_date(day, format="long", locale=date_locale(language))


def moment_in_words(moment: datetime, language: str) -> str:
    """A day and its time of day, 24-hour: "2027年3月7日 14:05" (in the zone `moment` is in)."""
    return f"{day_in_words(moment, language)} {format_time(moment, format='HH:mm', locale=date_locale(language))}"


def when_in_words(value: dict, language: str) -> str:
    """An answer to "when did it happen" ({"date": …} or {"month": "YYYY-MM"} or {"year": "YYYY"})
    as precisely as it was given: 2026年10月3日, 2026年10月, 2026年."""
    locale = date_locale(language)
    if value.get("date"):
        return day_in_words(date.fromisoformat(value["date"]), language)
    if value.get("month"):
        year, month = (int(part) for part in str(value["month"]).split("-"))
        return format_skeleton("yMMMM", date(year, month, 1), locale=locale)
    if value.get("year"):
        return format_skeleton("y", date(int(value["year"]), 1, 1), locale=locale)
    return ""
