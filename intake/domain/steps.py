"""What a question of the questionnaire is made of: its kind, choices, conditions on earlier
answers, and the channel capability it needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    TEXT = "text"
    PHONE = "phone"
    EMAIL = "email"
    DATE = "date"
    MONEY = "money"
    REGION = "region"
    CATEGORY = "category"
    FILES = "files"


# --- conditions: tiny, inspectable predicates over the answers so far -----------------

@dataclass(frozen=True)
class When:
    """True when the answer to `key` is one of `values` (or, for lists, contains one)."""

    key: str
    values: tuple[str, ...]

    def __init__(self, key: str, *values: str) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", values)

    def __call__(self, answers: dict) -> bool:
        answer = answers.get(self.key)
        if isinstance(answer, list):
            return any(a in self.values for a in answer)
        return answer in self.values


@dataclass(frozen=True)
class Offered:
    """True when the conversation offered something under `key` (conversation.offer_category):
    it does so only once `after` is answered, and only while `when` holds."""

    key: str
    after: str
    when: When

    def __call__(self, answers: dict) -> bool:
        return self.when(answers) and bool(answers.get(self.key))


@dataclass(frozen=True)
class Unless:
    """True when `condition` is false."""

    condition: When | Offered

    def __call__(self, answers: dict) -> bool:
        return not self.condition(answers)


Condition = When | Offered | Unless


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # msgid
    hint: str | None = None  # msgid


#: The stored values of a yes/no question's two answers, whatever words its buttons say.
YES, NO = "yes", "no"


def yes_no(yes: str, no: str) -> tuple[Option, Option]:
    """A yes/no question's two answers in words that answer that very question (msgids):
    "do you know" takes 知道/不知道 and ཡོད།/མེད།, "do you want" 需要/不需要 and དགོས།/མི་དགོས།;
    a bare 是/否 or ཡིན།/མིན། answers neither. Typed yes/no words stay accepted
    (answers.yes_no)."""
    return (Option(YES, yes), Option(NO, no))


@dataclass(frozen=True)
class Step:
    key: str
    kind: Kind
    question: str  # msgid
    hint: str | None = None  # msgid shown under the question
    hint_when: tuple[tuple[Condition, str], ...] = ()  # a hint that depends on earlier answers
    required: bool | Condition = True
    options: tuple[Option, ...] = ()
    dont_know: bool = False  # "don't know" is a valid answer here
    skip_if: Condition | None = None
    needs: str | None = None  # a channel capability, e.g. "files": skipped where missing
    personal: bool = False  # personal data: stored apart and encrypted, shown only to roles that need it
    max_chars: int = 500
    min_chars: int = 0
    notice_when: tuple[tuple[Condition, str], ...] = ()  # shown at once after the answer
    summary_label: str = ""  # short label on "check your answers" (msgid); defaults to the question
    # The choices come from what the conversation keeps under this key (a suggestion it made), not
    # from `options`: asked only in a conversation, never by the partners' API.
    choices_from: str | None = None

    def is_required(self, answers: dict) -> bool:
        return self.required if isinstance(self.required, bool) else self.required(answers)

    def hint_for(self, answers: dict) -> str | None:
        for condition, hint in self.hint_when:
            if condition(answers):
                return hint
        return self.hint


@dataclass(frozen=True)
class ChannelCapabilities:
    """What a channel can take: the terminal cannot receive files; the web and the bot can."""

    features: frozenset[str] = field(default_factory=frozenset)

    def supports(self, step: Step) -> bool:
        return step.needs is None or step.needs in self.features
