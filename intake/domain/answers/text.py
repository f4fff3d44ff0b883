"""Free text: tidied, hidden control characters shown rather than kept, and its length checked."""
from __future__ import annotations

import re
import unicodedata

from i18n import N_
from intake.domain.answers.invalid import Invalid

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
            N_("Your text contained some invisible special characters, which can make writing show backwards. "
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
