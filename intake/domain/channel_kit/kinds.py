"""Which questions are answered by typing and which by choosing (the channels draw a text box
or buttons from this, and the engine words its "please answer" from it)."""
from __future__ import annotations

from intake.domain.steps import Kind, Step

#: Answered by typing: a text box, or a chat's free line.
TYPED_KINDS = frozenset({Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY})
#: Answered by one choice among buttons or radios.
CHOICE_KINDS = frozenset({Kind.CHOICE, Kind.YES_NO, Kind.CATEGORY, Kind.REGION})
#: Texts that may be longer than this get a box of several lines.
LONG_TEXT = 500


def takes_long_text(step: Step) -> bool:
    return step.kind is Kind.TEXT and step.max_chars > LONG_TEXT
