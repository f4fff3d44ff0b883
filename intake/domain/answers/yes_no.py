"""A yes or a no typed in words. Each yes/no question's buttons answer it in its own words
(知道/不知道, དགོས།/མི་དགོས།), but a reporter who types the plain 是/否, yes/no or ཡིན/མིན (with or
without the shad, in any of the three languages) is understood too."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from intake.domain.answers.matching import normalize_for_match
from intake.domain.steps import NO, YES

_PLAIN_WORDS = {
    YES: ("yes", "y", "yeah", "是", "是的", "对", "对的", "有", "ཡིན", "ཡིན་ལགས", "ལགས", "ལགས་སོ", "ཡོད", "ཡོད་ལགས", "རེད", "ཡོད་རེད"),
    NO: ("no", "n", "否", "不", "不是", "没有", "没", "མིན", "མིན་ལགས", "མེད", "མེད་ལགས", "མ་རེད", "ཡོད་མ་རེད"),
}
_PLAIN = {normalize_for_match(word): value for value, words in _PLAIN_WORDS.items() for word in words}


def typed_yes_no(text: str, labels: Mapping[str, Iterable[str]]) -> str | None:
    """YES or NO for `text`: one of the question's own labels (`labels`: value -> its labels
    in every language), or a plain yes/no word; None for anything else."""
    key = normalize_for_match(text)
    if not key:
        return None
    for value, words in labels.items():
        if key in {normalize_for_match(word) for word in words}:
            return value
    return _PLAIN.get(key)
