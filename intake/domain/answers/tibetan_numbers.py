"""Tibetan number words as reporters write them: "ཁྲི་3", "ཁྲི་གསུམ", "ཉིས་སྟོང", "ཟླ་བ་བཅུ་པ".

Text is read syllable by syllable (tsheg, shad and spaces separate them; a run of digits is one
syllable). A large unit comes before its count in Tibetan ("ཁྲི་གསུམ", ten thousand three
= 30000) and a small multiplier before its unit ("ཉིས་བརྒྱ", 200); both orders are read. Digits
must already be ASCII (`normalize_digits`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

_SYLLABLE = re.compile(r"(?P<digits>\d+(?:,\d{3})*(?:\.\d+)?)|(?P<letters>[\u0F40-\u0FBC]+)|(?P<gap>[\s\u0F0B-\u0F0E]+)")

ONES = {"གཅིག": 1, "གཉིས": 2, "གསུམ": 3, "བཞི": 4, "ལྔ": 5, "དྲུག": 6, "བདུན": 7, "བརྒྱད": 8, "དགུ": 9}
# The tens: 40 is བཞི་བཅུ, 30 སུམ་ཅུ; 20 is a word of its own, ཉི་ཤུ.
_TENS_FIRST = {"སུམ": 3, "བཞི": 4, "ལྔ": 5, "དྲུག": 6, "བདུན": 7, "བརྒྱད": 8, "དགུ": 9}
_TENS_SECOND = ("ཅུ", "བཅུ")
# 21–99 in short: ཉེར་གཅིག (21), སོ་ལྔ (35), གྱ་བརྒྱད (88).
_SHORT_TENS = {"ཉེར": 2, "སོ": 3, "ཞེ": 4, "ང": 5, "རེ": 6, "དོན": 7, "གྱ": 8, "གོ": 9}
# Before a unit only: ཉིས་བརྒྱ (200), སུམ་སྟོང (3000).
_COMBINING = {"ཉིས": 2, "སུམ": 3}
UNITS: dict[tuple[str, ...], int] = {
    ("བརྒྱ",): 10**2, ("སྟོང",): 10**3, ("ཁྲི",): 10**4, ("འབུམ",): 10**5,
    ("ས", "ཡ"): 10**6, ("བྱེ", "བ"): 10**7, ("དུང", "ཕྱུར"): 10**8,
}
_MULTIPLE = "ཕྲག"  # ཁྲི་ཕྲག་གསུམ: "three of ten thousand"
_AND = "དང"
_EXACTLY = ("ཐམ", "པ")  # ཉི་ཤུ་ཐམ་པ: twenty exactly
_PLUS = "རྩ"  # ཉི་ཤུ་རྩ་གཅིག: twenty and one


def syllables(text: str) -> list[str] | None:
    """The syllables and digit runs of `text`, or None if it holds anything else."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        match = _SYLLABLE.match(text, pos)
        if match is None:
            return None
        if match.lastgroup != "gap":
            out.append(match.group())
        pos = match.end()
    return out


def has_tibetan_letters(text: str) -> bool:
    return any("\u0F40" <= ch <= "\u0FBC" for ch in text)


def cardinals_at(words: list[str] | tuple[str, ...], i: int) -> Iterator[tuple[int, int]]:
    """Every reading (value, end) of a number word from 1 to 99 starting at syllable `i`."""
    words = tuple(words)
    first = words[i] if i < len(words) else ""
    second = words[i + 1] if i + 1 < len(words) else ""
    if first in ONES:
        yield ONES[first], i + 1
    if first == "བཅུ":
        yield 10, i + 1
        if second in ONES:
            yield 10 + ONES[second], i + 2
        if words[i + 1:i + 3] == _EXACTLY:
            yield 10, i + 3
    if first == "བཅོ" and second in ("ལྔ", "བརྒྱད"):
        yield 10 + ONES[second], i + 2
    tens = 2 if (first, second) == ("ཉི", "ཤུ") else _TENS_FIRST.get(first) if second in _TENS_SECOND else None
    if tens is not None:
        yield tens * 10, i + 2
        if words[i + 2:i + 4] == _EXACTLY:
            yield tens * 10, i + 4
        if i + 3 < len(words) and words[i + 2] == _PLUS and words[i + 3] in ONES:
            yield tens * 10 + ONES[words[i + 3]], i + 4
    if first in _SHORT_TENS and second in ONES:
        yield _SHORT_TENS[first] * 10 + ONES[second], i + 2


