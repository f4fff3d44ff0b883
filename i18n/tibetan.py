"""Tibetan case particles that agree with the name before them.

A Tibetan message says "the warnings of %(region)s" as "%(region)s ཀྱི་ཉེན་བརྡ", but the genitive
particle is not one word: it follows the last letter of the name (གི after ག ང, ཀྱི after ད བ ས,
གྱི after ན མ ར ལ, འི joined to a syllable that ends in a vowel or འ), and so does the agentive
(གིས, ཀྱིས, གྱིས, ས). A translator cannot know the name, so the catalog writes one form after a
placeholder and `agree` puts the right one once the name is in.
"""
from __future__ import annotations

import re

TSHEG = "\u0f0b"
_MAIN = range(0x0F40, 0x0F6D)  # consonants written on the line (not subjoined below another)
_VOWELS = "\u0f71\u0f72\u0f74\u0f7a\u0f7b\u0f7c\u0f7d\u0f80"

GENITIVE = {"after_g": "གི", "after_d": "ཀྱི", "after_n": "གྱི", "open": "འི"}
AGENTIVE = {"after_g": "གིས", "after_d": "ཀྱིས", "after_n": "གྱིས", "open": "ས"}
# A placeholder, a space, then a case particle as the catalog wrote it (before a tsheg, a shad or the end).
_PARTICLE = re.compile(r"%\((\w+)\)s (ཀྱིས|གྱིས|གིས|ཡིས|ཀྱི|གྱི|གི|ཡི)(?=[\u0f0b\u0f0d\s]|$)")


def _ending(syllable: str) -> str:
    """Which particle family the syllable's last letter takes."""
    letters = [c for c in syllable if ord(c) in _MAIN or c in _VOWELS]
    vowel = max((i for i, c in enumerate(letters) if c in _VOWELS), default=-1)
    after_vowel = [c for c in letters[vowel + 1:] if ord(c) in _MAIN]
    main = [c for c in letters if ord(c) in _MAIN]
    # With a vowel sign, a suffix is a letter after it; without one, the root comes first and
    # any later letter on the line is a suffix (ལྷ་ས: no suffix; བོད, ཁམས: suffixes).
    has_suffix = bool(after_vowel) if vowel >= 0 else len(main) >= 2
    if not has_suffix or main[-1] == "འ":
        return "open"
    last = main[-1]
    if last in "གང":
        return "after_g"
    if last in "དབས":
        return "after_d"
    return "after_n"  # ན མ ར ལ


def with_particle(name: str, particle: str) -> str:
    """`name` followed by `particle` (genitive or agentive, in any written form) in the form
    that agrees with it; a name that does not end in Tibetan keeps the particle as written."""
    stripped = name.rstrip(" " + TSHEG)
    syllable = stripped.rsplit(TSHEG, 1)[-1].rsplit(" ", 1)[-1]
    if not syllable or not any(ord(c) in _MAIN for c in syllable):
        return f"{name} {particle}"
    forms = GENITIVE if particle in (*GENITIVE.values(), "ཡི") else AGENTIVE
    ending = _ending(syllable)
    if ending == "open" and stripped.endswith("འ"):  # དགའ + འི = དགའི; the agentive in its metrical form
        return stripped[:-1] + "འི" if forms is GENITIVE else stripped + TSHEG + "ཡིས"
    if ending == "open":
        return stripped + forms["open"]
    return stripped + TSHEG + forms[ending]


def has_particle(template: str) -> bool:
    return _PARTICLE.search(template) is not None


def agree(template: str, params: dict[str, object]) -> str:
    """`template % params`, with each case particle written after a placeholder made to agree
    with the name put in its place."""
    def replace(match: re.Match[str]) -> str:
        value = params.get(match.group(1))
        if not isinstance(value, str):
            return match.group(0)
        return with_particle(value, match.group(2)).replace("%", "%%")

    return _PARTICLE.sub(replace, template) % params
