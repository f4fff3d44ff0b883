"""The words a person sends to act, read in any of the three languages (an account's menu sends
the Chinese ones, whatever the person's language), and the numbers that choose a language."""
from __future__ import annotations

from enum import Enum

from i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from intake.domain.answers.digits import normalize_digits
from wechat import texts


class Command(Enum):
    REPORT = texts.REPORT_WORD
    PROGRESS = texts.PROGRESS_WORD
    LANGUAGE = texts.LANGUAGE_WORD
    HELP = texts.HELP_WORD
    CANCEL = texts.CANCEL_WORD
    BACK = texts.BACK_WORD
    SKIP = texts.SKIP_WORD
    MORE = texts.MORE_WORD


#: Other words people send for the same thing (the account's menu: 举报 / 查进度 / 语言 / 说明).
SYNONYMS = {Command.PROGRESS: ("查进度", "进度"), Command.HELP: ("说明", "帮助"), Command.LANGUAGE: ("语言",),
            Command.MORE: ("更多",)}


def words(command: Command) -> set[str]:
    found = {command.value.casefold(), *SYNONYMS.get(command, ())}
    found.update(Translator(language)(command.value).casefold() for language in LANGUAGES)
    return found


#: The keys of the account's menu buttons (wechat/menu.py): a tap acts as the word typed.
MENU_KEYS = {"REPORT": Command.REPORT, "PROGRESS": Command.PROGRESS, "ABOUT": Command.HELP, "LANGUAGE": Command.LANGUAGE}

_WORDS = {word: command for command in Command for word in words(command)}


def command_of(text: str) -> tuple[Command, str] | None:
    """The command a message starts with and what follows it ("查进度 4821 0937 5562")."""
    line = text.strip().rstrip("།་ ")  # a Tibetan word may end with its tsheg or a shad
    folded = line.casefold()
    for word in sorted(_WORDS, key=len, reverse=True):
        if folded == word:
            return _WORDS[word], ""
        if _WORDS[word] is Command.PROGRESS and folded.startswith(word) and _code_like(line[len(word):]):
            return Command.PROGRESS, line[len(word):].strip(" :：")
    return None


def language_chosen(text: str) -> str | None:
    """A reply to the language question: its number (1, 2, 3 in any script's digits) or its name."""
    line = normalize_digits(text.strip())
    if line.isdigit() and 1 <= int(line) <= len(LANGUAGES):
        return LANGUAGES[int(line) - 1]
    for language, name in LANGUAGE_NAMES.items():
        if text.strip().casefold() == name.casefold():
            return language
    return None


def _code_like(rest: str) -> bool:
    """Digits after the word (a description that merely begins with "进度" is an answer)."""
    digits = normalize_digits(rest).strip(" :：").replace(" ", "").replace("-", "")
    return digits.isdigit()
