"""A line typed in a chat, as the answer it stands for: the choices are numbered from 1 (in any
script's digits), 0 is "I don't know", and a multiple choice takes several numbers ("1,3")."""
from __future__ import annotations

from intake.domain.answers.digits import normalize_digits
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.conversation import SKIP, Choice, Prompt
from intake.domain.questionnaire import DONT_KNOW
from intake.domain.steps import Kind

#: The number that stands for "I don't know" beside numbered choices.
DONT_KNOW_NUMBER = "0"


def choice_number(prompt: Prompt, index: int) -> str | None:
    """The number a reporter types for the choice at `index` (0 is the first), as a chat shows it
    beside the choice; None where typing a number is an answer itself (an amount, a date)."""
    return None if prompt.kind in TYPED_KINDS else str(index + 1)


def dont_know_number(prompt: Prompt) -> str | None:
    """The number that stands for the prompt's "I don't know", where numbers stand for choices."""
    return DONT_KNOW_NUMBER if prompt.dont_know and prompt.kind not in TYPED_KINDS else None


def typed_answer(prompt: Prompt, line: str) -> object:
    """The raw answer the core validates: words go as typed (the core also accepts an option's
    words), numbers stand for the choices; a blank line leaves an optional question out."""
    text = line.strip()
    if not text:
        return SKIP
    if prompt.kind in TYPED_KINDS:
        return line
    if prompt.kind is Kind.MULTI_CHOICE:
        numbers = _several(text)
        if [normalize_digits(n) for n in numbers] == [DONT_KNOW_NUMBER] and prompt.dont_know:
            return DONT_KNOW
        return [numbered(prompt.choices, part) for part in numbers]
    if normalize_digits(text) == DONT_KNOW_NUMBER and prompt.dont_know:
        return DONT_KNOW
    return numbered(prompt.choices, text)


def numbered(choices: list[Choice], text: str) -> str:
    """The value of the choice numbered `text` (1 is the first), or `text` as typed."""
    digits = normalize_digits(text.strip())
    if digits.isdigit() and 1 <= int(digits) <= len(choices):
        return choices[int(digits) - 1].value
    return text


def _several(text: str) -> list[str]:
    """"1,3", "1，3" or "1 3"; an option's words with spaces stay one answer."""
    parts = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    spaced = [word for part in parts for word in part.split()]
    return spaced if all(normalize_digits(word).isdigit() for word in spaced) else parts
