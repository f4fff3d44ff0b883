"""Tracking codes and reply PINs: generation, Damm check digit, normalisation of typed input.

Pure functions, no I/O. A code is 11 random decimal digits plus one Damm check digit.
"""

from __future__ import annotations

import secrets
import unicodedata

CODE_LENGTH = 12
RANDOM_DIGITS = CODE_LENGTH - 1  # 10**11 codes, about 36.5 bits
PIN_LENGTH = 4
GROUP_SIZE = 4

# Untrusted input (bot messages, web form fields) is bounded before any per-character work.
MAX_INPUT_CHARS = 64

_ASCII_DIGITS = frozenset("0123456789")

# Separators people type between digit groups, on Chinese, Tibetan and Latin keyboards.
# Dashes are matched by Unicode category (Pd) in _is_separator; these are the rest.
_EXTRA_SEPARATORS = frozenset(
    "\u2212"  # minus sign, which some phone keyboards produce for "-"
    ".\uff0e\u3002"  # full stop, full-width full stop, ideographic full stop
    "\u00b7\u30fb\u2027"  # middle dots
    "\u0f0b\u0f0c"  # Tibetan tsheg: the syllable separator Tibetan typists reach for
)

# The Damm quasigroup table (order 10, weakly totally anti-symmetric, zero diagonal), as
# published by H. Michael Damm. Row = interim digit, column = next input digit.
_DAMM_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() is True for full-width and Tibetan digits too; canonical forms are ASCII.
    return bool(text) and all(ch in _ASCII_DIGITS for ch in text)


def _damm_interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM_TABLE[interim][ord(ch) - ord("0")]
    return interim


def damm_check_digit(digits: str) -> str:
    """The Damm check digit to append to `digits` (ASCII decimal digits)."""
    if digits and not _is_ascii_digits(digits):
        raise ValueError("damm_check_digit expects ASCII decimal digits only")
    return str(_damm_interim(digits))


def is_valid(code: str) -> bool:
    """True for a canonical tracking code: 12 ASCII digits with a correct check digit."""
    return len(code) == CODE_LENGTH and _is_ascii_digits(code) and _damm_interim(code) == 0


def new_code() -> str:
    """A fresh random tracking code, 12 ASCII digits, no spaces."""
    body = str(secrets.randbelow(10**RANDOM_DIGITS)).zfill(RANDOM_DIGITS)
    return body + damm_check_digit(body)


def format_code(code: str) -> str:
    """Show a canonical code in groups of four: "4821 0937 5562"."""
    if len(code) != CODE_LENGTH or not _is_ascii_digits(code):
        raise ValueError("format_code expects a 12-digit canonical tracking code")
    return " ".join(code[i : i + GROUP_SIZE] for i in range(0, CODE_LENGTH, GROUP_SIZE))


def _is_separator(ch: str) -> bool:
    return ch.isspace() or ch in _EXTRA_SEPARATORS or unicodedata.category(ch) == "Pd"


def _ascii_digits_of(text: str) -> str | None:
    """The digits of `text` as ASCII, separators dropped; None if any other character appears."""
    text = text.strip()
    if len(text) > MAX_INPUT_CHARS:
        return None
    out: list[str] = []
    for ch in text:
        # unicodedata.decimal maps every Nd digit (full-width, Tibetan, Arabic-Indic...);
        # NFKC would miss Tibetan. Superscripts and circled digits have no decimal value.
        value = unicodedata.decimal(ch, None)
        if value is not None:
            out.append(str(value))
        elif not _is_separator(ch):
            return None
    return "".join(out)


def normalize_code(text: str) -> str | None:
    """The canonical 12 ASCII digits of a typed code, or None if it is not a valid code."""
    digits = _ascii_digits_of(text)
    if digits is None or not is_valid(digits):
        return None
    return digits


def looks_like_code(text: str) -> bool:
    """True for text that is 12 digits and separators only, whatever its check digit: someone
    sending their tracking code on its own (a mistyped one too, to be answered like any look-up)."""
    digits = _ascii_digits_of(text)
    return digits is not None and len(digits) == CODE_LENGTH


def new_pin() -> str:
    """A fresh random 4-digit reply PIN."""
    return str(secrets.randbelow(10**PIN_LENGTH)).zfill(PIN_LENGTH)


def normalize_pin(text: str) -> str | None:
    """The canonical 4 ASCII digits of a typed PIN, or None if it is not exactly 4 digits."""
    digits = _ascii_digits_of(text)
    if digits is None or len(digits) != PIN_LENGTH:
        return None
    return digits
