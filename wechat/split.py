"""A text cut into WeChat messages: a message holds about 2,048 bytes of UTF-8 (Chinese takes 3
bytes a character, Tibetan too), so a long text is cut at a paragraph, line or sentence end,
else at a space or a Tibetan syllable mark, never inside a character and never inside a stack
(a Tibetan letter and the signs written on and under it are one unit: combining marks stay
with the letter before them)."""
from __future__ import annotations

import unicodedata

MAX_BYTES = 2048
#: Where a sentence ends: Chinese, Tibetan (shad) and Latin punctuation.
SENTENCE_ENDS = ("。", "！", "？", "།", "༎", "!", "?", ".", ";", "；")
SOFT_BREAKS = (" ", "་")  # a space, the Tibetan tsheg between syllables


def split(text: str, limit: int = MAX_BYTES) -> list[str]:
    parts: list[str] = []
    rest = text.strip()
    while len(rest.encode("utf-8")) > limit:
        window = _fitting(rest, limit)
        cut = _cut(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def pack(blocks: list[str], limit: int = MAX_BYTES) -> list[str]:
    """Whole blocks (a question with its choices, the welcome) packed into as few messages as
    fit; only a block longer than one message is cut, by `split`, beginning on the page before."""
    pages: list[str] = []
    current = ""
    for block in (b.strip() for b in blocks):
        if not block:
            continue
        joined = f"{current}\n\n{block}" if current else block
        if len(joined.encode("utf-8")) <= limit:
            current = joined
            continue
        if len(block.encode("utf-8")) <= limit:  # whole on a page of its own
            if current:
                pages.append(current)
            current = block
            continue
        parts = split(joined, limit)  # too long for any page: cut, filling this page first
        pages.extend(parts[:-1])
        current = parts[-1]
    return pages + [current] if current or not pages else pages


def _fitting(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` bytes that ends between two stacks."""
    end = len(text.encode("utf-8")[:limit].decode("utf-8", "ignore"))
    while 0 < end < len(text) and joins_previous(text[end]):
        end -= 1
    return text[:end]


def joins_previous(char: str) -> bool:
    return unicodedata.category(char).startswith("M") or char in "\u200d"


def _cut(window: str) -> int:
    """Where to end a part inside `window`: the latest good boundary in its second half."""
    half = len(window) // 2
    for marks in (("\n\n",), ("\n",), SENTENCE_ENDS, SOFT_BREAKS):
        at = max(window.rfind(mark) + len(mark) for mark in marks)
        if at - 1 > half:
            return at
    return len(window) or 1
