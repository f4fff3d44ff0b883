"""A description's words without the people in it: what a confirmed category keeps as a training
example for the suggestion (issue 19 item 3).

By pattern: phone numbers (any run of 7 or more digits, spaced or dashed as people write them,
which also takes ID card and bank card numbers), e-mail addresses and web addresses. By the tip's
own answers: the names (the reporter's, the person targeted's, the suspect's) and the addresses
(the suspect's, the place) the reporter gave, wherever they recur in the description. What is
scrubbed becomes SCRUBBED, which the suggestion's features ignore (it is punctuation).

Pure: no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

SCRUBBED = "…"
#: The answers whose words are names or addresses (questionnaire keys).
NAME_KEYS = ("suspect_person", "victim_name", "reporter_name")
ADDRESS_KEYS = ("suspect_address", "place")
#: Shorter than this, a name is a common word too ("王" is a name and a king); never scrubbed alone.
MIN_NAME_CHARS = 2

_URL = re.compile(r"(?:https?://|www\.)[a-z0-9./?=&%#:~+_-]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|xyz|vip|cc|io)(?:/[a-z0-9./?=&%#:~+_-]*)?\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, with the spaces, dashes and brackets people put in phone and card numbers;
# an ID number may end in X.
_NUMBER = re.compile(r"\+?\d(?:[\s\-.()]*\d){6,}[xX]?")


def scrub(text: str, *, names: Iterable[str | None] = (), addresses: Iterable[str | None] = ()) -> str:
    """`text` with numbers, e-mail and web addresses, and the given names and addresses replaced."""
    text = _EMAIL.sub(SCRUBBED, text)
    text = _URL.sub(SCRUBBED, text)
    text = _NUMBER.sub(SCRUBBED, text)
    for value in sorted(_words_of(names, addresses), key=len, reverse=True):  # longest first: 王秀英 before 秀英
        text = re.sub(re.escape(value), SCRUBBED, text, flags=re.I)
    return re.sub(rf"(?:{re.escape(SCRUBBED)}\s*)+", SCRUBBED, text).strip()


def _words_of(names: Iterable[str | None], addresses: Iterable[str | None]) -> set[str]:
    """The names as given, and the parts of a Latin-script name ("John Smith": John, Smith, too)."""
    found: set[str] = set()
    for value in (*names, *addresses):
        if not isinstance(value, str):
            continue
        value = value.strip()
        if len(value) >= MIN_NAME_CHARS:
            found.add(value)
    for value in names:
        if isinstance(value, str):
            found.update(part for part in re.split(r"[\s,，、·]+", value) if len(part) >= 3)
    return found


def personal_words(answers: dict, people: Iterable[dict]) -> tuple[list[str], list[str]]:
    """The names and addresses to scrub: from the tip's answers and its people's sealed details
    (`people`: the opened records, with "name")."""
    names = [answers.get(key) for key in NAME_KEYS]
    names += [person.get("name") for person in people]
    addresses = [answers.get(key) for key in ADDRESS_KEYS]
    return [n for n in names if isinstance(n, str)], [a for a in addresses if isinstance(a, str)]
