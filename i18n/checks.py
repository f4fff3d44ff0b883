"""What every translation must pass: its placeholders, Unicode NFC, and in Tibetan the shad and
tsheg rules of TRANSLATING.md.

One place for both users: tests/test_catalogs.py checks the catalogs with it, and
`tipline i18n import` refuses a reviewer's text with it, so the kit never writes what the suite
would then reject. Each check returns the reasons a text fails (English, for whoever runs them).
"""
from __future__ import annotations

import re
import unicodedata

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# A syllable ending in ག or ཀ takes no shad (ཡོད་པ་རེད། but ཐུབ་ཀྱི་མ་རེད་ཀ, …ལག); one ending in ང
# takes a tsheg before its shad (ང་།). A vowel sign or a subjoined letter after the ག/ཀ/ང means
# the syllable does not end in it, hence the look-behind on the letter itself.
_SHAD_AFTER_GA_KA = re.compile(r"[\u0F40\u0F42]\u0F0D")
_SHAD_AFTER_BARE_NGA = re.compile(r"\u0F44\u0F0D")


def placeholder_problems(text: str, *sources: str) -> list[str]:
    """`text` keeps the placeholders of one of its `sources` (the singular or the plural of a
    msgid), and formats where the source formats (a bare % in it would break the page)."""
    found = set(PLACEHOLDER.findall(text))
    wanted = [set(PLACEHOLDER.findall(source)) for source in sources]
    problems: list[str] = []
    if found not in wanted:
        expected = wanted[-1] if wanted else set()
        missing = sorted(expected - found)
        unknown = sorted(found - set().union(*wanted)) if wanted else sorted(found)
        if missing:
            problems.append("missing placeholder " + ", ".join(f"%({name})s" for name in missing))
        if unknown:
            problems.append("placeholder not in the source: " + ", ".join(f"%({name})s" for name in unknown))
        if not missing and not unknown:
            problems.append("placeholders differ from the source")
    if any(_formats(source) for source in sources) and not _formats(text):
        problems.append("a % that is not a placeholder breaks the text (write %% for a percent sign)")
    return problems


def _formats(text: str) -> bool:
    try:
        text % {name: "x" for name in PLACEHOLDER.findall(text)}
    except (KeyError, ValueError, TypeError):
        return False
    return True


def nfc_problems(text: str) -> list[str]:
    if unicodedata.normalize("NFC", text) != text:
        return ["the text is not in Unicode NFC (save it as composed characters)"]
    return []


def tibetan_problems(text: str) -> list[str]:
    """The punctuation rules of TRANSLATING.md ("Tibetan (bo)")."""
    problems: list[str] = []
    for found in _SHAD_AFTER_GA_KA.finditer(text):
        problems.append(f"no shad after a final {found.group()[0]} (…{_around(text, found)}…)")
    for found in _SHAD_AFTER_BARE_NGA.finditer(text):
        problems.append(f"write ང་། with a tsheg before the shad (…{_around(text, found)}…)")
    return problems


def _around(text: str, found: re.Match[str]) -> str:
    return text[max(0, found.start() - 8):found.end()]


def translation_problems(language: str, text: str, *sources: str) -> list[str]:
    """Every reason `text`, a translation into `language` of `sources`, may not be used."""
    if not text.strip():
        return ["the translation is empty"]
    problems = placeholder_problems(text, *sources) + nfc_problems(text)
    if language == "bo":
        problems += tibetan_problems(text)
    return problems