def read_amount(text: str) -> Decimal | None:
    """The value of an amount in Tibetan number words, digits allowed ("ཁྲི་3.5", "ཁྲི་གཉིས་དང་སྟོང་ལྔ");
    None if it is not one, or if it can be read two ways ("སྟོང་ལྔ་བརྒྱ": 1500 or 5100?)."""
    words = syllables(text)
    if not words:
        return None
    readings = _readings(tuple(words), 0, None)
    if not readings:
        return None
    fewest = min(terms for terms, _ in readings)
    values = {value for terms, value in readings if terms == fewest}  # the plainest reading wins
    return values.pop() if len(values) == 1 else None


@lru_cache(maxsize=256)
def _readings(words: tuple[str, ...], i: int, ceiling: int | None) -> frozenset[tuple[int, Decimal]]:
    """(number of terms, value) of every way to read words[i:] as terms each smaller than the
    unit of the term before it (`ceiling`)."""
    if i == len(words):
        return frozenset({(0, Decimal(0))}) if ceiling is not None else frozenset()
    if ceiling is not None and words[i] == _AND:
        i += 1  # ཁྲི་གཉིས་དང་སྟོང་ལྔ: "and" only ever between two terms
        if i == len(words):
            return frozenset()
    found: set[tuple[int, Decimal]] = set()
    for value, unit, end in _terms_at(words, i):
        if value <= 0 or (ceiling is not None and max(value, unit) >= ceiling):
            continue
        if unit == 1 and end != len(words):
            continue  # a number without a unit comes last: ཁྲི་གཉིས་དང་ལྔ
        for terms, rest in _readings(words, end, unit):
            found.add((terms + 1, value + rest))
    return frozenset(found)


def _terms_at(words: tuple[str, ...], i: int) -> Iterator[tuple[Decimal, int, int]]:
    """(value, unit, end) of every term starting at `i`: a unit with its count after it (ཁྲི་གསུམ,
    ཁྲི་ཕྲག་3, or alone: ས་ཡ), a multiplier before a unit (ཉིས་བརྒྱ, 3 ཁྲི), or a bare number."""
    unit = _unit_at(words, i)
    if unit is not None:
        size, after = unit
        yield Decimal(size), size, after
        for count, end in _counts_at(words, after):
            yield count * size, size, end
    for count, after in _counts_at(words, i):
        yield count, 1, after
    for count, after in [*_counts_at(words, i), *_combining_at(words, i)]:
        unit = _unit_at(words, after)
        if unit is not None:
            yield count * unit[0], unit[0], unit[1]


def _unit_at(words: tuple[str, ...], i: int) -> tuple[int, int] | None:
    for spelling, size in UNITS.items():
        if words[i:i + len(spelling)] == spelling:
            end = i + len(spelling)
            return size, end + 1 if words[end:end + 1] == (_MULTIPLE,) else end
    return None


def _counts_at(words: tuple[str, ...], i: int) -> Iterator[tuple[Decimal, int]]:
    if i < len(words) and words[i][0].isdigit():
        yield Decimal(words[i].replace(",", "")), i + 1
        return
    for value, end in cardinals_at(words, i):
        yield Decimal(value), end


def _combining_at(words: tuple[str, ...], i: int) -> Iterator[tuple[Decimal, int]]:
    if i < len(words) and words[i] in _COMBINING:
        yield Decimal(_COMBINING[words[i]]), i + 1


def numbers_at(words: list[str] | tuple[str, ...], i: int) -> Iterator[tuple[int, int]]:
    """Every reading (value, end) of a whole number in digits or in words (1 to 99) at `i`."""
    if i < len(words) and words[i].isdigit():
        yield int(words[i]), i + 1
        return
    yield from cardinals_at(words, i)


_ORDINAL_SUFFIXES = ("པ", "པའི", "པར")  # གསུམ་པ third, གསུམ་པའི of the third
_FIRST = ("དང", "པོ")  # the first is a word of its own


def ordinals_at(words: list[str] | tuple[str, ...], i: int) -> Iterator[tuple[int, int]]:
    """Every reading (value, end) of an ordinal at `i`: དང་པོ(འི), བཅུ་གཉིས་པ(འི), or digits
    with or without པ. A number word needs its པ: ཟླ་བ་གསུམ alone is "three months"."""
    if i + 1 < len(words) and words[i] == _FIRST[0] and words[i + 1] in ("པོ", "པོའི", "པོར"):
        yield 1, i + 2
    for value, end in numbers_at(words, i):
        if end < len(words) and words[end] in _ORDINAL_SUFFIXES:
            yield value, end + 1
        elif words[i].isdigit():
            yield value, end
