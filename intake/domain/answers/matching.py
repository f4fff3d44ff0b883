"""Match keys: the same name or number, written differently, compares equal."""
from __future__ import annotations

import unicodedata

from intake.domain.answers.digits import normalize_digits


def normalize_for_match(text: str) -> str:
    """A key under which the same name or number written differently compares equal."""
    text = unicodedata.normalize("NFKC", normalize_digits(text))
    text = unicodedata.normalize("NFKC", text.casefold())
    # Z: spaces; P: punctuation incl. tsheg and shad; Cc/Cf: invisible characters.
    return "".join(
        ch for ch in text
        if unicodedata.category(ch)[0] not in "ZP" and unicodedata.category(ch) not in ("Cc", "Cf")
    )
