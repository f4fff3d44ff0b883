"""Punctuation the code adds between words, by language: a label and its answer, a list of
answers, and names built from parts (a county within its city, a unit's region and kind).

Every channel joins through here, so no Tibetan line reads "…ཡོད་མེད།: ཡིན།" and no Chinese one
"现金, 银行转账". Babel's `format_list` is not used: it gives Tibetan the English ", " and
adds "and"/"和" before the last item, which misreads next to a choice that itself says "or"
("WeChat Pay or Alipay").
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

TSHEG = "\u0f0b"  # ་ between syllables
SHAD = "\u0f0d"  # ། at the end of a phrase
_ENDS_PHRASE = frozenset("\u0f0d\u0f0e\u0f0f\u0f10\u0f11\u0f14")  # shad, nyis shad, tsheg shad, rin chen spungs shad, …
_NO_SHAD_AFTER = frozenset("\u0f42\u0f40")  # ག ཀ: a phrase ending in them takes no shad, only a space
_NGA = "\u0f44"  # ང: takes a tsheg before the shad (ང་།)


def _is_tibetan(ch: str) -> bool:
    return "\u0f00" <= ch <= "\u0fff"


def with_shad(text: str) -> str:
    """A Tibetan phrase closed the way TRANSLATING.md asks: "…ཡོད།", "…ང་།", and nothing
    after a final ག or ཀ. Text that ends in anything but Tibetan (a number, a bracket) is left."""
    text = text.rstrip()
    if not text or not _is_tibetan(text[-1]) or text[-1] in _ENDS_PHRASE:
        return text
    stem = text.rstrip(TSHEG)
    if not stem:
        return text
    if stem[-1] in _NO_SHAD_AFTER:
        return stem
    if stem[-1] == _NGA:
        return stem + TSHEG + SHAD
    return stem + SHAD


def labelled(label: str, value: str, language: str) -> str:
    """A label and its answer on one line. Chinese "标签：答案", English "Label: answer";
    Tibetan has no colon: the label is closed as a phrase (with its shad) and the answer follows
    after a space, as one phrase follows another ("ད་དུང་མུ་མཐུད་བཞིན་ཡོད་མེད། མཚམས་ཆད་ཟིན།")."""
    if language == "zh_Hans":
        return f"{label.rstrip().rstrip(':：')}：{value}"
    if language == "bo":
        return f"{with_shad(label.rstrip().rstrip(':'))} {value}"
    return f"{label.rstrip().rstrip(':')}: {value}"


def listed(items: Iterable[str], language: str) -> str:
    """Several answers in a row. Chinese "现金、微信支付或支付宝", English "Cash, Bank card";
    Tibetan: each item a phrase closed with its shad, a space between ("དངུལ་དངོས། དངུལ་ཁང་གི་ཁཱ་ཌ།")."""
    items = [item for item in items if item]
    if language == "zh_Hans":
        return "、".join(items)
    if language == "bo":
        return " ".join(with_shad(item) for item in items)
    return ", ".join(items)


def compound(parts: Sequence[str], language: str) -> str:
    """One name from parts, the larger first: a unit's region and kind ("东湖县民政局",
    "ཏུང་ཧུའུ་རྫོང་དམངས་སྲིད་ཅུས", "Donghu County Civil Affairs Bureau")."""
    parts = [part.strip() for part in parts if part and part.strip()]
    if language == "zh_Hans":
        return "".join(parts)
    if language == "bo":
        return _tsheg_joined(parts)
    return " ".join(parts)


def place(names: Sequence[str], language: str) -> str:
    """A place and the places it lies in, given the smallest first: "青山市东湖县",
    "ཆིང་ཧྲན་གྲོང་ཁྱེར་ཏུང་ཧུའུ་རྫོང" (larger first, as the languages write them), "Donghu County, Qingshan City"."""
    names = [name.strip() for name in names if name and name.strip()]
    if language in ("zh_Hans", "bo"):
        return compound(list(reversed(names)), language)
    return ", ".join(names)


def _tsheg_joined(parts: Sequence[str]) -> str:
    """Tibetan parts joined syllable to syllable: one tsheg between, a part's final shad dropped
    (the directory's names carry none, but a translator may add one)."""
    out = ""
    for part in parts:
        part = part.rstrip("".join(_ENDS_PHRASE)).rstrip()
        if not out:
            out = part
        elif _is_tibetan(out[-1]) and part and _is_tibetan(part[0]):
            out = out.rstrip(TSHEG) + TSHEG + part
        else:
            out = f"{out} {part}"
    return out
