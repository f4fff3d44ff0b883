"""Digits in any script (Tibetan, Arabic-Indic, full-width) read as ASCII ones."""
from __future__ import annotations

import unicodedata

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
